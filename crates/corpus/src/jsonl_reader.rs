//! Reader for JSONL corpora: one object per line, either
//! `{id, url, title, text}` or the Search-R1 / Pyserini shape `{id, contents}`
//! where `contents` may start with a double-quoted title line (see [`crate::record`]).
//! Each shard (plain, gzip or zstd) is streamed line by line; no line is ever longer
//! in memory than the page limit.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::document::{Document, ReadItem, Skip, SkipReason};
use crate::options::{FieldMap, ReaderOptions};
use crate::record::{RecordError, RecordFields, build_document};
use crate::sharded::ShardItems;
use crate::shards::Shard;
use crate::stream::ShardLines;

/// Iterator over the records of one JSONL shard.
#[derive(Debug)]
pub(crate) struct JsonlRecords {
    lines: ShardLines,
    fields: FieldMap,
}

impl JsonlRecords {
    /// [`crate::sharded::OpenShard`] for JSONL.
    pub fn open_shard(shard: &Shard, options: &ReaderOptions) -> Result<ShardItems, Skip> {
        Ok(Box::new(JsonlRecords {
            lines: ShardLines::open(shard, options)?,
            fields: options.fields.clone(),
        }))
    }
}

impl Iterator for JsonlRecords {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        let text = match self.lines.next_line()? {
            Ok(text) => text,
            Err(skip) => return Some(ReadItem::Skipped(skip)),
        };
        let line_no = self.lines.line_no;
        Some(
            match parse_record(text.trim(), line_no, &self.lines.name, &self.fields) {
                Ok(doc) => ReadItem::Document(doc),
                Err((reason, detail)) => {
                    ReadItem::Skipped(self.lines.skip(reason, format!("line {line_no}: {detail}")))
                }
            },
        )
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
