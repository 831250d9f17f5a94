//! Reader for JSONL corpora: one object per line, either
//! `{id, url, title, text}` or the Search-R1 / Pyserini shape `{id, contents}`
//! where `contents` may start with a double-quoted title line (see [`crate::record`]).
//! Each shard (plain, gzip or zstd) is streamed line by line; no line is ever longer
//! in memory than the page limit.

use std::collections::BTreeMap;
use std::fmt;
#[cfg(test)]
use std::path::Path;

use serde_json::{Map, Value};

use crate::document::{Document, ReadItem, Skip, SkipReason};
#[cfg(test)]
use crate::error::CorpusError;
use crate::options::{FieldMap, ReaderOptions};
#[cfg(test)]
use crate::record::split_quoted_title;
use crate::record::{RecordError, RecordFields, build_document};
use crate::sharded::ShardItems;
use crate::shards::Shard;
use crate::stream::{Stream, open_stream, read_error, read_line};

/// Iterator over the records of one JSONL shard.
pub(crate) struct JsonlRecords {
    reader: Stream,
    /// Shard name: sources must not leak the user's absolute path.
    name: String,
    line_no: u64,
    max_line_bytes: u64,
    fields: FieldMap,
    done: bool,
}

impl fmt::Debug for JsonlRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonlRecords")
            .field("name", &self.name)
            .field("line_no", &self.line_no)
            .finish()
    }
}

impl JsonlRecords {
    /// Opens one file as a corpus of its own, named by its file name.
    #[cfg(test)]
    pub fn open(path: &Path, options: &ReaderOptions) -> Result<JsonlRecords, CorpusError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "corpus.jsonl".into());
        let shard = Shard {
            path: path.to_path_buf(),
            name,
        };
        Self::new(&shard, options).map_err(|source| CorpusError::PathUnavailable {
            path: path.to_path_buf(),
            source,
        })
    }

    fn new(shard: &Shard, options: &ReaderOptions) -> std::io::Result<JsonlRecords> {
        Ok(JsonlRecords {
            reader: open_stream(&shard.path)?,
            name: shard.name.clone(),
            line_no: 0,
            max_line_bytes: options.max_page_bytes,
            fields: options.fields.clone(),
            done: false,
        })
    }

    /// [`crate::sharded::OpenShard`] for JSONL.
    pub fn open_shard(shard: &Shard, options: &ReaderOptions) -> Result<ShardItems, Skip> {
        match Self::new(shard, options) {
            Ok(records) => Ok(Box::new(records)),
            Err(e) => Err(Skip::new(
                &shard.name,
                SkipReason::Io,
                format!("cannot open: {e}"),
            )),
        }
    }

    fn source(&self) -> String {
        format!("{}:{}", self.name, self.line_no)
    }
}

impl Iterator for JsonlRecords {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        while !self.done {
            let line = match read_line(&mut self.reader, self.max_line_bytes) {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    // A read (or decompression) error mid-file cannot be resumed reliably.
                    self.done = true;
                    self.line_no += 1;
                    let (reason, detail) = read_error(&e);
                    return Some(ReadItem::Skipped(Skip::new(self.source(), reason, detail)));
                }
            };
            self.line_no += 1;
            if line.too_long {
                let detail = format!(
                    "line is longer than the limit of {} bytes",
                    self.max_line_bytes
                );
                return Some(ReadItem::Skipped(Skip::new(
                    self.source(),
                    SkipReason::TooLarge,
                    detail,
                )));
            }
            let Ok(text) = std::str::from_utf8(&line.bytes) else {
                return Some(ReadItem::Skipped(Skip::new(
                    self.source(),
                    SkipReason::InvalidUtf8,
                    "line is not valid UTF-8",
                )));
            };
            let text = text.trim_start_matches('\u{feff}').trim();
            // Blank lines (e.g. a trailing newline) are not records.
            if text.is_empty() {
                continue;
            }
            return Some(
                match parse_record(text, self.line_no, &self.name, &self.fields) {
                    Ok(doc) => ReadItem::Document(doc),
                    Err((reason, detail)) => ReadItem::Skipped(Skip::new(
                        self.source(),
                        reason,
                        format!("line {}: {detail}", self.line_no),
                    )),
                },
            );
        }
        None
    }
}

/// A JSON object's fields.
struct JsonObject(Map<String, Value>);

impl RecordFields for JsonObject {
    fn text(&self, name: &str) -> Result<Option<&str>, RecordError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err((
                SkipReason::InvalidRecord,
                format!("\"{name}\" must be a string"),
            )),
        }
    }

    fn id(&self, name: &str) -> Result<Option<String>, RecordError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
            Some(_) => Err((
                SkipReason::InvalidRecord,
                format!("{name:?} must be a non-empty string or an integer"),
            )),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// Turns one JSON line into a document.
pub(crate) fn parse_record(
    line: &str,
    line_no: u64,
    shard_name: &str,
    fields: &FieldMap,
) -> Result<Document, RecordError> {
    let invalid = |why: String| (SkipReason::InvalidRecord, why);
    let value: Value = serde_json::from_str(line).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(invalid("not a JSON object".into()));
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("line".to_string(), line_no.to_string());
    metadata.insert("path".to_string(), shard_name.to_string());
    build_document(&JsonObject(obj), fields, metadata)
}

#[cfg(test)]
#[path = "jsonl_reader_tests.rs"]
mod tests;
