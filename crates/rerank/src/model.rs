//! A cross-encoder on disk: `model.json` describing it, checked against the files beside it,
//! and where such a directory is looked for when no path is given.
//!
//! Layout of a model directory (`DEST/reranker/` by default, next to driftless-embed's
//! `DEST/all-MiniLM-L6-v2-int8/` and `DEST/onnxruntime/`):
//!
//! ```text
//! model.onnx       BERT-style cross-encoder, one relevance logit per (query, passage) pair
//! tokenizer.json   its WordPiece tokenizer, with a pair template [CLS] A [SEP] B [SEP]
//! model.json       {"name", "source", "licence", "max_length", "inputs", "output",
//!                   "output_shape", "onnx_sha256", "tokenizer_sha256"}
//! ```
//!
//! `inputs` lists the graph inputs among `input_ids`, `attention_mask` and `token_type_ids`
//! (the first two are required); `output` names the logit output and `output_shape` is `[-1]`
//! or `[-1, 1]`, -1 standing for the batch.

use std::path::{Path, PathBuf};

use driftless_embed::{MODEL_DIR_ENV, user_models_dir};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::RerankError;

/// Environment variable naming the re-ranking model directory (the one holding `model.json`).
pub const RERANKER_DIR_ENV: &str = "DRIFTLESS_RERANKER_DIR";
/// The model directory name below a fetch destination. Generic on purpose: `model.json`
/// says which cross-encoder it is, so replacing the model changes no path.
pub const RERANKER_SUBDIR: &str = "reranker";
/// The graph input names a cross-encoder may take (those of the Hugging Face BERT exports).
pub(crate) const INPUT_IDS: &str = "input_ids";
pub(crate) const ATTENTION_MASK: &str = "attention_mask";
pub(crate) const TOKEN_TYPE_IDS: &str = "token_type_ids";

/// A verified model directory: what `model.json` says, checked against the files beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RerankerFiles {
    /// The directory holding `model.json`, `model.onnx` and `tokenizer.json`.
    pub dir: PathBuf,
    /// Human-readable model name, for manifests and logs.
    pub name: String,
    /// Where the files came from (registry package and version).
    pub source: String,
    /// The model's licence (SPDX id).
    pub licence: String,
    /// Longest pair in tokens, `[CLS]` and both `[SEP]` included; passages are cut to fit.
    pub max_length: usize,
    /// Whether the graph takes `token_type_ids` (some exports drop the input).
    pub token_type_ids: bool,
    /// Name of the logit output.
    pub output: String,
    /// sha256 (lowercase hex) of `model.onnx`.
    pub onnx_sha256: String,
    /// sha256 (lowercase hex) of `tokenizer.json`.
    pub tokenizer_sha256: String,
}

/// `model.json`, field for field; unknown fields are refused so that a typo cannot silently
/// fall back to a default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelJson {
    name: String,
    source: String,
    licence: String,
    max_length: usize,
    inputs: Vec<String>,
    output: String,
    output_shape: Vec<i64>,
    onnx_sha256: String,
    tokenizer_sha256: String,
}

impl RerankerFiles {
    /// Reads `dir/model.json` and verifies the sha256 of `model.onnx` and `tokenizer.json`.
    pub fn load(dir: &Path) -> Result<Self, RerankError> {
        let json_path = dir.join("model.json");
        let invalid = |reason: String| RerankError::InvalidModelJson {
            path: json_path.clone(),
            reason,
        };
        let json: ModelJson =
            serde_json::from_slice(&read_file(&json_path)?).map_err(|e| invalid(e.to_string()))?;
        let mut inputs = json.inputs.clone();
        inputs.sort_unstable();
        inputs.dedup();
        let known = [INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS];
        if inputs.len() != json.inputs.len()
            || inputs.iter().any(|i| !known.contains(&i.as_str()))
            || !inputs.iter().any(|i| i == INPUT_IDS)
            || !inputs.iter().any(|i| i == ATTENTION_MASK)
        {
            return Err(invalid(format!(
                "inputs {:?}: expected distinct names among {known:?}, with {INPUT_IDS} and \
                 {ATTENTION_MASK}",
                json.inputs
            )));
        }
        if json.output_shape != [-1] && json.output_shape != [-1, 1] {
            return Err(invalid(format!(
                "output_shape {:?}: only one logit per pair is supported, [-1] or [-1, 1]",
                json.output_shape
            )));
        }
        // [CLS] q [SEP] p [SEP] needs three special tokens and one token on each side.
        if json.max_length < 5 {
            return Err(invalid("max_length must be at least 5".into()));
        }
        for digest in [&json.onnx_sha256, &json.tokenizer_sha256] {
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(format!("{digest:?} is not a sha256 in hex")));
            }
        }
        let files = Self {
            dir: dir.to_path_buf(),
            name: json.name,
            source: json.source,
            licence: json.licence,
            max_length: json.max_length,
            token_type_ids: json.inputs.iter().any(|i| i == TOKEN_TYPE_IDS),
            output: json.output,
            onnx_sha256: json.onnx_sha256.to_ascii_lowercase(),
            tokenizer_sha256: json.tokenizer_sha256.to_ascii_lowercase(),
        };
        files.read_onnx()?;
        files.read_tokenizer()?;
        Ok(files)
    }

    /// Path of the ONNX graph.
    pub fn onnx_path(&self) -> PathBuf {
        self.dir.join("model.onnx")
    }

    /// Path of the tokenizer description.
    pub fn tokenizer_path(&self) -> PathBuf {
        self.dir.join("tokenizer.json")
    }

    /// The ONNX bytes, re-verified: the session is built from exactly the bytes whose digest
    /// was checked, so a file swapped after [`RerankerFiles::load`] cannot slip in.
    pub fn read_onnx(&self) -> Result<Vec<u8>, RerankError> {
        read_verified(&self.onnx_path(), &self.onnx_sha256)
    }

    /// The tokenizer bytes, re-verified for the same reason as [`RerankerFiles::read_onnx`].
    pub fn read_tokenizer(&self) -> Result<Vec<u8>, RerankError> {
        read_verified(&self.tokenizer_path(), &self.tokenizer_sha256)
    }
}

/// The re-ranking model directory: `$DRIFTLESS_RERANKER_DIR`, else `reranker/` in the first
/// fetch destination that holds one, searched as driftless-embed searches for its model
/// (beside `$DRIFTLESS_MODEL_DIR`, the user cache, the working directory's `.cache/models`);
/// else the first of those, so that the "not found" error names the preferred place.
pub fn default_reranker_dir() -> PathBuf {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = env(RERANKER_DIR_ENV) {
        return PathBuf::from(dir);
    }
    let mut dests = Vec::new();
    if let Some(model_dir) = env(MODEL_DIR_ENV) {
        dests.extend(PathBuf::from(model_dir).parent().map(Path::to_path_buf));
    }
    dests.extend(user_models_dir());
    dests.push(PathBuf::from(".cache/models"));
    let candidates: Vec<PathBuf> = dests.iter().map(|d| d.join(RERANKER_SUBDIR)).collect();
    candidates
        .iter()
        .find(|dir| dir.join("model.json").is_file())
        .unwrap_or(&candidates[0])
        .clone()
}

/// Reads a whole file, turning "not found" into the error that says where models go.
fn read_file(path: &Path) -> Result<Vec<u8>, RerankError> {
    std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => RerankError::ModelNotFound {
            path: path.to_path_buf(),
        },
        _ => RerankError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Reads a file and checks its sha256 against `expected` (lowercase hex).
fn read_verified(path: &Path, expected: &str) -> Result<Vec<u8>, RerankError> {
    let bytes = read_file(path)?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != expected {
        return Err(RerankError::DigestMismatch {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_json(dir: &Path, inputs: &str, shape: &str) {
        let json = format!(
            r#"{{"name":"x","source":"test","licence":"Apache-2.0","max_length":512,
            "inputs":{inputs},"output":"logits","output_shape":{shape},
            "onnx_sha256":"{z}","tokenizer_sha256":"{z}"}}"#,
            z = "0".repeat(64)
        );
        std::fs::write(dir.join("model.json"), json).unwrap();
    }

    #[test]
    fn a_missing_directory_says_where_models_go() {
        let err = RerankerFiles::load(Path::new("/nonexistent/driftless-reranker")).unwrap_err();
        assert!(matches!(err, RerankError::ModelNotFound { .. }));
        assert!(err.to_string().contains(RERANKER_DIR_ENV), "{err}");
        assert!(err.is_setup_problem());
    }

    #[test]
    fn inputs_and_output_shape_are_checked_before_the_files() {
        let dir = tempfile::tempdir().unwrap();
        write_json(dir.path(), r#"["input_ids"]"#, "[-1, 1]");
        let err = RerankerFiles::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("attention_mask"), "{err}");
        write_json(dir.path(), r#"["input_ids","attention_mask"]"#, "[-1, 2]");
        let err = RerankerFiles::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("one logit per pair"), "{err}");
    }

    #[test]
    fn an_altered_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write_json(dir.path(), r#"["input_ids","attention_mask"]"#, "[-1]");
        std::fs::write(dir.path().join("model.onnx"), b"not the pinned bytes").unwrap();
        let err = RerankerFiles::load(dir.path()).unwrap_err();
        assert!(matches!(err, RerankError::DigestMismatch { .. }), "{err}");
    }
}
