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
    /// TLS to Postgres failed (`sslmode=require`, `verify-ca` or `verify-full` in the URL).
    #[error(
        "cannot open query-log store {target} over TLS: {source}. The URL's sslmode demands \
         TLS: enable ssl on the Postgres server (and pass its CA with sslrootcert=… for \
         verify-ca/verify-full), or use sslmode=prefer or sslmode=disable on a trusted network"
    )]
    Tls {
        /// The URL given, with any password removed.
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
    /// Whether the store refused *this record* rather than being unreachable or broken: a
    /// value it cannot hold, a constraint, a size limit. Retrying the same record later
    /// cannot help, and other records are unaffected, so the capture writer sets such a
    /// record aside (the rejected file) and keeps writing instead of spilling everything.
    ///
    /// Anything else — connection, TLS, pool timeout, disk full, read-only file, missing
    /// table — is treated as an outage: records spill and are replayed once it is over.
    /// When unsure, outage is the safe answer: a spilled record is retried, a rejected one
    /// is not.
    pub fn is_data_error(&self) -> bool {
        match self {
            Self::Corrupt { .. } => true,
            Self::Database(sqlx::Error::Encode(_)) => true,
            Self::Database(sqlx::Error::Database(db)) => {
                let code = db.code().unwrap_or_default();
                match db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    // SQLSTATE classes 22 (data exception: bad encoding, value out of
                    // range), 23 (integrity constraint), 54 (program limit: row or index
                    // entry too large). Not 53 (disk full) nor 08 (connection).
                    Some(_) => ["22", "23", "54"].iter().any(|c| code.starts_with(c)),
                    // SQLite's extended code; the primary code is its low byte:
                    // 18 TOOBIG, 19 CONSTRAINT, 20 MISMATCH. Not 8 READONLY, 13 FULL, 10 IOERR.
                    None => code
                        .parse::<i32>()
                        .is_ok_and(|c| matches!(c & 0xff, 18..=20)),
                }
            }
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = QueryLogError> = std::result::Result<T, E>;
