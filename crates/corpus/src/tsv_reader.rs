//! Reader for tab-separated passage files (plain, gzip or zstd):
//!
//! - MS MARCO's `collection.tsv`: `pid<TAB>text`, no header;
//! - DPR's `psgs_w100.tsv`: a header `id<TAB>text<TAB>title`, cells CSV-quoted.
//!
//! The first non-blank line is a header when it names an id column (`id`, `_id`,
//! `docid`, or the mapped id) and a text column (`text`, `contents`, or the mapped
//! text); columns are then looked up by name, so a field mapping applies. Without a
//! header, a line of 2 fields is `id, text` and one of 3 is `id, text, title`; the first
//! such line fixes the count for the file. A field wrapped in double quotes is unquoted
//! (`""` inside stands for `"`), as Python's csv module writes it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use crate::document::{ReadItem, Skip, SkipReason};
use crate::options::{FieldMap, ReaderOptions};
use crate::record::{RecordError, RecordFields, build_document};
use crate::sharded::ShardItems;
use crate::shards::Shard;
use crate::stream::{Stream, open_stream, read_error, read_line};

/// Column names of a file without a header, by field count.
const PLAIN: [&str; 3] = ["id", "text", "title"];

/// How the lines of a file are laid out, known after its first line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// Column names from the header line.
    Header(Vec<String>),
    /// No header: this many fields per line, named by [`PLAIN`].
    Plain(usize),
}

/// Iterator over the passages of one TSV shard.
pub(crate) struct TsvRecords {
    reader: Stream,
    name: String,
    line_no: u64,
    max_line_bytes: u64,
    fields: FieldMap,
    layout: Option<Layout>,
    done: bool,
}

impl fmt::Debug for TsvRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TsvRecords")
            .field("name", &self.name)
            .field("line_no", &self.line_no)
            .field("layout", &self.layout)
            .finish()
    }
}

impl TsvRecords {
    /// [`crate::sharded::OpenShard`] for TSV.
    pub fn open_shard(shard: &Shard, options: &ReaderOptions) -> Result<ShardItems, Skip> {
        match open_stream(&shard.path) {
            Ok(reader) => Ok(Box::new(TsvRecords {
                reader,
                name: shard.name.clone(),
                line_no: 0,
                max_line_bytes: options.max_page_bytes,
                fields: options.fields.clone(),
                layout: None,
                done: false,
            })),
            Err(e) => Err(Skip::new(
                &shard.name,
                SkipReason::Io,
                format!("cannot open: {e}"),
            )),
        }
    }

    fn skipped(&self, reason: SkipReason, detail: impl Into<String>) -> ReadItem {
        ReadItem::Skipped(Skip::new(
            format!("{}:{}", self.name, self.line_no),
            reason,
            detail,
        ))
    }

    /// True when the cells of a first line name an id and a text column.
    fn is_header(&self, cells: &[Cow<'_, str>]) -> bool {
        let names = |mapped: &Option<String>, defaults: &[&str]| -> Vec<String> {
            match mapped {
                Some(name) => vec![name.clone()],
                None => defaults.iter().map(|d| d.to_string()).collect(),
            }
        };
        let has_any = |wanted: Vec<String>| cells.iter().any(|c| wanted.iter().any(|w| w == c));
        has_any(names(&self.fields.id, &["id", "_id", "docid"]))
            && has_any(names(&self.fields.text, &["text", "contents"]))
    }

    /// Turns one non-blank line into an item; `None` for the header line itself.
    fn parse_line(&mut self, line: &str) -> Option<ReadItem> {
        let cells: Vec<Cow<'_, str>> = line.split('\t').map(unquote).collect();
        let layout = match &self.layout {
            Some(layout) => layout.clone(),
            None if self.is_header(&cells) => {
                self.layout = Some(Layout::Header(
                    cells.iter().map(|c| c.to_string()).collect(),
                ));
                return None;
            }
            None if !self.fields.is_empty() => {
                self.done = true;
                let detail = "a field mapping needs a header line naming the columns (e.g. id<TAB>text<TAB>title)";
                return Some(self.skipped(SkipReason::InvalidRecord, detail));
            }
            None if cells.len() == 2 || cells.len() == 3 => {
                self.layout = Some(Layout::Plain(cells.len()));
                Layout::Plain(cells.len())
            }
            None => {
                let detail = format!(
                    "line has {} fields; expected id<TAB>text[<TAB>title]",
                    cells.len()
                );
                return Some(self.skipped(SkipReason::InvalidRecord, detail));
            }
        };
        let names: Vec<&str> = match &layout {
            Layout::Header(names) => names.iter().map(String::as_str).collect(),
            Layout::Plain(n) => PLAIN.iter().take(*n).copied().collect(),
        };
        if cells.len() != names.len() {
            let detail = format!(
                "line has {} fields; this file's lines have {}",
                cells.len(),
                names.len()
            );
            return Some(self.skipped(SkipReason::InvalidRecord, detail));
        }
        let row = TsvRow { names, cells };
        let mut metadata = BTreeMap::new();
        metadata.insert("line".to_string(), self.line_no.to_string());
        metadata.insert("path".to_string(), self.name.clone());
        Some(match build_document(&row, &self.fields, metadata) {
            Ok(doc) => ReadItem::Document(doc),
            Err((reason, detail)) => {
                self.skipped(reason, format!("line {}: {detail}", self.line_no))
            }
        })
    }
}

impl Iterator for TsvRecords {
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
                    return Some(self.skipped(reason, detail));
                }
            };
            self.line_no += 1;
            if line.too_long {
                let detail = format!(
                    "line is longer than the limit of {} bytes",
                    self.max_line_bytes
                );
                return Some(self.skipped(SkipReason::TooLarge, detail));
            }
            let Ok(text) = std::str::from_utf8(&line.bytes) else {
                return Some(self.skipped(SkipReason::InvalidUtf8, "line is not valid UTF-8"));
            };
            let text = text
                .trim_start_matches('\u{feff}')
                .trim_end_matches(['\r', '\n']);
            if text.trim().is_empty() {
                continue;
            }
            if let Some(item) = self.parse_line(text) {
                return Some(item);
            }
        }
        None
    }
}

/// `"a ""b"" c"` → `a "b" c`; anything not wrapped in quotes is kept as it is.
fn unquote(cell: &str) -> Cow<'_, str> {
    let cell = cell.trim();
    match cell.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(inner) => Cow::Owned(inner.replace("\"\"", "\"")),
        None => Cow::Borrowed(cell),
    }
}

/// One line's cells by column name.
struct TsvRow<'a> {
    names: Vec<&'a str>,
    cells: Vec<Cow<'a, str>>,
}

impl RecordFields for TsvRow<'_> {
    fn text(&self, name: &str) -> Result<Option<&str>, RecordError> {
        let at = self.names.iter().position(|n| *n == name);
        Ok(at.and_then(|i| self.cells.get(i)).map(|c| c.as_ref()))
    }

    fn id(&self, name: &str) -> Result<Option<String>, RecordError> {
        Ok(self.text(name)?.map(str::to_string))
    }

    fn has(&self, name: &str) -> bool {
        self.names.contains(&name)
    }
}

#[cfg(test)]
#[path = "tsv_tests.rs"]
mod tests;
