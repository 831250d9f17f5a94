//! The column side of the Parquet reader: which columns of a file fill which document
//! field (decided once per file from its footer), typed column readers that yield one
//! cell per row, and a row's cells seen as a record for [`crate::record`].

use std::fs::File;

use parquet::basic::Type as PhysicalType;
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArrayType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::document::SkipReason;
use crate::options::FieldMap;
use crate::parquet_reader::guarded;
use crate::record::{RecordError, RecordFields};

/// The columns to read from one file and the row count of each row group.
#[derive(Debug, Clone)]
pub(crate) struct ColumnPlan {
    /// (name, leaf column index) of every column that may fill a document field.
    pub columns: Vec<(String, usize)>,
    /// Rows per row group, from the footer.
    pub row_groups: Vec<u64>,
}

impl ColumnPlan {
    /// Finds the columns for `fields` (or the defaults) among the file's top-level
    /// fields. A file without an id or a text column cannot give a single document, so
    /// it is refused as a whole, with the columns it does have.
    pub fn resolve(
        file: &SerializedFileReader<File>,
        fields: &FieldMap,
    ) -> Result<ColumnPlan, String> {
        let metadata = file.metadata();
        let schema = metadata.file_metadata().schema_descr();
        let top_level: Vec<(usize, &str)> = schema
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.path().parts().len() == 1)
            .map(|(i, c)| (i, c.name()))
            .collect();
        let find = |name: &str| top_level.iter().find(|(_, n)| *n == name).map(|(i, _)| *i);
        let one = |mapped: &Option<String>, defaults: &[&'static str]| -> Vec<String> {
            match mapped {
                Some(name) => vec![name.clone()],
                None => defaults.iter().map(|d| d.to_string()).collect(),
            }
        };
        let ids = one(&fields.id, &["id", "_id", "docid"]);
        let texts = one(&fields.text, &["text", "contents"]);
        let available = || {
            let names: Vec<&str> = top_level.iter().map(|(_, n)| *n).collect();
            names.join(", ")
        };
        for (what, names) in [("id", &ids), ("text", &texts)] {
            if !names.iter().any(|n| find(n).is_some()) {
                return Err(format!(
                    "no {what} column: expected {} (the file has: {}); map one with {what}=COLUMN",
                    names.join(" or "),
                    available()
                ));
            }
        }
        let mut wanted = ids;
        wanted.extend(texts);
        wanted.extend(one(&fields.title, &["title"]));
        wanted.extend(one(&fields.url, &["url"]));
        let mut columns: Vec<(String, usize)> = Vec::new();
        for name in wanted {
            let Some(index) = find(&name) else { continue };
            if columns.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let column = schema.column(index);
            let readable = matches!(
                column.physical_type(),
                PhysicalType::BYTE_ARRAY | PhysicalType::INT32 | PhysicalType::INT64
            );
            if !readable || column.max_rep_level() > 0 {
                return Err(format!(
                    "column {name:?} is {}{}; expected a string or integer column",
                    if column.max_rep_level() > 0 {
                        "a list of "
                    } else {
                        ""
                    },
                    column.physical_type()
                ));
            }
            columns.push((name, index));
        }
        let row_groups = metadata
            .row_groups()
            .iter()
            .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
            .collect();
        Ok(ColumnPlan {
            columns,
            row_groups,
        })
    }
}

/// A reader of one column within one row group.
pub(crate) enum ColumnCursor {
    /// Strings (or binary).
    Bytes(ColumnReaderImpl<ByteArrayType>),
    /// 32-bit integers (ids).
    Int32(ColumnReaderImpl<Int32Type>),
    /// 64-bit integers (ids).
    Int64(ColumnReaderImpl<Int64Type>),
}

/// Opens the planned columns of row group `group`.
pub(crate) fn open_columns(
    file: &SerializedFileReader<File>,
    group: usize,
    plan: &ColumnPlan,
) -> Result<Vec<(String, ColumnCursor)>, String> {
    let row_group = guarded(|| file.get_row_group(group))?;
    let mut columns = Vec::with_capacity(plan.columns.len());
    for (name, index) in &plan.columns {
        let cursor = match guarded(|| row_group.get_column_reader(*index))? {
            ColumnReader::ByteArrayColumnReader(r) => ColumnCursor::Bytes(r),
            ColumnReader::Int32ColumnReader(r) => ColumnCursor::Int32(r),
            ColumnReader::Int64ColumnReader(r) => ColumnCursor::Int64(r),
            _ => return Err(format!("column {name:?} changed type within the file")),
        };
        columns.push((name.clone(), cursor));
    }
    Ok(columns)
}

/// One row's value of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// A string or binary value, not yet checked for UTF-8.
    Bytes(Vec<u8>),
    /// An integer.
    Int(i64),
    /// A null.
    Null,
}

/// Reads the next row's cell. Reading one record at a time keeps the columns in step
/// and memory at one row; the readers still decode a page at a time underneath.
pub(crate) fn read_cell(column: &mut ColumnCursor) -> Result<Cell, String> {
    fn one(records: usize) -> Result<(), ParquetError> {
        match records {
            0 => Err(ParquetError::General(
                "a column ended before the row group's last row".into(),
            )),
            _ => Ok(()),
        }
    }
    guarded(|| {
        let mut defs = Vec::new();
        match column {
            ColumnCursor::Bytes(r) => {
                let mut values = Vec::new();
                one(r.read_records(1, Some(&mut defs), None, &mut values)?.0)?;
                Ok(values
                    .first()
                    .map_or(Cell::Null, |v| Cell::Bytes(v.data().to_vec())))
            }
            ColumnCursor::Int32(r) => {
                let mut values = Vec::new();
                one(r.read_records(1, Some(&mut defs), None, &mut values)?.0)?;
                Ok(values
                    .first()
                    .map_or(Cell::Null, |v| Cell::Int(i64::from(*v))))
            }
            ColumnCursor::Int64(r) => {
                let mut values = Vec::new();
                one(r.read_records(1, Some(&mut defs), None, &mut values)?.0)?;
                Ok(values.first().map_or(Cell::Null, |v| Cell::Int(*v)))
            }
        }
    })
}

/// The cells of one row, by column name.
#[derive(Debug)]
pub(crate) struct ParquetRow {
    pub cells: Vec<(String, Cell)>,
}

impl ParquetRow {
    fn cell(&self, name: &str) -> Option<&Cell> {
        self.cells.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

impl RecordFields for ParquetRow {
    fn text(&self, name: &str) -> Result<Option<&str>, RecordError> {
        match self.cell(name) {
            None | Some(Cell::Null) => Ok(None),
            Some(Cell::Bytes(b)) => std::str::from_utf8(b).map(Some).map_err(|e| {
                let at = e.valid_up_to();
                (
                    SkipReason::InvalidUtf8,
                    format!("column {name:?} is not UTF-8 at byte {at}"),
                )
            }),
            Some(Cell::Int(_)) => Err((
                SkipReason::InvalidRecord,
                format!("column {name:?} must be a string column"),
            )),
        }
    }

    fn id(&self, name: &str) -> Result<Option<String>, RecordError> {
        match self.cell(name) {
            Some(Cell::Int(n)) => Ok(Some(n.to_string())),
            _ => Ok(self.text(name)?.map(str::to_string)),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.cell(name).is_some()
    }
}
