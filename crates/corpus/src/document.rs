//! The document model shared by every reader, and the items a corpus yields.

use std::collections::BTreeMap;
use std::fmt;

/// One readable page or record of a corpus, already reduced to clean text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Stable, human-readable identifier (e.g. `postgresql-15/sql-createindex`).
    pub doc_id: String,
    /// Canonical public URL of the page (or a `file:///` / `urn:` fallback).
    pub url: String,
    /// Cleaned page title; may be empty when the source has none.
    pub title: String,
    /// Clean text: blocks separated by a blank line.
    pub text: String,
    /// Extra facts about the document; HTML pages carry at least `site` and `path`.
    pub metadata: BTreeMap<String, String>,
}

/// What a corpus yields for each file or record it visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadItem {
    /// A document ready to be indexed.
    Document(Document),
    /// Something that was deliberately not turned into a document.
    Skipped(Skip),
}

/// Why and where a file or record was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// Where the item came from, never an absolute path: a page's path relative to the
    /// corpus root; `shard:line` for JSONL and TSV; `shard:rowgroup:row` for Parquet;
    /// `shard@offset` (in the decompressed stream) for WARC; a shard's name alone when
    /// the whole shard could not be read. A shard is named relative to the directory
    /// (or glob directory) it was found in, or by its file name.
    pub source: String,
    /// Machine-readable reason.
    pub reason: SkipReason,
    /// Human-readable explanation.
    pub detail: String,
}

/// Machine-readable reason for a skip; [`SkipReason::as_str`] gives the
/// snake_case name used in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// No extractable text.
    Empty,
    /// Larger than `ReaderOptions::max_page_bytes`.
    TooLarge,
    /// HTML that was cut off before its closing tags.
    Truncated,
    /// A page whose only content is a redirect or "moved to" notice.
    RedirectStub,
    /// A generated index, search or table-of-contents page.
    IndexPage,
    /// A JSONL or TSV line, Parquet row or WARC record that is not a usable record.
    InvalidRecord,
    /// The file could not be read.
    Io,
    /// A web-archive response whose payload is not an HTML page.
    NotHtml,
    /// A web-archive response whose HTTP status is not 200 (redirects, errors).
    HttpStatus,
}

impl SkipReason {
    /// Every reason, in declaration order (handy for reports).
    pub const ALL: [SkipReason; 10] = [
        SkipReason::InvalidUtf8,
        SkipReason::Empty,
        SkipReason::TooLarge,
        SkipReason::Truncated,
        SkipReason::RedirectStub,
        SkipReason::IndexPage,
        SkipReason::InvalidRecord,
        SkipReason::Io,
        SkipReason::NotHtml,
        SkipReason::HttpStatus,
    ];

    /// The snake_case name of the reason.
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::InvalidUtf8 => "invalid_utf8",
            SkipReason::Empty => "empty",
            SkipReason::TooLarge => "too_large",
            SkipReason::Truncated => "truncated",
            SkipReason::RedirectStub => "redirect_stub",
            SkipReason::IndexPage => "index_page",
            SkipReason::InvalidRecord => "invalid_record",
            SkipReason::Io => "io",
            SkipReason::NotHtml => "not_html",
            SkipReason::HttpStatus => "http_status",
        }
    }

    /// The reason matching a description flag (`redirect_stub`, `index_page`).
    pub(crate) fn from_flag(flag: &str) -> Option<SkipReason> {
        match flag {
            "redirect_stub" => Some(SkipReason::RedirectStub),
            "index_page" => Some(SkipReason::IndexPage),
            _ => None,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ReadItem {
    /// The document, when the item is one.
    pub fn document(&self) -> Option<&Document> {
        match self {
            ReadItem::Document(d) => Some(d),
            ReadItem::Skipped(_) => None,
        }
    }

    /// The skip, when the item is one.
    pub fn skip(&self) -> Option<&Skip> {
        match self {
            ReadItem::Skipped(s) => Some(s),
            ReadItem::Document(_) => None,
        }
    }
}

impl Skip {
    pub(crate) fn new(
        source: impl Into<String>,
        reason: SkipReason,
        detail: impl Into<String>,
    ) -> Self {
        Skip {
            source: source.into(),
            reason,
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_are_snake_case_and_unique() {
        let names: Vec<&str> = SkipReason::ALL.iter().map(SkipReason::as_str).collect();
        assert_eq!(
            names,
            [
                "invalid_utf8",
                "empty",
                "too_large",
                "truncated",
                "redirect_stub",
                "index_page",
                "invalid_record",
                "io",
                "not_html",
                "http_status"
            ]
        );
        assert_eq!(SkipReason::TooLarge.to_string(), "too_large");
    }

    #[test]
    fn flags_map_to_reasons() {
        assert_eq!(
            SkipReason::from_flag("index_page"),
            Some(SkipReason::IndexPage)
        );
        assert_eq!(
            SkipReason::from_flag("redirect_stub"),
            Some(SkipReason::RedirectStub)
        );
        assert_eq!(SkipReason::from_flag("other"), None);
    }
}
