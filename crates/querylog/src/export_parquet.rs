//! Parquet export, for pandas / polars / DuckDB users: one row per logged request, clients
//! anonymised exactly as in the JSONL export ([`crate::anonymize_client`]).
//!
//! Written with the `parquet` crate's low-level column writers rather than through Arrow:
//! the schema is fixed and flat (plus one list column), and leaving Arrow out keeps the
//! dependency small to compile. Snappy compression, the Parquet default that every reader
//! supports.
use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DataType, Int32Type, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;

use crate::error::{QueryLogError, Result};
use crate::export::anonymize_client;
use crate::record::LogRecord;

/// The file's schema. `ts` is `ts_ms` as a UTC timestamp so readers get a datetime column
/// without conversion; `result_doc_ids` is the ranked list of result ids; `results` and
/// `params` are the full JSON (with scores, titles, snippets) for anything else; `log_id` is
/// the store's key (`request_id` is the client's own id and may repeat); `replica` is the
/// server replica that answered, when it was named.
pub const PARQUET_SCHEMA: &str = "
message query_log {
  required binary request_id (STRING);
  required int64 ts_ms;
  required int64 ts (TIMESTAMP(MILLIS,true));
  required binary client (STRING);
  optional binary session_hint (STRING);
  optional int64 step_hint;
  required binary endpoint (STRING);
  optional binary query (STRING);
  optional int64 k;
  required binary params (STRING);
  required binary snapshot_id (STRING);
  required group result_doc_ids (LIST) {
    repeated group list {
      required binary element (STRING);
    }
  }
  required binary results (STRING);
  optional binary fetched_doc_id (STRING);
  required int32 status;
  required int64 latency_us;
  required binary log_id (STRING);
  optional binary replica (STRING);
}";

/// Rows per row group: large enough for good compression, small enough that one group of
/// records with their results JSON stays in the tens of MB while it is encoded.
const ROW_GROUP_ROWS: usize = 50_000;

impl From<parquet::errors::ParquetError> for QueryLogError {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Self::Parquet(e.to_string())
    }
}

/// Writes `records` as one Parquet file to `writer` (in the given order), `client` replaced
/// by its salted hash. Returns the number of rows written.
pub fn export_parquet<W: Write + Send>(
    records: &[LogRecord],
    salt: &str,
    writer: W,
) -> Result<u64> {
    let mut export = ParquetExport::new(writer, salt)?;
    records.iter().try_for_each(|r| export.push(r.clone()))?;
    export.finish()
}

/// [`export_parquet`] one record at a time: a row group is written every
/// `ROW_GROUP_ROWS` records, so memory holds one row group, not the log.
pub struct ParquetExport<'s, W: Write + Send> {
    file: SerializedFileWriter<W>,
    salt: &'s str,
    group: Vec<LogRecord>,
    rows: u64,
}

impl<W: Write + Send> std::fmt::Debug for ParquetExport<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetExport")
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl<'s, W: Write + Send> ParquetExport<'s, W> {
    /// Starts a Parquet file on `writer`; clients are hashed with `salt`.
    pub fn new(writer: W, salt: &'s str) -> Result<Self> {
        let schema = Arc::new(parse_message_type(PARQUET_SCHEMA)?);
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("driftless {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(vec![KeyValue::new(
                "driftless.client".to_string(),
                "first 16 hex digits of sha256(salt || client)".to_string(),
            )]))
            .build();
        Ok(Self {
            file: SerializedFileWriter::new(writer, schema, Arc::new(props))?,
            salt,
            group: Vec::with_capacity(ROW_GROUP_ROWS),
            rows: 0,
        })
    }

    /// Adds the next record.
    pub fn push(&mut self, record: LogRecord) -> Result<()> {
        self.group.push(record);
        if self.group.len() == ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.group.is_empty() {
            return Ok(());
        }
        let mut group = self.file.next_row_group()?;
        write_group(&mut group, &self.group, self.salt)?;
        group.close()?;
        self.rows += self.group.len() as u64;
        self.group.clear();
        Ok(())
    }

    /// Writes the last row group and the footer; returns the number of rows written.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        self.file.close()?;
        Ok(self.rows)
    }
}

fn write_group<W: Write + Send>(
    g: &mut SerializedRowGroupWriter<'_, W>,
    rows: &[LogRecord],
    salt: &str,
) -> Result<()> {
    let json = |v: &serde_json::Value| v.to_string();
    strings(g, rows.iter().map(|r| Some(r.request_id.clone())), false)?;
    int64(g, rows.iter().map(|r| Some(r.ts_ms)), false)?;
    int64(g, rows.iter().map(|r| Some(r.ts_ms)), false)?;
    let client = |r: &LogRecord| Some(anonymize_client(salt, &r.client));
    strings(g, rows.iter().map(client), false)?;
    strings(g, rows.iter().map(|r| r.session_hint.clone()), true)?;
    int64(g, rows.iter().map(|r| r.step_hint), true)?;
    strings(g, rows.iter().map(|r| Some(r.endpoint.clone())), false)?;
    strings(g, rows.iter().map(|r| r.query.clone()), true)?;
    let k = |r: &LogRecord| r.k().map(|k| i64::try_from(k).unwrap_or(i64::MAX));
    int64(g, rows.iter().map(k), true)?;
    strings(g, rows.iter().map(|r| Some(json(&r.params))), false)?;
    strings(g, rows.iter().map(|r| Some(r.snapshot_id.clone())), false)?;
    doc_id_lists(g, rows)?;
    let results = |r: &LogRecord| serde_json::to_string(&r.results).ok();
    strings(g, rows.iter().map(results), false)?;
    strings(g, rows.iter().map(|r| r.fetched_doc_id.clone()), true)?;
    let status = rows.iter().map(|r| i32::from(r.status)).collect::<Vec<_>>();
    column::<Int32Type, W>(g, &status, None, None)?;
    let latency = |r: &LogRecord| Some(i64::try_from(r.latency_us).unwrap_or(i64::MAX));
    int64(g, rows.iter().map(latency), false)?;
    strings(g, rows.iter().map(|r| Some(r.log_key().to_string())), false)?;
    strings(g, rows.iter().map(|r| r.replica.clone()), true)
}

/// Writes the next column. Definition levels are given for optional and list columns,
/// repetition levels for the list column only.
fn column<T: DataType, W: Write + Send>(
    g: &mut SerializedRowGroupWriter<'_, W>,
    values: &[T::T],
    def: Option<&[i16]>,
    rep: Option<&[i16]>,
) -> Result<()> {
    let mut col = g
        .next_column()?
        .ok_or_else(|| QueryLogError::Parquet("schema has fewer columns than written".into()))?;
    col.typed::<T>().write_batch(values, def, rep)?;
    col.close()?;
    Ok(())
}

/// Splits optional values into present values and definition levels (1 present, 0 null).
fn levels<T>(items: impl Iterator<Item = Option<T>>) -> (Vec<T>, Vec<i16>) {
    let (mut values, mut def) = (Vec::new(), Vec::new());
    for item in items {
        def.push(i16::from(item.is_some()));
        values.extend(item);
    }
    (values, def)
}

fn strings<W: Write + Send>(
    g: &mut SerializedRowGroupWriter<'_, W>,
    items: impl Iterator<Item = Option<String>>,
    optional: bool,
) -> Result<()> {
    let (values, def) = levels(items.map(|s| s.map(|s| ByteArray::from(s.into_bytes()))));
    column::<ByteArrayType, W>(g, &values, optional.then_some(&def[..]), None)
}

fn int64<W: Write + Send>(
    g: &mut SerializedRowGroupWriter<'_, W>,
    items: impl Iterator<Item = Option<i64>>,
    optional: bool,
) -> Result<()> {
    let (values, def) = levels(items);
    column::<Int64Type, W>(g, &values, optional.then_some(&def[..]), None)
}

/// The required three-level list: an empty list is one slot with definition level 0; each
/// element has definition level 1, repetition level 0 when it starts a row's list, 1 after.
fn doc_id_lists<W: Write + Send>(
    g: &mut SerializedRowGroupWriter<'_, W>,
    rows: &[LogRecord],
) -> Result<()> {
    let (mut values, mut def, mut rep) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        if row.results.is_empty() {
            def.push(0);
            rep.push(0);
        }
        for (i, result) in row.results.iter().enumerate() {
            values.push(ByteArray::from(result.doc_id.as_str()));
            def.push(1);
            rep.push(i16::from(i > 0));
        }
    }
    column::<ByteArrayType, W>(g, &values, Some(&def), Some(&rep))
}
