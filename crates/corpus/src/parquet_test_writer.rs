//! Test helper: writes small Parquet files with the parquet crate's column writers, the
//! way HF / FineWeb tools lay them out (flat columns, optional or required).

use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// One column's values, in schema order; `None` is a null.
pub(crate) enum Col {
    Str(Vec<Option<&'static str>>),
    F64(Vec<Option<f64>>),
    I64(Vec<Option<i64>>),
}

/// Writes `columns` under `schema` with `group_rows` rows per row group. Optional
/// columns get definition levels, required ones none.
pub(crate) fn write_parquet(
    path: &Path,
    schema: &str,
    columns: &[Col],
    group_rows: usize,
    compression: Compression,
) -> TestResult {
    let schema = Arc::new(parse_message_type(schema)?);
    let optional: Vec<bool> = schema
        .get_fields()
        .iter()
        .map(|f| f.is_optional())
        .collect();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let mut writer =
        SerializedFileWriter::new(std::fs::File::create(path)?, schema, Arc::new(props))?;
    let rows = match columns.first() {
        Some(Col::Str(v)) => v.len(),
        Some(Col::F64(v)) => v.len(),
        Some(Col::I64(v)) => v.len(),
        None => 0,
    };
    let mut start = 0;
    while start < rows {
        let end = (start + group_rows).min(rows);
        let mut group = writer.next_row_group()?;
        for (i, column) in columns.iter().enumerate() {
            let mut out = group.next_column()?.ok_or("schema has fewer columns")?;
            let defs =
                |present: Vec<bool>| -> Vec<i16> { present.into_iter().map(i16::from).collect() };
            let opt = optional.get(i).copied().unwrap_or(false);
            match column {
                Col::Str(v) => {
                    let v = &v[start..end];
                    let values: Vec<ByteArray> =
                        v.iter().flatten().map(|s| ByteArray::from(*s)).collect();
                    let def = defs(v.iter().map(Option::is_some).collect());
                    out.typed::<ByteArrayType>().write_batch(
                        &values,
                        opt.then_some(&def[..]),
                        None,
                    )?;
                }
                Col::F64(v) => {
                    let v = &v[start..end];
                    let values: Vec<f64> = v.iter().flatten().copied().collect();
                    let def = defs(v.iter().map(Option::is_some).collect());
                    out.typed::<DoubleType>().write_batch(
                        &values,
                        opt.then_some(&def[..]),
                        None,
                    )?;
                }
                Col::I64(v) => {
                    let v = &v[start..end];
                    let values: Vec<i64> = v.iter().flatten().copied().collect();
                    let def = defs(v.iter().map(Option::is_some).collect());
                    out.typed::<Int64Type>()
                        .write_batch(&values, opt.then_some(&def[..]), None)?;
                }
            }
            out.close()?;
        }
        group.close()?;
        start = end;
    }
    writer.close()?;
    Ok(())
}
