//! The cross-encoder: tokenizer plus one ONNX Runtime session on one intra-op thread.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use driftless_embed::ort_environment;
use ort::session::Session;
use ort::session::SessionOutputs;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;

use crate::model::{ATTENTION_MASK, INPUT_IDS, TOKEN_TYPE_IDS};
use crate::pairs::{PairBatch, PairTokenizer};
use crate::{RerankError, RerankerFiles};

/// A cross-encoder that scores (query, passage) pairs with one relevance logit each.
///
/// `Send + Sync`: the session sits behind a mutex, so concurrent calls on one encoder queue
/// up. Re-ranking is a heavy job (a transformer pass per candidate); callers run it off the
/// request threads with a bounded queue, and open one encoder per worker to run in parallel.
#[derive(Debug)]
pub struct CrossEncoder {
    session: Mutex<Session>,
    tokenizer: PairTokenizer,
    files: RerankerFiles,
}

impl CrossEncoder {
    /// Loads and verifies the model in `model_dir` and opens a session on the ONNX Runtime at
    /// `ort_library` (the process-wide runtime driftless-embed manages: pass the same library
    /// as the query encoder, e.g. [`driftless_embed::default_ort_library`]).
    pub fn open(model_dir: &Path, ort_library: &Path) -> Result<Self, RerankError> {
        // Model first: a missing model is the likelier setup problem and its message says more.
        let files = RerankerFiles::load(model_dir)?;
        let env = ort_environment(ort_library)?;
        let tokenizer = PairTokenizer::from_bytes(&files.read_tokenizer()?, files.max_length)?;
        // One intra-op thread: ONNX Runtime's default (a thread per core) makes timing and the
        // split of reductions depend on the machine; inter-op parallelism is off because the
        // graph is one chain. The optimisation level is spelled out so that a change of
        // default in a later release cannot change scores unnoticed.
        let session = Session::builder(&env)?
            .with_optimization_level(GraphOptimizationLevel::All)?
            .with_intra_threads(1)?
            .with_inter_threads(1)?
            .with_parallel_execution(false)?
            .with_deterministic_compute(true)?
            .commit_from_memory(&files.read_onnx()?)?;
        check_signature(&session, &files)?;
        tracing::info!(model = %files.name, dir = %files.dir.display(), "cross-encoder loaded");
        Ok(Self {
            session: Mutex::new(session),
            tokenizer,
            files,
        })
    }

    /// The verified files this encoder runs (name, source, licence, digests, `max_length`).
    pub fn files(&self) -> &RerankerFiles {
        &self.files
    }

    /// One raw relevance logit per passage, in input order; higher is more relevant.
    ///
    /// Deterministic: the same `query` and `passages` give bit-identical scores on every call
    /// and in every encoder opened on the same files and library (batching rule: `pairs.rs`).
    /// Passages longer than `max_length` allows are cut, never refused; an empty list runs
    /// nothing.
    pub fn score(&self, query: &str, passages: &[&str]) -> Result<Vec<f32>, RerankError> {
        let mut scores = Vec::with_capacity(passages.len());
        for batch in self.tokenizer.batches(query, passages)? {
            scores.extend(self.run(&batch)?);
        }
        Ok(scores)
    }

    /// The batches [`CrossEncoder::score`] would run for this request, for benchmarks and
    /// diagnostics (token counts, which pairs were cut).
    pub fn batches(&self, query: &str, passages: &[&str]) -> Result<Vec<PairBatch>, RerankError> {
        self.tokenizer.batches(query, passages)
    }

    /// Runs one batch and returns its logits.
    pub fn run(&self, batch: &PairBatch) -> Result<Vec<f32>, RerankError> {
        let shape = [batch.rows, batch.cols];
        // A run either returns or fails as a whole, so a lock poisoned by a panic elsewhere
        // still guards a usable session.
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let ids = TensorRef::from_array_view((shape, batch.input_ids.as_slice()))?;
        let mask = TensorRef::from_array_view((shape, batch.attention_mask.as_slice()))?;
        let outputs = if self.files.token_type_ids {
            let types = TensorRef::from_array_view((shape, batch.token_type_ids.as_slice()))?;
            session.run(
                ort::inputs![INPUT_IDS => ids, ATTENTION_MASK => mask, TOKEN_TYPE_IDS => types],
            )?
        } else {
            session.run(ort::inputs![INPUT_IDS => ids, ATTENTION_MASK => mask])?
        };
        self.logits(&outputs, batch.rows)
    }

    /// The `[rows]` or `[rows, 1]` logit output, checked.
    fn logits(&self, outputs: &SessionOutputs<'_>, rows: usize) -> Result<Vec<f32>, RerankError> {
        let name = &self.files.output;
        let value = outputs
            .get(name.as_str())
            .ok_or_else(|| self.incompatible(format!("no output named {name}")))?;
        let (shape, values) = value.try_extract_tensor::<f32>()?;
        let rows = rows as i64;
        if **shape != [rows] && **shape != [rows, 1] {
            return Err(self.incompatible(format!(
                "{name} has shape {:?} for {rows} pairs; expected [{rows}] or [{rows}, 1]",
                &**shape
            )));
        }
        Ok(values.to_vec())
    }

    fn incompatible(&self, reason: String) -> RerankError {
        RerankError::IncompatibleModel {
            path: self.files.onnx_path(),
            reason,
        }
    }
}

/// Checks once, at load time, that the graph takes exactly the inputs `model.json` lists and
/// has its logit output, so a wrong model fails at start-up rather than on the first request.
fn check_signature(session: &Session, files: &RerankerFiles) -> Result<(), RerankError> {
    let mut inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
    let outputs: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
    let mut expected = vec![INPUT_IDS, ATTENTION_MASK];
    if files.token_type_ids {
        expected.push(TOKEN_TYPE_IDS);
    }
    inputs.sort_unstable();
    expected.sort_unstable();
    if inputs != expected || !outputs.contains(&files.output.as_str()) {
        return Err(RerankError::IncompatibleModel {
            path: files.onnx_path(),
            reason: format!(
                "inputs {inputs:?} and outputs {outputs:?}; model.json promises inputs \
                 {expected:?} and an output {}",
                files.output
            ),
        });
    }
    Ok(())
}
