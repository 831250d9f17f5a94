//! Errors that prevent a corpus from being opened at all. Problems with a
//! single page or record never end up here: they become [`crate::Skip`]s.

use std::path::PathBuf;

/// A reason the corpus cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The corpus path does not exist or cannot be inspected.
    #[error(
        "corpus path {path} cannot be opened: {source}; check that the path exists and is readable"
    )]
    PathUnavailable {
        /// The path the user gave.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The format could not be detected from the path.
    #[error(
        "cannot tell the format of {path}: {reason}; pass --format html (a directory of pages), jsonl (JSON lines), parquet, warc or tsv"
    )]
    UndetectableFormat {
        /// The path the user gave.
        path: PathBuf,
        /// Why detection failed.
        reason: String,
    },
    /// A format name that is not one of `auto`, `html`, `jsonl`, `parquet`, `warc`, `tsv`.
    #[error("unknown corpus format {0:?}; use one of: auto, html, jsonl, parquet, warc, tsv")]
    UnknownFormat(String),
    /// A field mapping spec (`TARGET=FIELD`) that cannot be used.
    #[error(
        "invalid field mapping {spec:?}: {reason}; write TARGET=FIELD with TARGET one of id, text, title, url (e.g. id=docid)"
    )]
    InvalidFieldMap {
        /// The spec as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The format was given explicitly but does not fit the path.
    #[error("{path} cannot be read as {format}: {reason}")]
    FormatMismatch {
        /// The path the user gave.
        path: PathBuf,
        /// The requested format name.
        format: String,
        /// What is wrong.
        reason: String,
    },
    /// The corpus description file exists but cannot be read or parsed.
    #[error(
        "corpus description {path} is unusable: {reason}; fix or delete it (it can be regenerated with `describe`)"
    )]
    InvalidDescription {
        /// Path of the description file.
        path: PathBuf,
        /// What is wrong, with the line number when known.
        reason: String,
    },
    /// Walking or writing inside the corpus directory failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
