//! The dense side of a build: embed every passage alone, store the vectors, build the
//! HNSW graph by serial insertion in passage order (reproducible; hnsw_rs' level RNG is
//! seeded and `parallel_insert` is not), check that every point finds itself, re-insert the
//! ones that don't (hnsw_rs issue #37), dump the graph.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use driftless_embed::{
    EmbedPool, Embedder, ModelFiles, Provider, default_model_dir, default_ort_library,
};
use driftless_index::dense::UnitDot;
use driftless_index::dense_config::{
    DENSE_DIR, DenseConfig, HNSW_BASENAME, MODEL_DIR, VECTORS_FILE,
};
use driftless_index::ivf::IvfCodes;
use driftless_index::vector_store::VectorStore;
use hnsw_rs::prelude::{AnnT, Hnsw};
use sha2::{Digest, Sha256};

use crate::progress::{Phase, Progress};
use crate::spool::{Spool, SpoolReader};
use crate::vectors;
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
    /// Where passages are embedded (queries are always embedded on the CPU).
    pub provider: Provider,
    /// HNSW neighbours per node.
    pub m: usize,
    /// HNSW construction beam.
    pub ef_construction: usize,
    /// HNSW search beam recorded for `mode=dense`.
    pub ef_search: usize,
    /// Import these passage vectors (`.npy`, `<f4`, `(passages, dim)`) instead of embedding;
    /// `model_dir` is then the query encoder they were made with.
    pub vectors: Option<PathBuf>,
    /// Passage ids of the `vectors` rows, one `doc_id#ordinal` per line; without it the rows
    /// must be in the build's passage order (doc_id order, then passage ordinal).
    pub vector_ids: Option<PathBuf>,
    /// Id column of a Parquet `vectors` file (default: the first of id, passage_id, docid,
    /// doc_id, _id).
    pub vector_id_column: Option<String>,
    /// List-of-float column of a Parquet `vectors` file (default: the only one).
    pub vector_column: Option<String>,
    /// Also write the passage vectors as `.npy` (and its ids file) here.
    pub export: Option<PathBuf>,
    /// The approximate index: HNSW, IVF, or by corpus size.
    pub ann: AnnChoice,
    /// IVF lists (default 4√passages).
    pub ivf_lists: Option<usize>,
    /// IVF lists probed per query (default lists/8, at least 8).
    pub ivf_probe: Option<usize>,
    /// How IVF scans its lists: SQ8 codes re-scored from f32 (the default), or f32 only.
    pub ivf_codes: IvfCodes,
}

/// Which approximate index a dense build writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnnChoice {
    /// HNSW below [`AnnChoice::AUTO_IVF_FROM`] passages, IVF from there on.
    #[default]
    Auto,
    /// HNSW (hnsw_rs): best recall and latency, but serial insertion (~1,300 points/s on
    /// 2 cores) and every vector and edge on the heap.
    Hnsw,
    /// IVF with fixed-seed k-means: parallel, reproducible build, memory-mapped at search.
    Ivf,
}

impl AnnChoice {
    /// Passages from which `Auto` builds IVF: HNSW would take ~6 min and 1 GB of heap per
    /// 500k passages here (benches/README.md).
    pub const AUTO_IVF_FROM: u64 = 500_000;

    /// Whether a build of `passages` writes IVF.
    pub fn ivf_for(self, passages: u64) -> bool {
        match self {
            Self::Auto => passages >= Self::AUTO_IVF_FROM,
            Self::Hnsw => false,
            Self::Ivf => true,
        }
    }
}

impl Default for DenseOptions {
    fn default() -> Self {
        Self {
            model_dir: default_model_dir(),
            ort_library: default_ort_library(),
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            provider: Provider::Cpu,
            m: 16,
            ef_construction: 100,
            ef_search: 128,
            vectors: None,
            vector_ids: None,
            vector_id_column: None,
            vector_column: None,
            export: None,
            ann: AnnChoice::Auto,
            ivf_lists: None,
            ivf_probe: None,
            ivf_codes: IvfCodes::Sq8 {
                rescore: crate::ivf_build::DEFAULT_RESCORE,
            },
        }
    }
}

impl DenseOptions {
    /// Uses the model in `dir`. When no ONNX Runtime library was found by the usual lookup
    /// (`--ort-library`, `DRIFTLESS_ORT_LIB`, beside `$DRIFTLESS_MODEL_DIR`, the user cache),
    /// the one corpus-tools/fetch-model.sh puts beside the model (`<dir>/../onnxruntime/`) is
    /// used, so `--model <dir>` alone works as `DRIFTLESS_MODEL_DIR=<dir>` does.
    pub fn set_model_dir(&mut self, dir: &Path) {
        // A shipped model's name (`paraphrase-MiniLM-L3-v2`) stands for its fetched directory.
        let dir = &driftless_embed::resolve_model_dir(dir);
        self.model_dir = dir.clone();
        let beside = dir
            .parent()
            .map(|parent| parent.join("onnxruntime").join(driftless_embed::ORT_FILE));
        if let Some(beside) = beside
            && !self.ort_library.is_file()
            && beside.is_file()
        {
            self.ort_library = beside;
        }
    }

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
        if let Some(lists) = self.ivf_lists
            && !(1..=crate::ivf_build::MAX_LISTS).contains(&lists)
        {
            return Err(IngestError::InvalidOption(format!(
                "IVF lists must be 1..={}, got {lists}",
                crate::ivf_build::MAX_LISTS
            )));
        }
        if let IvfCodes::Sq8 { rescore } = self.ivf_codes
            && !(1..=100).contains(&rescore)
        {
            return Err(IngestError::InvalidOption(format!(
                "the IVF SQ8 re-score factor must be 1..=100, got {rescore}"
            )));
        }
        if self.ivf_probe == Some(0) {
            return Err(IngestError::InvalidOption(
                "IVF lists probed must be at least 1".into(),
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
        let model = ModelFiles::load(&self.model_dir).map_err(dense_error)?;
        driftless_embed::ort_environment(&self.ort_library).map_err(dense_error)?;
        if let Some(file) = &self.vectors {
            let dim = vectors::dim_of(self, file)?;
            if dim != model.dim {
                return Err(dense_error(format!(
                    "--vectors have {dim} dimensions but the query encoder {} has {}: pass the --model the vectors were made with",
                    model.id, model.dim
                )));
            }
        }
        if let Some(ids) = &self.vector_ids
            && self.vectors.is_none()
        {
            return Err(IngestError::InvalidOption(format!(
                "vector ids {} given without --vectors",
                ids.display()
            )));
        }
        Ok(())
    }
}

pub(crate) fn dense_error(message: impl std::fmt::Display) -> IngestError {
    IngestError::Dense(message.to_string())
}

/// Passages embedded per batch: the texts of one batch are all a dense build holds.
const EMBED_BATCH: usize = 2048;

/// Builds `root/dense/` from the spooled passages (embedding them, or importing
/// `options.vectors`) and returns what the manifest records.
pub(crate) fn build_dense(
    root: &Path,
    spool: &Spool,
    options: &DenseOptions,
    progress: Progress,
) -> Result<DenseConfig, IngestError> {
    options.validate()?;
    let model = ModelFiles::load(&options.model_dir).map_err(dense_error)?;
    copy_model(&model, &root.join(MODEL_DIR))?;
    let dim = model.dim;
    let vectors_path = root.join(VECTORS_FILE);
    if let Some(parent) = vectors_path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let file = std::fs::File::create(&vectors_path).map_err(io_error(&vectors_path))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let truncated = match &options.vectors {
        None => embed_spool(&model, spool, options, progress, &mut out)?,
        Some(file) => {
            vectors::import_any(
                options,
                file,
                &root.join(DENSE_DIR),
                &spool.ids,
                dim,
                spool.count,
                &mut out,
            )?;
            count_truncated(&model, spool, options)?
        }
    };
    out.flush().map_err(io_error(&vectors_path))?;
    drop(out);
    let vectors_sha256 = file_sha256(&vectors_path)?;
    let (repaired, unreachable, ivf) = if options.ann.ivf_for(spool.count) {
        let lists = options
            .ivf_lists
            .unwrap_or_else(|| crate::ivf_build::default_lists(spool.count as usize));
        let probe = options
            .ivf_probe
            .unwrap_or_else(|| crate::ivf_build::default_probe(lists));
        let name = VECTORS_FILE.trim_start_matches("dense/");
        let params = crate::ivf_build::IvfParams {
            lists,
            probe,
            codes: options.ivf_codes,
        };
        let ivf = crate::ivf_build::build_ivf(
            &root.join(DENSE_DIR),
            name,
            dim,
            params,
            options.workers,
            progress,
        )?;
        (0, 0, Some(ivf))
    } else {
        let name = VECTORS_FILE.trim_start_matches("dense/");
        let vectors = VectorStore::open(&root.join(DENSE_DIR), name, dim)
            .map_err(|e| dense_error(format!("{}: {e}", vectors_path.display())))?;
        let (repaired, unreachable) = build_graph(
            &root.join(DENSE_DIR),
            vectors.as_slice(),
            dim,
            options,
            progress,
        )?;
        (repaired, unreachable, None)
    };
    if let Some(export) = &options.export {
        let rows = vectors::write_npy(export, &vectors_path, dim)?;
        let ids = vectors::ids_path(export);
        std::fs::copy(&spool.ids, &ids).map_err(io_error(&ids))?;
        tracing::info!(rows, npy = %export.display(), ids = %ids.display(), "vectors exported");
    }
    tracing::info!(
        passages = spool.count,
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
        pooling: model.pooling,
        query_prefix: model.query_prefix.clone(),
        passage_prefix: model.passage_prefix.clone(),
        // An IVF snapshot has no graph: its HNSW settings are 0, not settings it ignores.
        hnsw_m: if ivf.is_some() { 0 } else { options.m },
        hnsw_ef_construction: if ivf.is_some() {
            0
        } else {
            options.ef_construction
        },
        hnsw_ef_search: if ivf.is_some() { 0 } else { options.ef_search },
        distance: driftless_index::dense_config::DISTANCE_VERSION.to_string(),
        rrf_k: 60,
        truncated_passages: truncated,
        repaired_points: repaired,
        unreachable_points: unreachable,
        vectors_sha256,
        ivf,
        embed_provider: match (&options.vectors, options.provider) {
            (None, Provider::Cuda { .. }) => "cuda".into(),
            _ => String::new(),
        },
    })
}

/// Embeds every spooled passage in batches, appending the vectors to `out`; the number of
/// passages the model window truncated.
fn embed_spool(
    model: &ModelFiles,
    spool: &Spool,
    options: &DenseOptions,
    progress: Progress,
    out: &mut impl Write,
) -> Result<u64, IngestError> {
    let pool = EmbedPool::with_provider(
        model,
        &options.ort_library,
        options.workers,
        options.provider,
    )
    .map_err(dense_error)?;
    let dim = model.dim;
    let mut texts = SpoolReader::open(&spool.texts)?;
    let phase = Mutex::new(Phase::start(progress, "embedding", Some(spool.count)));
    let mut truncated = 0u64;
    let mut embedded = 0u64;
    loop {
        let batch = texts.next_batch(EMBED_BATCH)?;
        if batch.is_empty() {
            break;
        }
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        // Each text is embedded alone (no padding to a batch), so a vector does not depend
        // on its neighbours in the batch or on the number of workers.
        let embeddings = pool
            .embed_all(&refs, &|_| {
                if let Ok(mut phase) = phase.lock() {
                    phase.inc(1);
                }
            })
            .map_err(dense_error)?;
        for embedding in &embeddings {
            if embedding.vector.len() != dim {
                return Err(dense_error(format!(
                    "the model returned {} dimensions, expected {dim}",
                    embedding.vector.len()
                )));
            }
            truncated += u64::from(embedding.truncated);
            for v in &embedding.vector {
                out.write_all(&v.to_le_bytes())
                    .map_err(io_error(&spool.texts))?;
            }
        }
        embedded += embeddings.len() as u64;
    }
    if let Ok(phase) = phase.into_inner() {
        phase.finish();
    }
    if embedded != spool.count {
        return Err(dense_error(format!(
            "embedded {embedded} passages, the passage index has {}",
            spool.count
        )));
    }
    Ok(truncated)
}

/// Imported vectors: how many passages the query encoder's window would have truncated
/// (recorded as for an in-process build; the tokenizer alone decides it).
fn count_truncated(
    model: &ModelFiles,
    spool: &Spool,
    options: &DenseOptions,
) -> Result<u64, IngestError> {
    let embedder = Embedder::new(model, &options.ort_library, 1).map_err(dense_error)?;
    let mut texts = SpoolReader::open(&spool.texts)?;
    let mut truncated = 0u64;
    loop {
        let batch = texts.next_batch(EMBED_BATCH)?;
        if batch.is_empty() {
            return Ok(truncated);
        }
        for text in &batch {
            let tokens = embedder.count_tokens(text).map_err(dense_error)?;
            truncated += u64::from(tokens > model.max_tokens);
        }
    }
}

fn file_sha256(path: &Path) -> Result<String, IngestError> {
    let mut file = std::fs::File::open(path).map_err(io_error(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io_error(path))?;
    Ok(hex::encode(hasher.finalize()))
}

fn copy_model(model: &ModelFiles, to: &Path) -> Result<(), IngestError> {
    std::fs::create_dir_all(to).map_err(io_error(to))?;
    for name in ["model.onnx", "tokenizer.json", "model.json"] {
        let from = model.dir.join(name);
        std::fs::copy(&from, to.join(name)).map_err(io_error(&from))?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_dir_brings_the_runtime_beside_it_only_when_none_was_found() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let model = tmp.path().join("models/all-MiniLM-L6-v2-int8");
        let beside = tmp
            .path()
            .join("models/onnxruntime")
            .join(driftless_embed::ORT_FILE);
        std::fs::create_dir_all(beside.parent().expect("parent")).expect("dirs");
        std::fs::write(&beside, b"").expect("library stand-in");
        let mut options = DenseOptions {
            ort_library: tmp.path().join("missing.so"),
            ..DenseOptions::default()
        };
        options.set_model_dir(&model);
        assert_eq!(
            (options.model_dir.as_path(), options.ort_library.as_path()),
            (model.as_path(), beside.as_path())
        );

        let found = tmp.path().join("found.so");
        std::fs::write(&found, b"").expect("library stand-in");
        let mut options = DenseOptions {
            ort_library: found.clone(),
            ..DenseOptions::default()
        };
        options.set_model_dir(&model);
        assert_eq!(
            options.ort_library, found,
            "a library the lookup found is kept"
        );
    }
}
