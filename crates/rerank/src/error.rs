//! The one error type of this crate.
//!
//! Split as in driftless-embed: setup problems (a missing or altered model file, a missing
//! ONNX Runtime library, a model of the wrong shape) name the file and what fixes it, and
//! [`RerankError::is_setup_problem`] tells them apart from failures inside the tokenizer or
//! ONNX Runtime on a verified model, which are bugs here.

use std::path::PathBuf;

use driftless_embed::EmbedError;
use thiserror::Error;

/// Everything that can go wrong while loading a cross-encoder or scoring pairs.
#[derive(Debug, Error)]
pub enum RerankError {
    /// The model directory (or its `model.json`) does not exist.
    #[error(
        "re-ranking model not found at {path}: put a cross-encoder's model.json, model.onnx and \
         tokenizer.json there, or set DRIFTLESS_RERANKER_DIR to such a directory (the \
         driftless-rerank crate docs list the model.json fields)"
    )]
    ModelNotFound {
        /// The file that was looked for.
        path: PathBuf,
    },

    /// A model file exists but could not be read.
    #[error("cannot read {path}: {source}; check its permissions")]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// `model.json` does not describe a cross-encoder this crate can run.
    #[error("{path} is not a valid re-ranking model description: {reason}")]
    InvalidModelJson {
        /// The `model.json` file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A model file's sha256 differs from the one recorded in `model.json`: the scores of a
    /// changed file would silently differ, so it is refused rather than used.
    #[error(
        "{path} has sha256 {actual} but model.json expects {expected}: the file was altered or \
         replaced; delete the model directory and fetch it again"
    )]
    DigestMismatch {
        /// The file whose content changed.
        path: PathBuf,
        /// The digest recorded in `model.json`.
        expected: String,
        /// The digest of the file on disk.
        actual: String,
    },

    /// The ONNX graph loaded but does not take or return what `model.json` promised.
    #[error("{path} is not a compatible cross-encoder: {reason}")]
    IncompatibleModel {
        /// The ONNX file.
        path: PathBuf,
        /// Which input, output or shape did not match.
        reason: String,
    },

    /// Loading ONNX Runtime failed (missing library, a second library in one process...):
    /// driftless-embed owns the process-wide runtime and its message says what to do.
    #[error(transparent)]
    Runtime(EmbedError),

    /// The tokenizer failed on text or on its own configuration.
    #[error(
        "tokenizer failed: {0} (this is a bug in driftless-rerank; please report it with the input)"
    )]
    Tokenizer(String),

    /// ONNX Runtime failed while creating a session or running the model.
    #[error("ONNX Runtime failed: {0} (this is a bug in driftless-rerank unless memory ran out)")]
    Inference(String),
}

impl RerankError {
    /// Whether the operator can fix the error by following its message (files, library,
    /// settings), as opposed to a defect that needs a bug report.
    pub fn is_setup_problem(&self) -> bool {
        match self {
            Self::Runtime(inner) => inner.is_setup_problem(),
            Self::Tokenizer(_) | Self::Inference(_) => false,
            _ => true,
        }
    }
}

impl From<EmbedError> for RerankError {
    fn from(err: EmbedError) -> Self {
        Self::Runtime(err)
    }
}

impl From<ort::Error> for RerankError {
    fn from(err: ort::Error) -> Self {
        Self::Inference(err.to_string())
    }
}

impl From<ort::Error<ort::session::builder::SessionBuilder>> for RerankError {
    fn from(err: ort::Error<ort::session::builder::SessionBuilder>) -> Self {
        Self::Inference(err.to_string())
    }
}
