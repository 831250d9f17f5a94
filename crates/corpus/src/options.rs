//! Reader configuration: which format to read, the limits applied to pages, and how
//! the columns of record formats map onto a document's fields.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::error::CorpusError;

/// Corpus format. `Auto` is resolved when the corpus is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Detect from the path: see [`crate::open_corpus`].
    Auto,
    /// A directory tree of `*.html` / `*.htm` pages.
    Html,
    /// One JSON object per line: one file (plain, `.gz` or `.zst`) or a directory or
    /// glob of such shards.
    Jsonl,
    /// Parquet files with one document per row (FineWeb, BrowseComp-Plus, Pyserini).
    Parquet,
    /// Web archives (`.warc`, `.warc.gz`): HTML responses with status 200.
    Warc,
    /// Tab-separated `id<TAB>text[<TAB>title]` lines (MS MARCO, DPR's wiki passages).
    Tsv,
}

impl Format {
    /// Every format name accepted on the command line, for messages.
    pub const NAMES: &'static str = "auto, html, jsonl, parquet, warc, tsv";

    /// The lowercase name used on the command line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Html => "html",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
            Format::Warc => "warc",
            Format::Tsv => "tsv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = CorpusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Format::Auto),
            "html" | "htm" => Ok(Format::Html),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "parquet" => Ok(Format::Parquet),
            "warc" => Ok(Format::Warc),
            "tsv" => Ok(Format::Tsv),
            _ => Err(CorpusError::UnknownFormat(s.to_string())),
        }
    }
}

/// Which source field (JSON key, Parquet column, TSV header name) fills each document
/// field. A mapped field replaces the reader's default lookup for that field only; an
/// unmapped one keeps the defaults (`id`|`_id`|`docid`, `text`|`contents`, `title`, `url`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    /// Field holding the document id.
    pub id: Option<String>,
    /// Field holding the text, used as it is (no quoted-title split as for `contents`).
    pub text: Option<String>,
    /// Field holding the title.
    pub title: Option<String>,
    /// Field holding the URL.
    pub url: Option<String>,
}

/// The document fields a mapping may name, in the order messages list them.
const TARGETS: [&str; 4] = ["id", "text", "title", "url"];

impl FieldMap {
    /// Parses command-line specs `TARGET=FIELD` (e.g. `id=docid`, `text=body`); one spec
    /// may hold several, comma-separated (`id=docid,text=body`). Unknown targets, a target
    /// given twice and malformed specs are errors that list what is accepted.
    pub fn parse(specs: &[String]) -> Result<FieldMap, CorpusError> {
        let mut map = FieldMap::default();
        for spec in specs {
            for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let invalid = |reason: String| CorpusError::InvalidFieldMap {
                    spec: part.to_string(),
                    reason,
                };
                let Some((target, field)) = part.split_once('=') else {
                    return Err(invalid("it has no '='".into()));
                };
                let (target, field) = (target.trim().to_ascii_lowercase(), field.trim());
                if field.is_empty() {
                    return Err(invalid("the source field name is empty".into()));
                }
                let slot = match target.as_str() {
                    "id" => &mut map.id,
                    "text" => &mut map.text,
                    "title" => &mut map.title,
                    "url" => &mut map.url,
                    _ => {
                        return Err(invalid(format!(
                            "{target:?} is not a document field (accepted: {})",
                            TARGETS.join(", ")
                        )));
                    }
                };
                if let Some(previous) = slot.replace(field.to_string()) {
                    return Err(invalid(format!(
                        "{target} is already mapped to {previous:?}; map each field once"
                    )));
                }
            }
        }
        Ok(map)
    }

    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// The mapped fields, document field → source field, for the build manifest.
    pub fn entries(&self) -> BTreeMap<String, String> {
        let slots = [&self.id, &self.text, &self.title, &self.url];
        TARGETS
            .iter()
            .zip(slots)
            .filter_map(|(t, f)| f.as_ref().map(|f| (t.to_string(), f.clone())))
            .collect()
    }
}

/// Limits and switches for reading a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderOptions {
    /// Pages, lines, rows or WARC records larger than this are skipped as `TooLarge`,
    /// checked before reading where the format allows, so a huge one never lands in memory.
    pub max_page_bytes: u64,
    /// When true, pages flagged `redirect_stub` / `index_page` are read as
    /// documents instead of being skipped.
    pub keep_flagged: bool,
    /// HTML corpora: read only pages whose path under the root starts with one of these
    /// prefixes (e.g. `postgresql-15/`); empty reads every page. Lets one downloaded corpus
    /// give smaller snapshots (the quickstart's dense subset) without copying files.
    pub include: Vec<String>,
    /// JSONL, Parquet and TSV (with a header line): which source field fills each
    /// document field. Empty uses the defaults; HTML and WARC refuse a mapping.
    pub fields: FieldMap,
    /// Decompress `.gz` / `.zst` shards on a thread of their own, ahead of the parser
    /// (the build sets it when it has two or more threads). Records are the same either way.
    pub prefetch: bool,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            max_page_bytes: 16 * 1024 * 1024,
            keep_flagged: false,
            include: Vec::new(),
            fields: FieldMap::default(),
            prefetch: false,
        }
    }
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
