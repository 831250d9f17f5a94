//! Reader for Parquet shards: one document per row. Columns are found by name among the
//! file's top-level fields (FineWeb `id`/`text`/`url`, BrowseComp-Plus `docid`/`text`/
//! `url`, Pyserini `id`/`contents`; others such as `dump` or `language` are never read).
//! Rows are streamed row group by row group through the column readers, one record at
//! a time, so memory holds one row plus each column's current page.
//!
//! The `parquet` crate is third-party code fed with users' files: every call into it
//! runs under `catch_unwind`, so a decoder bug on a damaged file ends that shard with a
//! skip instead of the whole build.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};

use parquet::file::reader::SerializedFileReader;

use crate::document::{ReadItem, Skip, SkipReason};
use crate::options::{FieldMap, ReaderOptions};
use crate::parquet_columns::{Cell, ColumnCursor, ColumnPlan, ParquetRow, open_columns, read_cell};
use crate::record::build_document;
use crate::sharded::ShardItems;
use crate::shards::Shard;

/// Runs a call into the parquet crate, turning both its errors and its panics into a
/// message.
pub fn guarded<T>(f: impl FnOnce() -> parquet::errors::Result<T>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".into());
            Err(format!("the Parquet decoder failed: {what}"))
        }
    }
}

/// Opens the footer of a shard and finds its columns.
fn open_file(
    shard: &Shard,
    fields: &FieldMap,
) -> Result<(SerializedFileReader<File>, ColumnPlan), Skip> {
    let skip = |reason, detail: String| Skip::new(&shard.name, reason, detail);
    let file =
        File::open(&shard.path).map_err(|e| skip(SkipReason::Io, format!("cannot open: {e}")))?;
    let reader = guarded(|| SerializedFileReader::new(file)).map_err(|e| {
        skip(
            SkipReason::InvalidRecord,
            format!("not a readable Parquet file: {e}"),
        )
    })?;
    let plan =
        ColumnPlan::resolve(&reader, fields).map_err(|e| skip(SkipReason::InvalidRecord, e))?;
    Ok((reader, plan))
}

/// How many items a shard will yield: its rows, or the one skip that says why it cannot
/// be read. Reads only the footer.
pub(crate) fn expected_items(shard: &Shard, fields: &FieldMap) -> u64 {
    match open_file(shard, fields) {
        Ok((_, plan)) => plan.row_groups.iter().sum(),
        Err(_) => 1,
    }
}

/// Iterator over the rows of one Parquet shard.
pub(crate) struct ParquetRows {
    file: SerializedFileReader<File>,
    name: String,
    plan: ColumnPlan,
    /// Row group being read; `columns` holds its readers.
    group: usize,
    row: u64,
    columns: Vec<(String, ColumnCursor)>,
    opened: bool,
    max_bytes: u64,
    fields: FieldMap,
}

impl fmt::Debug for ParquetRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParquetRows")
            .field("name", &self.name)
            .field("group", &self.group)
            .field("row", &self.row)
            .finish()
    }
}

impl ParquetRows {
    /// [`crate::sharded::OpenShard`] for Parquet.
    pub fn open_shard(shard: &Shard, options: &ReaderOptions) -> Result<ShardItems, Skip> {
        let (file, plan) = open_file(shard, &options.fields)?;
        Ok(Box::new(ParquetRows {
            file,
            name: shard.name.clone(),
            plan,
            group: 0,
            row: 0,
            columns: Vec::new(),
            opened: false,
            max_bytes: options.max_page_bytes,
            fields: options.fields.clone(),
        }))
    }

    fn source(&self) -> String {
        format!("{}:{}:{}", self.name, self.group, self.row)
    }

    /// Moves to the next row group with rows; false at the end of the file.
    fn advance_group(&mut self) -> Result<bool, Skip> {
        if self.opened {
            self.group += 1;
        }
        self.columns.clear();
        self.row = 0;
        self.opened = false;
        while self.plan.row_groups.get(self.group) == Some(&0) {
            self.group += 1;
        }
        if self.group >= self.plan.row_groups.len() {
            return Ok(false);
        }
        self.opened = true;
        match open_columns(&self.file, self.group, &self.plan) {
            Ok(columns) => {
                self.columns = columns;
                Ok(true)
            }
            Err(e) => {
                let source = format!("{}:{}", self.name, self.group);
                // Mark the group as fully read so the next call moves past it.
                self.row = self.plan.row_groups.get(self.group).copied().unwrap_or(0);
                Err(Skip::new(
                    source,
                    SkipReason::InvalidRecord,
                    format!("cannot read row group: {e}"),
                ))
            }
        }
    }

    fn read_row(&mut self) -> ReadItem {
        let source = self.source();
        let mut row = ParquetRow {
            cells: Vec::with_capacity(self.columns.len()),
        };
        let mut bytes = 0u64;
        for (name, column) in &mut self.columns {
            match read_cell(column) {
                Ok(cell) => {
                    bytes += cell.len();
                    row.cells.push((name.clone(), cell));
                }
                Err(e) => {
                    // The readers are out of step now: give up on the rest of the group.
                    self.row = self.plan.row_groups.get(self.group).copied().unwrap_or(0);
                    let detail = format!("row group {} is damaged: {e}", self.group);
                    return ReadItem::Skipped(Skip::new(source, SkipReason::InvalidRecord, detail));
                }
            }
        }
        self.row += 1;
        if bytes > self.max_bytes {
            let detail = format!(
                "row of {bytes} bytes exceeds the limit of {} bytes",
                self.max_bytes
            );
            return ReadItem::Skipped(Skip::new(source, SkipReason::TooLarge, detail));
        }
        let mut metadata = BTreeMap::new();
        metadata.insert("path".to_string(), self.name.clone());
        metadata.insert("row_group".to_string(), self.group.to_string());
        metadata.insert("row".to_string(), (self.row - 1).to_string());
        match build_document(&row, &self.fields, metadata) {
            Ok(doc) => ReadItem::Document(doc),
            Err((reason, detail)) => ReadItem::Skipped(Skip::new(source, reason, detail)),
        }
    }
}

impl Iterator for ParquetRows {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        let rows_in_group = |s: &Self| s.plan.row_groups.get(s.group).copied().unwrap_or(0);
        if !self.opened || self.row >= rows_in_group(self) {
            match self.advance_group() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(skip) => return Some(ReadItem::Skipped(skip)),
            }
        }
        Some(self.read_row())
    }
}

impl Cell {
    fn len(&self) -> u64 {
        match self {
            Cell::Bytes(b) => b.len() as u64,
            Cell::Int(_) => 8,
            Cell::Null => 0,
        }
    }
}

#[cfg(test)]
#[path = "parquet_tests.rs"]
mod tests;
