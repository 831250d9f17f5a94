//! Reader for JSONL corpora: one object per line, either
//! `{id, url, title, text}` or the Search-R1 / Pyserini shape `{id, contents}`
//! where `contents` may start with a double-quoted title line. The file is
//! streamed line by line; no line is ever longer in memory than the page limit.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use crate::document::{Document, ReadItem, Skip, SkipReason};
use crate::error::CorpusError;
use crate::options::ReaderOptions;

/// Iterator over the records of a JSONL file.
#[derive(Debug)]
pub(crate) struct JsonlRecords {
    reader: BufReader<File>,
    /// File name only: sources must not leak the user's absolute path.
    name: String,
    line_no: u64,
    max_line_bytes: u64,
    done: bool,
}

impl JsonlRecords {
    pub fn open(path: &Path, options: &ReaderOptions) -> Result<JsonlRecords, CorpusError> {
        let file = File::open(path).map_err(|source| CorpusError::PathUnavailable {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "corpus.jsonl".into());
        Ok(JsonlRecords {
            reader: BufReader::with_capacity(1 << 16, file),
            name,
            line_no: 0,
            max_line_bytes: options.max_page_bytes,
            done: false,
        })
    }

    /// Reads the next line, at most `max_line_bytes` of it; the rest of an
    /// over-long line is consumed and dropped. `Ok(None)` at end of file.
    fn next_line(&mut self) -> std::io::Result<Option<(Vec<u8>, bool)>> {
        let mut buf = Vec::new();
        let limit = self.max_line_bytes.saturating_add(1);
        let n = (&mut self.reader).take(limit).read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        let too_long = buf.last() != Some(&b'\n') && buf.len() as u64 >= limit;
        if too_long {
            // Drain the remainder chunk by chunk without keeping it.
            loop {
                let chunk = self.reader.fill_buf()?;
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|&b| b == b'\n') {
                    Some(pos) => {
                        self.reader.consume(pos + 1);
                        break;
                    }
                    None => {
                        let len = chunk.len();
                        self.reader.consume(len);
                    }
                }
            }
        }
        Ok(Some((buf, too_long)))
    }
}

impl Iterator for JsonlRecords {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        while !self.done {
            let (bytes, too_long) = match self.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    // A read error mid-file cannot be resumed reliably.
                    self.done = true;
                    self.line_no += 1;
                    return Some(ReadItem::Skipped(Skip::new(
                        self.source(),
                        SkipReason::Io,
                        e.to_string(),
                    )));
                }
            };
            self.line_no += 1;
            if too_long {
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
            let Ok(line) = std::str::from_utf8(&bytes) else {
                return Some(ReadItem::Skipped(Skip::new(
                    self.source(),
                    SkipReason::InvalidUtf8,
                    "line is not valid UTF-8",
                )));
            };
            let line = line.trim_start_matches('\u{feff}').trim();
            // Blank lines (e.g. a trailing newline) are not records.
            if line.is_empty() {
                continue;
            }
            return Some(match parse_record(line, self.line_no, &self.name) {
                Ok(doc) => ReadItem::Document(doc),
                Err((reason, detail)) => ReadItem::Skipped(Skip::new(
                    self.source(),
                    reason,
                    format!("line {}: {detail}", self.line_no),
                )),
            });
        }
        None
    }
}

impl JsonlRecords {
    fn source(&self) -> String {
        format!("{}:{}", self.name, self.line_no)
    }
}

/// Turns one JSON line into a document.
pub(crate) fn parse_record(
    line: &str,
    line_no: u64,
    file_name: &str,
) -> Result<Document, (SkipReason, String)> {
    let invalid = |why: String| (SkipReason::InvalidRecord, why);
    let value: Value = serde_json::from_str(line).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(invalid("not a JSON object".into()));
    };
    let id = match obj
        .get("id")
        .or_else(|| obj.get("_id"))
        .or_else(|| obj.get("docid"))
    {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
        Some(_) => {
            return Err(invalid(
                "\"id\" must be a non-empty string or an integer".into(),
            ));
        }
        None => return Err(invalid("missing \"id\"".into())),
    };
    let field = |name: &str| -> Result<Option<&str>, (SkipReason, String)> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(invalid(format!("\"{name}\" must be a string"))),
        }
    };
    let (title, text) = match (field("title")?, field("text")?, field("contents")?) {
        (title, Some(text), _) => (title.unwrap_or("").to_string(), text.to_string()),
        // A blank `title` (exporters write `"title": ""`) says nothing: the quoted first line
        // of `contents` still names the page, as in Search-R1's wiki-18.
        (Some(title), None, Some(contents)) if !title.trim().is_empty() => {
            (title.to_string(), contents.to_string())
        }
        (_, None, Some(contents)) => split_quoted_title(contents),
        (_, None, None) => return Err(invalid("needs \"text\" or \"contents\"".into())),
    };
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err((SkipReason::Empty, "record has no text".into()));
    }
    let url = match field("url")? {
        Some(u) if !u.trim().is_empty() => u.trim().to_string(),
        _ => format!("urn:driftless:{id}"),
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("line".to_string(), line_no.to_string());
    metadata.insert("path".to_string(), file_name.to_string());
    Ok(Document {
        doc_id: id,
        url,
        title: title.split_whitespace().collect::<Vec<_>>().join(" "),
        text,
        metadata,
    })
}

/// Search-R1 style `contents`: `"Title"\nbody`. Without that shape the
/// whole string is the text and the title is empty.
fn split_quoted_title(contents: &str) -> (String, String) {
    let (first, rest) = contents.split_once('\n').unwrap_or((contents, ""));
    let first = first.trim();
    if first.len() >= 2 && first.starts_with('"') && first.ends_with('"') {
        let title = &first[1..first.len() - 1];
        return (title.to_string(), rest.to_string());
    }
    (String::new(), contents.to_string())
}

#[cfg(test)]
#[path = "jsonl_reader_tests.rs"]
mod tests;
