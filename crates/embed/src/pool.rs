//! Many texts in parallel: N embedders, one session and one intra-op thread each.
//!
//! Parallelism comes from running different texts on different sessions, never from batching
//! (see `embedder.rs` for why a batch changes vectors). Since each text still runs alone on a
//! single-threaded session, a vector does not depend on the worker count or on which worker
//! took the text.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::EmbedError;
use crate::embedder::{Embedder, Embedding};
use crate::model_files::ModelFiles;
use crate::runtime::{Provider, at_least_one};

/// A fixed set of single-threaded embedders for encoding documents.
#[derive(Debug)]
pub struct EmbedPool {
    workers: Vec<Embedder>,
}

impl EmbedPool {
    /// Opens `workers` sessions of the model, each with one intra-op thread.
    ///
    /// The model is read and verified once and its tokenizer shared; each session holds its own
    /// copy of the weights (about 23 MB for the int8 model).
    pub fn new(model: &ModelFiles, ort_library: &Path, workers: usize) -> Result<Self, EmbedError> {
        Self::with_provider(model, ort_library, workers, Provider::Cpu)
    }

    /// Opens `workers` sessions on `provider` (one intra-op thread each on the CPU; on a GPU
    /// one session per worker keeps the device busy while the others tokenise).
    pub fn with_provider(
        model: &ModelFiles,
        ort_library: &Path,
        workers: usize,
        provider: Provider,
    ) -> Result<Self, EmbedError> {
        at_least_one(workers, "an embedding pool needs at least 1 worker")?;
        let (env, onnx, tokenizer) = Embedder::load(model, ort_library)?;
        let workers = (0..workers)
            .map(|_| Embedder::from_parts(&env, &onnx, model, Arc::clone(&tokenizer), 1, provider))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { workers })
    }

    /// Number of workers (sessions).
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.workers[0].dim()
    }

    /// Embeds every text as a passage ([`Embedder::embed_passage`]: the model's passage
    /// prefix first), each alone, and returns the embeddings in input order.
    ///
    /// `on_progress` is called after each text with the number of texts finished so far; calls
    /// come from the worker threads, so two may arrive out of order. On failure the pool stops
    /// taking new texts and returns the error of the earliest failed text (by input position).
    pub fn embed_all(
        &self,
        texts: &[&str],
        on_progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<Embedding>, EmbedError> {
        // Workers take the next unclaimed index, so a slow (long) text does not hold up a
        // pre-assigned chunk; results carry their index and are put back in order at the end.
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let used = self.workers.len().min(texts.len());
        let per_worker: Vec<Vec<(usize, Result<Embedding, EmbedError>)>> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = self.workers[..used]
                    .iter()
                    .map(|worker| {
                        let (next, done, failed) = (&next, &done, &failed);
                        scope.spawn(move || {
                            let mut results = Vec::new();
                            while !failed.load(Ordering::Relaxed) {
                                let index = next.fetch_add(1, Ordering::Relaxed);
                                let Some(text) = texts.get(index) else { break };
                                let result = worker.embed_passage(text);
                                if result.is_err() {
                                    failed.store(true, Ordering::Relaxed);
                                }
                                results.push((index, result));
                                on_progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                            }
                            results
                        })
                    })
                    .collect();
                // A worker only panics if a callback or a dependency panicked; pass that panic on
                // unchanged rather than inventing an error for it.
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
                    })
                    .collect()
            });
        collect_in_order(per_worker, texts.len())
    }
}

/// Puts per-worker results back in input order, or returns the earliest error.
fn collect_in_order(
    per_worker: Vec<Vec<(usize, Result<Embedding, EmbedError>)>>,
    len: usize,
) -> Result<Vec<Embedding>, EmbedError> {
    let mut slots: Vec<Option<Embedding>> = (0..len).map(|_| None).collect();
    let mut first_error: Option<(usize, EmbedError)> = None;
    for (index, result) in per_worker.into_iter().flatten() {
        match result {
            Ok(embedding) => slots[index] = Some(embedding),
            Err(err) => {
                if first_error.as_ref().is_none_or(|(at, _)| index < *at) {
                    first_error = Some((index, err));
                }
            }
        }
    }
    if let Some((_, err)) = first_error {
        return Err(err);
    }
    // Without an error every index below `len` was claimed by exactly one worker, which ran it.
    slots
        .into_iter()
        .enumerate()
        .map(|(index, slot)| {
            slot.ok_or_else(|| {
                EmbedError::Runtime(format!("text {index} was not embedded by any worker"))
            })
        })
        .collect()
}
