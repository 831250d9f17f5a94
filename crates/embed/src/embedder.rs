//! One ONNX Runtime session that embeds one text per run.
//!
//! Why one text per run: the int8 graph quantises activations dynamically, with a scale taken
//! over the whole input tensor. Batch-mates and the padding a batch needs would therefore
//! change a text's vector, and the same passage would embed differently depending on its
//! neighbours. Running every text alone makes a vector a function of its text only.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use ort::environment::Environment;
use ort::session::Session;
use ort::value::TensorRef;

use crate::EmbedError;
use crate::model_files::{ModelFiles, Pooling};
use crate::pooling::pool_normalized;
use crate::runtime::{Provider, build_session, ort_environment};
use crate::tokenize::TextTokenizer;

/// The graph's input names (those of the sentence-transformers export). `token_type_ids` is
/// optional: BERT exports take it, RoBERTa/XLM-R ones (e5 multilingual) and some BERT
/// exports without segment embeddings do not.
const INPUT_IDS: &str = "input_ids";
const ATTENTION_MASK: &str = "attention_mask";
const TOKEN_TYPE_IDS: &str = "token_type_ids";

/// The embedding of one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// Unit-length vector of the model's dimension.
    pub vector: Vec<f32>,
    /// Tokens the model saw, `[CLS]` and `[SEP]` included (at most the model's `max_tokens`).
    pub tokens: usize,
    /// Whether the text was longer than `max_tokens` and its tail was not embedded.
    pub truncated: bool,
}

/// A sentence encoder: tokenizer plus one ONNX Runtime session with fixed threads.
///
/// `Send + Sync`: the session sits behind a mutex, so concurrent calls on one embedder queue
/// up; use an [`crate::EmbedPool`] (one session per worker) to embed many texts in parallel.
#[derive(Debug)]
pub struct Embedder {
    session: Mutex<Session>,
    tokenizer: Arc<TextTokenizer>,
    dim: usize,
    onnx_path: PathBuf,
    pooling: Pooling,
    output: String,
    token_types: bool,
    query_prefix: String,
    passage_prefix: String,
}

impl Embedder {
    /// Loads the verified model into a new session on the ONNX Runtime at `ort_library`.
    ///
    /// `intra_threads` is ONNX Runtime's intra-op thread count, fixed for the session's life.
    /// For a single short query 1 is fastest on this project's 2-core machines.
    pub fn new(
        model: &ModelFiles,
        ort_library: &Path,
        intra_threads: usize,
    ) -> Result<Self, EmbedError> {
        let (env, onnx, tokenizer) = Self::load(model, ort_library)?;
        Self::from_parts(&env, &onnx, model, tokenizer, intra_threads, Provider::Cpu)
    }

    /// The runtime, the model's bytes and its tokenizer: what every session of `model`
    /// shares, read and verified once.
    pub(crate) fn load(
        model: &ModelFiles,
        ort_library: &Path,
    ) -> Result<(Environment, Vec<u8>, Arc<TextTokenizer>), EmbedError> {
        let env = ort_environment(ort_library)?;
        let onnx = model.read_onnx()?;
        let tokenizer = TextTokenizer::from_bytes(&model.read_tokenizer()?, model.max_tokens)?;
        Ok((env, onnx, Arc::new(tokenizer)))
    }

    /// Builds an embedder from bytes already read and verified, so a pool reads and hashes the
    /// model once however many sessions it opens.
    pub(crate) fn from_parts(
        env: &Environment,
        onnx: &[u8],
        model: &ModelFiles,
        tokenizer: Arc<TextTokenizer>,
        intra_threads: usize,
        provider: Provider,
    ) -> Result<Self, EmbedError> {
        let session = build_session(env, onnx, intra_threads, provider)?;
        let onnx_path = model.onnx_path();
        let token_types = check_signature(&session, &onnx_path, &model.output)?;
        Ok(Self {
            session: Mutex::new(session),
            tokenizer,
            dim: model.dim,
            onnx_path,
            pooling: model.pooling,
            output: model.output.clone(),
            token_types,
            query_prefix: model.query_prefix.clone(),
            passage_prefix: model.passage_prefix.clone(),
        })
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Embeds a search query: the model's query prefix (e5's `query: `, bge's instruction),
    /// then the text.
    pub fn embed_query(&self, text: &str) -> Result<Embedding, EmbedError> {
        self.embed_prefixed(&self.query_prefix, text)
    }

    /// Embeds a passage to be searched: the model's passage prefix (e5's `passage: `), then
    /// the text. [`crate::EmbedPool::embed_all`] does this for many passages.
    pub fn embed_passage(&self, text: &str) -> Result<Embedding, EmbedError> {
        self.embed_prefixed(&self.passage_prefix, text)
    }

    fn embed_prefixed(&self, prefix: &str, text: &str) -> Result<Embedding, EmbedError> {
        if prefix.is_empty() {
            self.embed(text)
        } else {
            self.embed(&format!("{prefix}{text}"))
        }
    }

    /// Embeds one text as given (no query or passage prefix), alone, into a unit vector.
    ///
    /// The same text gives a bit-identical vector on every call and in every embedder built
    /// from the same files and library. The empty text is embedded as `[CLS] [SEP]` (a valid,
    /// constant vector) rather than refused, so empty passages need no special case.
    pub fn embed(&self, text: &str) -> Result<Embedding, EmbedError> {
        let input = self.tokenizer.encode(text)?;
        let tokens = input.input_ids.len();
        let shape = [1usize, tokens];
        // A panic elsewhere while holding the lock cannot leave the session half-updated (a
        // run either returns or fails as a whole), so a poisoned lock is still usable.
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let mut inputs = ort::inputs![
            INPUT_IDS => TensorRef::from_array_view((shape, input.input_ids.as_slice()))?,
            ATTENTION_MASK => TensorRef::from_array_view((shape, input.attention_mask.as_slice()))?,
        ];
        if self.token_types {
            inputs.push((
                TOKEN_TYPE_IDS.into(),
                TensorRef::from_array_view((shape, input.token_type_ids.as_slice()))?.into(),
            ));
        }
        let outputs = session.run(inputs)?;
        let hidden = outputs
            .get(self.output.as_str())
            .ok_or_else(|| self.incompatible(format!("no output named {}", self.output)))?;
        let (out_shape, values) = hidden.try_extract_tensor::<f32>()?;
        let expected = [1, tokens as i64, self.dim as i64];
        if **out_shape != expected {
            return Err(self.incompatible(format!(
                "{} has shape {:?}, expected {expected:?}",
                self.output, &**out_shape
            )));
        }
        let vector = pool_normalized(self.pooling, values, &input.attention_mask, self.dim)
            .ok_or_else(|| {
                EmbedError::Runtime(format!(
                    "the model returned a degenerate output for {tokens} tokens"
                ))
            })?;
        Ok(Embedding {
            vector,
            tokens,
            truncated: input.truncated,
        })
    }

    /// Number of tokens in `text` without truncation, `[CLS]` and `[SEP]` included; compare
    /// with [`ModelFiles::max_tokens`] to know whether [`Embedder::embed`] would truncate.
    pub fn count_tokens(&self, text: &str) -> Result<usize, EmbedError> {
        self.tokenizer.count(text)
    }

    fn incompatible(&self, reason: String) -> EmbedError {
        EmbedError::IncompatibleModel {
            path: self.onnx_path.clone(),
            reason,
        }
    }
}

/// Checks once, at load time, that the graph takes and returns what [`Embedder::embed`] feeds
/// and reads, so a wrong model fails with a clear message instead of on the first query.
/// Returns whether the graph takes `token_type_ids`.
fn check_signature(session: &Session, onnx_path: &Path, output: &str) -> Result<bool, EmbedError> {
    let inputs: Vec<&str> = session.inputs().iter().map(|o| o.name()).collect();
    let outputs: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
    let mut actual = inputs.clone();
    actual.sort_unstable();
    let token_types = actual.contains(&TOKEN_TYPE_IDS);
    let mut expected = vec![ATTENTION_MASK, INPUT_IDS];
    if token_types {
        expected.push(TOKEN_TYPE_IDS);
    }
    if actual != expected || !outputs.contains(&output) {
        return Err(EmbedError::IncompatibleModel {
            path: onnx_path.to_path_buf(),
            reason: format!(
                "inputs {inputs:?} and outputs {outputs:?}; expected inputs {INPUT_IDS}, {ATTENTION_MASK} (and optionally {TOKEN_TYPE_IDS}) and an output {output} (model.json's \"output\")"
            ),
        });
    }
    Ok(token_types)
}
