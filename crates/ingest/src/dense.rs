//! The dense side of a build: embed every passage alone, store the vectors, build the
//! HNSW graph by serial insertion in passage order (reproducible; hnsw_rs' level RNG is
//! seeded and `parallel_insert` is not), check that every point finds itself, re-insert the
//! ones that don't (hnsw_rs issue #37), dump the graph.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use driftless_corpus::{Document, PassageSpan};
use driftless_embed::{EmbedPool, ModelFiles, default_model_dir, default_ort_library};
use driftless_index::dense::UnitDot;
use driftless_index::dense_config::{
    DENSE_DIR, DenseConfig, HNSW_BASENAME, MODEL_DIR, VECTORS_FILE,
};
use hnsw_rs::prelude::{AnnT, Hnsw};

use crate::progress::{Phase, Progress};
use crate::{IngestError, io_error};

/// How to build the dense index.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseOptions {
    /// Model directory (model.onnx, tokenizer.json, model.json).
    pub model_dir: PathBuf,
    /// ONNX Runtime shared library.
    pub ort_library: PathBuf,
    /// Embedding workers (one single-threaded session each).
    pub workers: usize,
    /// HNSW neighbours per node.
    pub m: usize,
    /// HNSW construction beam.
    pub ef_construction: usize,
    /// HNSW search beam recorded for `mode=dense`.
    pub ef_search: usize,
}

impl Default for DenseOptions {
    fn default() -> Self {
        Self {
            model_dir: default_model_dir(),
            ort_library: default_ort_library(),
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            m: 16,
            ef_construction: 100,
            ef_search: 128,
        }
    }
}

impl DenseOptions {
    /// Checks parameters before anything expensive runs (hnsw_rs exits the process on M > 256).
    pub(crate) fn validate(&self) -> Result<(), IngestError> {
        if !(4..=64).contains(&self.m) {
            return Err(IngestError::InvalidOption(format!(
                "HNSW M must be 4..=64, got {}",
                self.m
            )));
        }
        if !(16..=1000).contains(&self.ef_construction) || !(10..=1000).contains(&self.ef_search) {
            return Err(IngestError::InvalidOption(
                "HNSW ef_construction must be 16..=1000 and ef_search 10..=1000".into(),
            ));
        }
        if self.workers == 0 || self.workers > 64 {
            return Err(IngestError::InvalidOption(format!(
                "embedding workers must be 1..=64, got {}",
                self.workers
            )));
        }
        Ok(())
    }
}

impl DenseOptions {
    /// Verifies the model files and starts ONNX Runtime once (the process keeps it for the
    /// embedding workers), so a build with `--dense` fails at once when either is missing.
    pub(crate) fn check_model(&self) -> Result<(), IngestError> {
        ModelFiles::load(&self.model_dir).map_err(dense_error)?;
        driftless_embed::ort_environment(&self.ort_library).map_err(dense_error)?;
        Ok(())
    }
}

fn dense_error(message: impl std::fmt::Display) -> IngestError {
    IngestError::Dense(message.to_string())
}

/// Builds `root/dense/` and returns what the manifest records.
pub(crate) fn build_dense(
    root: &Path,
    documents: &[Document],
    spans: &[Vec<PassageSpan>],
    options: &DenseOptions,
    progress: Progress,
) -> Result<DenseConfig, IngestError> {
    options.validate()?;
    let model = ModelFiles::load(&options.model_dir).map_err(dense_error)?;
    let pool =
        EmbedPool::new(&model, &options.ort_library, options.workers).map_err(dense_error)?;
    copy_model(&model, &root.join(MODEL_DIR))?;

    // The title gives a passage its page's context, as in the BM25 passage field.
    let texts: Vec<String> = documents
        .iter()
        .zip(spans)
        .flat_map(|(doc, spans)| {
            spans.iter().map(move |s| {
                format!(
                    "{}\n{}",
                    doc.title,
                    doc.text.get(s.byte_start..s.byte_end).unwrap_or_default()
                )
            })
        })
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let phase = std::sync::Mutex::new(Phase::start(progress, "embedding", Some(refs.len() as u64)));
    let reported = AtomicU64::new(0);
    let embeddings = pool
        .embed_all(&refs, &|done| {
            // Calls may arrive out of order; advance the bar only forwards.
            let done = done as u64;
            let before = reported.fetch_max(done, Ordering::Relaxed);
            if done > before
                && let Ok(mut phase) = phase.lock()
            {
                phase.inc(done - before);
            }
        })
        .map_err(dense_error)?;
    if let Ok(phase) = phase.into_inner() {
        phase.finish();
    }
    let truncated = embeddings.iter().filter(|e| e.truncated).count() as u64;
    let dim = model.dim;
    let mut vectors = Vec::with_capacity(embeddings.len() * dim);
    for embedding in &embeddings {
        if embedding.vector.len() != dim {
            return Err(dense_error(format!(
                "the model returned {} dimensions, expected {dim}",
                embedding.vector.len()
            )));
        }
        vectors.extend_from_slice(&embedding.vector);
    }
    drop(embeddings);
    write_vectors(&root.join(VECTORS_FILE), &vectors)?;
    let (repaired, unreachable) =
        build_graph(&root.join(DENSE_DIR), &vectors, dim, options, progress)?;
    tracing::info!(
        passages = texts.len(),
        truncated,
        repaired,
        unreachable,
        "dense index built"
    );
    Ok(DenseConfig {
        model_id: model.id.clone(),
        model_sha256: model.onnx_sha256.clone(),
        tokenizer_sha256: model.tokenizer_sha256.clone(),
        dim,
        max_tokens: model.max_tokens,
        hnsw_m: options.m,
        hnsw_ef_construction: options.ef_construction,
        hnsw_ef_search: options.ef_search,
        distance: driftless_index::dense_config::DISTANCE_VERSION.to_string(),
        rrf_k: 60,
        truncated_passages: truncated,
        repaired_points: repaired,
        unreachable_points: unreachable,
    })
}

fn copy_model(model: &ModelFiles, to: &Path) -> Result<(), IngestError> {
    std::fs::create_dir_all(to).map_err(io_error(to))?;
    for name in ["model.onnx", "tokenizer.json", "model.json"] {
        let from = model.dir.join(name);
        std::fs::copy(&from, to.join(name)).map_err(io_error(&from))?;
    }
    Ok(())
}

fn write_vectors(path: &Path, vectors: &[f32]) -> Result<(), IngestError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let bytes: Vec<u8> = vectors.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).map_err(io_error(path))
}

/// Serial insertion, self-check, repair, dump. Returns (repaired, still unreachable).
fn build_graph(
    dir: &Path,
    vectors: &[f32],
    dim: usize,
    options: &DenseOptions,
    progress: Progress,
) -> Result<(u64, u64), IngestError> {
    let n = vectors.len() / dim;
    let mut hnsw: Hnsw<'_, f32, UnitDot> =
        Hnsw::new(options.m, n.max(1), 16, options.ef_construction, UnitDot);
    let mut phase = Phase::start(progress, "hnsw", Some(n as u64));
    for (id, vector) in vectors.chunks_exact(dim).enumerate() {
        hnsw.insert_slice((vector, id));
        phase.inc(1);
    }
    phase.finish();
    hnsw.set_searching_mode(true);
    let lost = |hnsw: &Hnsw<'_, f32, UnitDot>, ids: &[usize]| -> Vec<usize> {
        ids.iter()
            .copied()
            .filter(|&id| {
                !hnsw
                    .search(&vectors[id * dim..(id + 1) * dim], 10, options.ef_search)
                    .iter()
                    .any(|nb| nb.d_id == id)
            })
            .collect()
    };
    let all: Vec<usize> = (0..n).collect();
    let missing = lost(&hnsw, &all);
    let repaired = missing.len() as u64;
    let mut still = missing;
    for _round in 0..3 {
        if still.is_empty() {
            break;
        }
        hnsw.set_searching_mode(false);
        for &id in &still {
            hnsw.insert_slice((&vectors[id * dim..(id + 1) * dim], id));
        }
        hnsw.set_searching_mode(true);
        still = lost(&hnsw, &still);
    }
    let name = hnsw.file_dump(dir, HNSW_BASENAME).map_err(dense_error)?;
    if name != HNSW_BASENAME {
        return Err(dense_error(format!(
            "hnsw_rs dumped under {name:?} instead of {HNSW_BASENAME:?}; the dense directory was not empty"
        )));
    }
    Ok((repaired, still.len() as u64))
}
