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

use crate::document::{ReadItem, Skip, SkipReason};
use crate::options::{FieldMap, ReaderOptions};
use crate::record::{RecordError, RecordFields, build_document};
use crate::sharded::ShardItems;
use crate::shards::Shard;
use crate::stream::ShardLines;

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
#[derive(Debug)]
pub(crate) struct TsvRecords {
    lines: ShardLines,
    fields: FieldMap,
    layout: Option<Layout>,
}

impl TsvRecords {
    /// [`crate::sharded::OpenShard`] for TSV.
    pub fn open_shard(shard: &Shard, options: &ReaderOptions) -> Result<ShardItems, Skip> {
        Ok(Box::new(TsvRecords {
            lines: ShardLines::open(shard, options)?,
            fields: options.fields.clone(),
            layout: None,
        }))
    }

    fn skipped(&self, reason: SkipReason, detail: impl Into<String>) -> ReadItem {
        ReadItem::Skipped(self.lines.skip(reason, detail))
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
                self.lines.stop();
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
        let line_no = self.lines.line_no;
        metadata.insert("line".to_string(), line_no.to_string());
        metadata.insert("path".to_string(), self.lines.name.clone());
        Some(match build_document(&row, &self.fields, metadata) {
            Ok(doc) => ReadItem::Document(doc),
            Err((reason, detail)) => self.skipped(reason, format!("line {line_no}: {detail}")),
        })
    }
}

impl Iterator for TsvRecords {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        loop {
            let text = match self.lines.next_line()? {
                Ok(text) => text,
                Err(skip) => return Some(ReadItem::Skipped(skip)),
            };
            if let Some(item) = self.parse_line(text.trim_end_matches(['\r', '\n'])) {
                return Some(item);
            }
        }
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
