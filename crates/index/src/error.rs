//! One error enum for the read side, split into the caller's fault and ours (as milli does),
//! so the server can map every variant to a status in one exhaustive match.
use thiserror::Error;

/// Anything a search, fetch or stats call can fail with.
#[derive(Debug, Error)]
pub enum IndexError {
    /// The request was wrong; the message says how to fix it (HTTP 4xx).
    #[error(transparent)]
    User(#[from] UserError),
    /// Something broke on our side (HTTP 5xx).
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// Errors caused by the request.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum UserError {
    /// A parameter is missing, malformed or out of range.
    #[error("invalid parameter `{param}`: {message}")]
    InvalidParameter {
        /// Parameter name as on the wire.
        param: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The query could not be parsed.
    #[error("query syntax error: {0}")]
    QuerySyntax(String),
    /// No document with that id or url.
    #[error("{0}")]
    NotFound(String),
    /// The snapshot cannot answer in the requested mode (e.g. dense without a dense index).
    #[error("{0}")]
    ModeUnavailable(String),
}

impl UserError {
    /// Stable snake_case code for the error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidParameter { .. } => "invalid_parameter",
            Self::QuerySyntax(_) => "query_syntax",
            Self::NotFound(_) => "not_found",
            Self::ModeUnavailable(_) => "mode_unavailable",
        }
    }

    pub(crate) fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidParameter {
            param,
            message: message.into(),
        }
    }
}

/// Faults on our side.
#[derive(Debug, Error)]
pub enum InternalError {
    /// tantivy failed while searching.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A stored document or field was not what the snapshot format promises.
    #[error("snapshot data is inconsistent: {0}")]
    Corrupt(String),
    /// Something the process needs is not set up (ONNX Runtime for a dense query).
    #[error("{0}")]
    Setup(String),
}

/// Why a snapshot could not be opened. Every message names the file or query at fault.
#[derive(Debug, Error)]
pub enum OpenError {
    /// No `manifest.json` in the directory.
    #[error(
        "{dir} is not a driftless snapshot (no manifest.json); build one with `driftless build --corpus <dir> --out {dir}`"
    )]
    NotASnapshot {
        /// The directory given.
        dir: String,
    },
    /// The manifest could not be read or parsed.
    #[error("cannot read {path}: {message}")]
    BadManifest {
        /// Manifest path.
        path: String,
        /// Reason.
        message: String,
    },
    /// Written by a different snapshot format version.
    #[error(
        "snapshot format version {found} is not supported by this driftless (supports {supported}); rebuild the snapshot with this version"
    )]
    IncompatibleVersion {
        /// Version in the manifest.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// A file is missing or its checksum differs from the manifest.
    #[error(
        "snapshot file {file} failed verification: {message}; the snapshot has been modified or damaged, rebuild it"
    )]
    Checksum {
        /// File relative to the snapshot directory.
        file: String,
        /// What differed.
        message: String,
    },
    /// Canary answers differ from the ones recorded at build time.
    #[error(
        "canary query {query:?} answers differently than at build time; refusing to serve a drifted snapshot"
    )]
    CanaryMismatch {
        /// First query whose answer differs.
        query: String,
    },
    /// The index could not be opened.
    #[error("cannot open index {path}: {message}")]
    Index {
        /// Index directory.
        path: String,
        /// Reason.
        message: String,
    },
    /// I/O error.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// File involved.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}
