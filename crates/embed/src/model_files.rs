//! Where the model and ONNX Runtime live on disk, and the checks that they are the pinned ones.
//!
//! `corpus-tools/fetch-model.sh` lays out
//! `DEST/all-MiniLM-L6-v2-int8/{model.onnx,tokenizer.json,model.json}` and
//! `DEST/onnxruntime/libonnxruntime.so.1.31.1`; this module reads that layout back (where
//! DEST is looked for: `locate.rs`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::EmbedError;

/// File names inside a model directory.
pub(crate) const ONNX_FILE: &str = "model.onnx";
pub(crate) const TOKENIZER_FILE: &str = "tokenizer.json";
const MODEL_JSON: &str = "model.json";
/// The token-embeddings output of a sentence-transformers export.
pub const DEFAULT_OUTPUT: &str = "last_hidden_state";

/// How the token vectors of one text become its vector (always L2-normalised afterwards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Mean over the attended tokens (all-MiniLM, paraphrase-MiniLM, e5, gte).
    #[default]
    Mean,
    /// The first token, `[CLS]` or `<s>` (bge).
    Cls,
}

impl Pooling {
    /// True for the default, so manifests of mean-pooled snapshots stay as they were.
    pub fn is_mean(&self) -> bool {
        *self == Self::Mean
    }
}

/// A verified model directory: what `model.json` says, checked against the files beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The directory holding `model.json`, `model.onnx` and `tokenizer.json`.
    pub dir: PathBuf,
    /// Human-readable model id, recorded in snapshot manifests.
    pub id: String,
    /// Vector dimension (384 for all-MiniLM-L6-v2).
    pub dim: usize,
    /// Longest input in tokens, `[CLS]` and `[SEP]` included; longer texts are truncated.
    pub max_tokens: usize,
    /// sha256 (lowercase hex) of `model.onnx`.
    pub onnx_sha256: String,
    /// sha256 (lowercase hex) of `tokenizer.json`.
    pub tokenizer_sha256: String,
    /// Token vectors → text vector.
    pub pooling: Pooling,
    /// Put before every query (e5: `query: `; bge: its search instruction).
    pub query_prefix: String,
    /// Put before every passage (e5: `passage: `).
    pub passage_prefix: String,
    /// Name of the graph output holding the token vectors `[1, tokens, dim]`.
    pub output: String,
}

/// `model.json` as written by corpus-tools/fetch-model.sh. The fields after `tokenizer_sha256`
/// came with the choice of models; their defaults describe all-MiniLM-L6-v2, so the first
/// model's files read as before.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelJson {
    id: String,
    dim: usize,
    max_tokens: usize,
    pooling: String,
    normalize: bool,
    onnx_sha256: String,
    tokenizer_sha256: String,
    #[serde(default)]
    query_prefix: String,
    #[serde(default)]
    passage_prefix: String,
    #[serde(default)]
    output: Option<String>,
}

impl ModelFiles {
    /// Reads `dir/model.json` and verifies the sha256 of `model.onnx` and `tokenizer.json`.
    ///
    /// Mean or CLS pooling, always L2-normalised (dense search ranks by the dot product of
    /// unit vectors): a `model.json` asking for anything else is refused instead of producing
    /// vectors of a different kind.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let json_path = dir.join(MODEL_JSON);
        let bytes = read_file(&json_path)?;
        let invalid = |reason: String| EmbedError::InvalidModelJson {
            path: json_path.clone(),
            reason,
        };
        let json: ModelJson = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        let pooling = match (json.pooling.as_str(), json.normalize) {
            ("mean", true) => Pooling::Mean,
            ("cls", true) => Pooling::Cls,
            _ => {
                return Err(invalid(format!(
                    "pooling {:?} with normalize {} is not supported; use \"mean\" or \"cls\" with normalize true",
                    json.pooling, json.normalize
                )));
            }
        };
        if json.dim == 0 || json.max_tokens < 2 {
            return Err(invalid(
                "dim must be positive and max_tokens at least 2 ([CLS] and [SEP])".into(),
            ));
        }
        for digest in [&json.onnx_sha256, &json.tokenizer_sha256] {
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(format!("{digest:?} is not a sha256 in hex")));
            }
        }
        let files = Self {
            dir: dir.to_path_buf(),
            id: json.id,
            dim: json.dim,
            max_tokens: json.max_tokens,
            onnx_sha256: json.onnx_sha256.to_ascii_lowercase(),
            tokenizer_sha256: json.tokenizer_sha256.to_ascii_lowercase(),
            pooling,
            query_prefix: json.query_prefix,
            passage_prefix: json.passage_prefix,
            output: json.output.unwrap_or_else(|| DEFAULT_OUTPUT.to_string()),
        };
        files.read_onnx()?;
        files.read_tokenizer()?;
        Ok(files)
    }

    /// Path of the ONNX graph.
    pub fn onnx_path(&self) -> PathBuf {
        self.dir.join(ONNX_FILE)
    }

    /// Path of the tokenizer description.
    pub fn tokenizer_path(&self) -> PathBuf {
        self.dir.join(TOKENIZER_FILE)
    }

    /// The ONNX bytes, re-verified: sessions are built from exactly the bytes whose digest was
    /// checked, so a file swapped after [`ModelFiles::load`] cannot slip in.
    pub(crate) fn read_onnx(&self) -> Result<Vec<u8>, EmbedError> {
        read_verified(&self.onnx_path(), &self.onnx_sha256)
    }

    /// The tokenizer bytes, re-verified for the same reason as [`ModelFiles::read_onnx`].
    pub(crate) fn read_tokenizer(&self) -> Result<Vec<u8>, EmbedError> {
        read_verified(&self.tokenizer_path(), &self.tokenizer_sha256)
    }
}

/// Reads a whole file, turning "not found" into the error that points at the fetch script.
fn read_file(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => EmbedError::ModelNotFound {
            path: path.to_path_buf(),
        },
        _ => EmbedError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Reads a file and checks its sha256 against `expected` (lowercase hex).
fn read_verified(path: &Path, expected: &str) -> Result<Vec<u8>, EmbedError> {
    let bytes = read_file(path)?;
    let actual = sha256_hex(&bytes);
    if actual != expected {
        return Err(EmbedError::DigestMismatch {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(bytes)
}

/// Lowercase hex sha256, the form `model.json` and snapshot manifests use.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input_is_the_known_constant() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn missing_directory_points_at_the_fetch_script() {
        let err = ModelFiles::load(Path::new("/nonexistent/driftless-model")).unwrap_err();
        assert!(matches!(err, EmbedError::ModelNotFound { .. }));
        assert!(
            err.to_string().contains("corpus-tools/fetch-model.sh"),
            "{err}"
        );
    }

    #[test]
    fn unsupported_pooling_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (pooling, normalize) in [("max", true), ("mean", false)] {
            let json = format!(
                r#"{{"id":"x","dim":384,"max_tokens":256,"pooling":"{pooling}","normalize":{normalize},
                "onnx_sha256":"00","tokenizer_sha256":"00"}}"#
            );
            std::fs::write(dir.path().join(MODEL_JSON), json).unwrap();
            let err = ModelFiles::load(dir.path()).unwrap_err();
            assert!(err.to_string().contains("use \"mean\" or \"cls\""), "{err}");
        }
    }
}
