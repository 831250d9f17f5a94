//! The one error type of this crate.
//!
//! Almost every failure here is a setup problem (a missing or altered model file, a missing
//! ONNX Runtime library), so each message names the file involved and the command that fixes
//! it. Failures inside ONNX Runtime or the tokenizer on a verified model are our bugs and say so.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong while loading the model or embedding text.
#[derive(Debug, Error)]
pub enum EmbedError {
    /// The model directory (or its `model.json`) does not exist.
    #[error(
        "model not found at {path}: run corpus-tools/fetch-model.sh DEST [MODEL] (DEST: ~/.cache/driftless/models; MODEL: a shipped model's name) or set DRIFTLESS_MODEL_DIR"
    )]
    ModelNotFound {
        /// The file that was looked for.
        path: PathBuf,
    },

    /// A model file exists but could not be read.
    #[error(
        "cannot read {path}: {source}; check its permissions or run corpus-tools/fetch-model.sh again"
    )]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// `model.json` is not what corpus-tools/fetch-model.sh writes.
    #[error(
        "{path} is not a valid model description ({reason}): run corpus-tools/fetch-model.sh again"
    )]
    InvalidModelJson {
        /// The `model.json` file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A model file's sha256 differs from the one recorded in `model.json`.
    ///
    /// The digest is part of a snapshot's identity: a changed file would silently change every
    /// vector, so it is refused rather than used.
    #[error(
        "{path} has sha256 {actual} but model.json expects {expected}: the file was altered or \
         replaced; delete it and run corpus-tools/fetch-model.sh again"
    )]
    DigestMismatch {
        /// The file whose content changed.
        path: PathBuf,
        /// The digest recorded in `model.json`.
        expected: String,
        /// The digest of the file on disk.
        actual: String,
    },

    /// The ONNX Runtime shared library is not at the given path.
    #[error(
        "ONNX Runtime library not found at {path} (looked for: {searched}): pass \
         --ort-library <libonnxruntime.so> or set DRIFTLESS_ORT_LIB, or run \
         corpus-tools/fetch-model.sh ~/.cache/driftless/models (what `driftless quickstart` does); \
         only dense and hybrid searches need it",
        searched = crate::locate::searched_description()
    )]
    OrtLibraryMissing {
        /// The path that was tried.
        path: PathBuf,
    },

    /// The library exists but ONNX Runtime could not be started from it.
    #[error(
        "cannot start ONNX Runtime from {path}: {message}; use the {file} that \
         corpus-tools/fetch-model.sh installs",
        file = crate::ORT_FILE
    )]
    OrtLoad {
        /// The library file.
        path: PathBuf,
        /// What ONNX Runtime or the dynamic loader said.
        message: String,
    },

    /// ONNX Runtime is loaded once per process; a second, different library was asked for.
    #[error(
        "ONNX Runtime is already loaded from {loaded} in this process and cannot be switched to \
         {requested}: use one library path for every embedder"
    )]
    OrtLibraryConflict {
        /// The library this process loaded first.
        loaded: PathBuf,
        /// The library asked for now.
        requested: PathBuf,
    },

    /// The ONNX file loaded but is not the sentence encoder this crate expects.
    #[error(
        "{path} is not a compatible sentence encoder: {reason}; run corpus-tools/fetch-model.sh again"
    )]
    IncompatibleModel {
        /// The ONNX file.
        path: PathBuf,
        /// Which input, output or shape did not match.
        reason: String,
    },

    /// The execution provider asked for cannot run in this ONNX Runtime or on this machine.
    #[error(
        "the {provider} execution provider cannot start with {library}: {message}. The \
         onnxruntime library that corpus-tools/fetch-model.sh installs is ONNX Runtime's CPU \
         build; for CUDA pass --ort-library <libonnxruntime.so of an onnxruntime-gpu 1.31 \
         build> on a machine with an NVIDIA driver and CUDA 12, or use --ort-provider cpu"
    )]
    ProviderUnavailable {
        /// The provider's name (`cuda`).
        provider: &'static str,
        /// The library that was loaded.
        library: PathBuf,
        /// What ONNX Runtime said.
        message: String,
    },

    /// A caller passed a setting this crate cannot honour (for example zero threads).
    #[error("invalid embedder setting: {0}")]
    InvalidSetting(String),

    /// The tokenizer failed on text or on its own configuration.
    #[error(
        "tokenizer failed: {0} (this is a bug in driftless-embed; please report it with the input)"
    )]
    Tokenizer(String),

    /// ONNX Runtime failed while creating a session or running the model.
    #[error("ONNX Runtime failed: {0} (this is a bug in driftless-embed unless memory ran out)")]
    Runtime(String),
}

impl EmbedError {
    /// Whether the error comes from the machine's setup (missing or altered files, a bad
    /// setting) rather than from a defect in this crate: the first kind is fixed by the
    /// operator following the message, the second needs a bug report.
    pub fn is_setup_problem(&self) -> bool {
        !matches!(self, Self::Tokenizer(_) | Self::Runtime(_))
    }
}

impl From<ort::Error> for EmbedError {
    fn from(err: ort::Error) -> Self {
        Self::Runtime(err.to_string())
    }
}

impl From<ort::Error<ort::session::builder::SessionBuilder>> for EmbedError {
    fn from(err: ort::Error<ort::session::builder::SessionBuilder>) -> Self {
        Self::Runtime(err.to_string())
    }
}
