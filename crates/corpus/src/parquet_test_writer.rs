//! Test helper: writes small Parquet files with the parquet crate's column writers, the
//! way HF / FineWeb tools lay them out (flat columns, optional or required).

use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
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
            let opt = optional.get(i).copied().unwrap_or(false);
            match column {
                Col::Str(v) => {
                    write_values::<ByteArrayType, _>(&mut out, &v[start..end], opt, |s| {
                        ByteArray::from(*s)
                    })
                }
                Col::F64(v) => write_values::<DoubleType, _>(&mut out, &v[start..end], opt, |x| *x),
                Col::I64(v) => write_values::<Int64Type, _>(&mut out, &v[start..end], opt, |x| *x),
            }?;
            out.close()?;
        }
        group.close()?;
        start = end;
    }
    writer.close()?;
    Ok(())
}

/// Writes one row group's slice of a column: its non-null values, and definition levels
/// when the column is optional.
fn write_values<T: DataType, V>(
    out: &mut SerializedColumnWriter<'_>,
    values: &[Option<V>],
    optional: bool,
    convert: impl Fn(&V) -> T::T,
) -> parquet::errors::Result<()> {
    let present: Vec<T::T> = values.iter().flatten().map(convert).collect();
    let def: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
    out.typed::<T>()
        .write_batch(&present, optional.then_some(&def[..]), None)?;
    Ok(())
}
