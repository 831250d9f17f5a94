//! Reader configuration: which format to read and the limits applied to pages.

use std::fmt;
use std::str::FromStr;

use crate::error::CorpusError;

/// Corpus format. `Auto` is resolved when the corpus is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Detect from the path: a directory is HTML, a `.jsonl` file is JSONL.
    Auto,
    /// A directory tree of `*.html` / `*.htm` pages.
    Html,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The lowercase name used on the command line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Html => "html",
            Format::Jsonl => "jsonl",
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
            _ => Err(CorpusError::UnknownFormat(s.to_string())),
        }
    }
}

/// Limits and switches for reading a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderOptions {
    /// Pages (or JSONL lines) larger than this are skipped as `TooLarge`,
    /// checked before reading so a huge file never lands in memory.
    pub max_page_bytes: u64,
    /// When true, pages flagged `redirect_stub` / `index_page` are read as
    /// documents instead of being skipped.
    pub keep_flagged: bool,
    /// HTML corpora: read only pages whose path under the root starts with one of these
    /// prefixes (e.g. `postgresql-15/`); empty reads every page. Lets one downloaded corpus
    /// give smaller snapshots (the quickstart's dense subset) without copying files.
    pub include: Vec<String>,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            max_page_bytes: 16 * 1024 * 1024,
            keep_flagged: false,
            include: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_round_trips_through_strings() {
        for f in [Format::Auto, Format::Html, Format::Jsonl] {
            assert_eq!(f.to_string().parse::<Format>().ok(), Some(f));
        }
        assert_eq!("JSONL".parse::<Format>().ok(), Some(Format::Jsonl));
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn default_limits() {
        let o = ReaderOptions::default();
        assert_eq!(o.max_page_bytes, 16 << 20);
        assert!(!o.keep_flagged);
    }
}
