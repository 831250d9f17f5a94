//! The crate's one error enum. Capture never surfaces errors to the request path (it spills
//! or counts instead); these are for the store, import/export and configuration callers.
use std::path::PathBuf;

use thiserror::Error;

/// Anything the query-log store, import or export can fail with.
#[derive(Debug, Error)]
pub enum QueryLogError {
    /// The store could not be opened or created (bad URL, unreachable server, unwritable file).
    #[error("cannot open query-log store {target}: {source}")]
    Connect {
        /// The path or URL given, with any password removed.
        target: String,
        /// What the driver reported.
        source: sqlx::Error,
    },
    /// The embedded schema migrations could not be applied.
    #[error("query-log schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A statement against an open store failed (store down, disk full, permissions).
    #[error("query-log store error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored row does not decode into a [`crate::LogRecord`].
    #[error("stored record {request_id} is corrupt: {message}")]
    Corrupt {
        /// The row's request id.
        request_id: String,
        /// What did not decode.
        message: String,
    },
    /// A file (spill file, import or export target) could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Writing an export or reading an import stream failed.
    #[error("query-log stream I/O failed: {0}")]
    Stream(#[from] std::io::Error),
    /// A line of an imported log is not a record we understand.
    #[error("import line {line}: {message}")]
    Import {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The Parquet writer refused the data or the output failed.
    #[error("Parquet export failed: {0}")]
    Parquet(String),
    /// A configuration value is out of range.
    #[error("invalid query-log configuration: {0}")]
    Config(String),
}

impl QueryLogError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = QueryLogError> = std::result::Result<T, E>;
