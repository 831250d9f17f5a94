//! Write side of a driftless snapshot: corpus → snapshot directory (tantivy BM25 indexes over
//! documents and passages, the compressed document store, `manifest.json`).
//!
//! ```no_run
//! use driftless_ingest::{build, BuildOptions};
//! let summary = build(&BuildOptions::new("corpus/", "snapshots/mine"))?;
//! println!("{} documents, snapshot {}", summary.documents, summary.snapshot_id);
//! # Ok::<(), driftless_ingest::IngestError>(())
//! ```
#![warn(missing_docs)]

mod collect;
mod dense;
mod embed_resume;
mod embed_snapshot;
mod finalize;
mod ivf_build;
mod merge;
mod parquet_vector_columns;
mod parquet_vectors;
mod pass;
mod progress;
mod read_dir;
mod row_file;
mod rss;
mod segment_name;
mod shared;
mod spill;
mod spool;
mod vectors;
mod write;
mod zstd_file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use driftless_corpus::{Format, ReaderOptions, SplitterConfig};
use thiserror::Error;

pub use dense::{AnnChoice, DenseOptions};
/// Where a dense build embeds its passages (`DenseOptions::provider`).
pub use driftless_embed::Provider as EmbedProvider;
pub use driftless_index::ivf::IvfCodes;
pub use embed_snapshot::{
    DEFAULT_EMBED_BATCH, EmbedObserver, EmbedRun, EmbedSummary, embed_snapshot,
};
pub use ivf_build::DEFAULT_RESCORE;
pub use ivf_build::{default_lists as default_ivf_lists, default_probe as default_ivf_probe};
pub use progress::{Phase, Progress};
pub use vectors::{ids_path as vector_ids_path, read_npy_rows};

/// Documents buffered per sorted run: with the two tantivy budgets and the merge this keeps
/// a build near 1 GB whatever the corpus size (benches/README.md, scale).
pub const DEFAULT_RUN_BYTES: usize = 128 << 20;
/// tantivy indexing memory per index.
pub const DEFAULT_INDEX_MEMORY: usize = 256 << 20;
/// Segments of the shared layout's index: one merge per core of a 2-core machine.
pub const DEFAULT_SEGMENTS: usize = 2;
/// The most `--segments` accepts: each segment adds a term lookup to every query term.
pub const MAX_SEGMENTS: usize = 64;

/// Everything `driftless build` can be told.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Corpus file or directory.
    pub corpus: PathBuf,
    /// Corpus format.
    pub format: Format,
    /// Snapshot directory to create.
    pub out: PathBuf,
    /// Reader limits and flags.
    pub reader: ReaderOptions,
    /// Snapshot default BM25 k1 (Lucene/Pyserini's 0.9).
    pub bm25_k1: f32,
    /// Snapshot default BM25 b (Lucene/Pyserini's 0.4).
    pub bm25_b: f32,
    /// Passage budget in estimated model tokens.
    pub passage_max_tokens: u32,
    /// Replace `out` if it exists.
    pub overwrite: bool,
    /// Progress reporting.
    pub progress: Progress,
    /// Build the dense index too (embeddings + HNSW).
    pub dense: Option<DenseOptions>,
    /// Worker threads: 1 reads the corpus and writes the document index, then the passage
    /// index, one after the other; 2 or more read on a thread of their own and write both
    /// indexes at once; the shared layout's one index is written by all of them
    /// ([`PassageIndex::Auto`]). The snapshot is the same either way.
    pub threads: usize,
    /// Bytes of documents held before they are sorted and spilled to disk as a run.
    pub run_bytes: usize,
    /// tantivy indexing memory per index (a new segment is cut when it fills).
    pub index_memory: usize,
    /// Whether passages get an index of their own.
    pub passage_index: PassageIndex,
    /// Segments of the shared layout's index (consecutive documents each), merged at once
    /// on up to `threads` cores. Answers are the same for any value; the files are not, so
    /// it is part of the snapshot's identity.
    pub segments: usize,
}

/// Whether a build writes a passage index beside the document index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PassageIndex {
    /// One index for both units when every document is a single passage covering its whole
    /// text (passage corpora: wiki-18, MS MARCO passage), so each text is indexed once;
    /// a passage index of its own otherwise.
    #[default]
    Auto,
    /// Always a passage index of its own.
    Separate,
}

impl BuildOptions {
    /// Defaults for building `corpus` into `out`.
    pub fn new(corpus: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            corpus: corpus.into(),
            format: Format::Auto,
            out: out.into(),
            reader: ReaderOptions::default(),
            bm25_k1: 0.9,
            bm25_b: 0.4,
            passage_max_tokens: SplitterConfig::default().max_tokens as u32,
            overwrite: false,
            progress: Progress::Auto,
            dense: None,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            run_bytes: DEFAULT_RUN_BYTES,
            index_memory: DEFAULT_INDEX_MEMORY,
            passage_index: PassageIndex::Auto,
            segments: DEFAULT_SEGMENTS,
        }
    }
}

/// What a build did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuildSummary {
    /// The new snapshot's id.
    pub snapshot_id: String,
    /// Records read from the corpus (indexed + skipped).
    pub read: u64,
    /// Documents indexed.
    pub documents: u64,
    /// Passages indexed.
    pub passages: u64,
    /// Skipped records by reason.
    pub skipped: BTreeMap<String, u64>,
    /// A few skipped sources per reason, for the report.
    pub skipped_examples: BTreeMap<String, Vec<String>>,
    /// Bytes of clean text indexed.
    pub text_bytes: u64,
    /// Bytes of the snapshot on disk.
    pub snapshot_bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Peak resident memory of the building process (Linux `VmHWM`), when known. It counts
    /// touched pages of files the build maps too (page cache the kernel can drop).
    pub peak_rss_bytes: Option<u64>,
    /// Peak anonymous resident memory (`RssAnon`, sampled every 100 ms): heap and stacks,
    /// what the build itself needs.
    pub peak_anon_bytes: Option<u64>,
    /// Sorted runs the corpus was spilled into.
    pub runs: u64,
}

/// Why a build failed. Bad records are not errors: they are skipped and counted.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The corpus cannot be read at all.
    #[error(transparent)]
    Corpus(#[from] driftless_corpus::CorpusError),
    /// The output directory exists.
    #[error("{0} already exists; pass --force to replace it or choose another --out")]
    OutputExists(String),
    /// Nothing was indexable.
    #[error("no indexable documents in {corpus}: {detail}")]
    Empty {
        /// Corpus path.
        corpus: String,
        /// Skip counts.
        detail: String,
    },
    /// Invalid option.
    #[error("invalid build option: {0}")]
    InvalidOption(String),
    /// tantivy failed.
    #[error("indexing failed: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The dense index could not be built (model, runtime or graph).
    #[error("dense index: {0}")]
    Dense(String),
    /// The fresh snapshot would not open.
    #[error("the new snapshot does not open: {0}")]
    Verify(#[from] driftless_index::OpenError),
    /// An embedding run was told to stop; its rows so far are kept for a resumed run.
    #[error("embedding stopped after {done} of {total} passages; run it again to resume")]
    Stopped {
        /// Passages embedded and kept.
        done: u64,
        /// Passages in the snapshot.
        total: u64,
    },
    /// File system error.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// Path involved.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> IngestError + '_ {
    move |source| IngestError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Builds a snapshot. The output is written next to `out` and renamed into place at the
/// end, so an interrupted build never leaves a half snapshot under the final name.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, IngestError> {
    let started = Instant::now();
    driftless_index::bm25::Bm25Params {
        k1: options.bm25_k1,
        b: options.bm25_b,
    }
    .validate()
    .map_err(|(name, message)| IngestError::InvalidOption(format!("{name} {message}")))?;
    if !(32..=4096).contains(&options.passage_max_tokens) {
        return Err(IngestError::InvalidOption(format!(
            "passage budget must be 32..=4096 tokens, got {}",
            options.passage_max_tokens
        )));
    }
    if let Some(dense) = &options.dense {
        dense.validate()?;
        // Before reading the corpus: a missing model or runtime must not surface only after
        // minutes of BM25 indexing.
        dense.check_model()?;
    }
    if !(1..=256).contains(&options.threads) {
        return Err(IngestError::InvalidOption(format!(
            "threads must be 1..=256, got {}",
            options.threads
        )));
    }
    if !(1..=MAX_SEGMENTS).contains(&options.segments) {
        return Err(IngestError::InvalidOption(format!(
            "segments must be 1..={MAX_SEGMENTS}, got {}",
            options.segments
        )));
    }
    if options.out.exists() && !options.overwrite {
        return Err(IngestError::OutputExists(options.out.display().to_string()));
    }
    let sampler = rss::AnonSampler::start();
    let staging = staging_dir(&options.out);
    if staging.exists() {
        // A build that was killed leaves its staging directory; nothing in it can be
        // trusted, so the build restarts from the corpus.
        tracing::warn!(staging = %staging.display(), "removing the files of an interrupted build; the build restarts from the corpus");
        std::fs::remove_dir_all(&staging).map_err(io_error(&staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(io_error(&staging))?;
    let built = build_into(&staging, options);
    if built.is_err() {
        // A failed build leaves nothing behind: no empty or half `<out>.building/`.
        let _ = std::fs::remove_dir_all(&staging);
    }
    let (snapshot_id, written, runs) = built?;

    if options.out.exists() {
        std::fs::remove_dir_all(&options.out).map_err(io_error(&options.out))?;
    }
    std::fs::rename(&staging, &options.out).map_err(io_error(&options.out))?;
    let snapshot_bytes = finalize::dir_size(&options.out);
    let outcome = written.outcome;
    Ok(BuildSummary {
        snapshot_id,
        read: outcome.tally.read,
        documents: outcome.documents,
        passages: written.passages,
        skipped: outcome.tally.skipped,
        skipped_examples: outcome.tally.skipped_examples,
        text_bytes: outcome.text_bytes,
        snapshot_bytes,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: rss::peak_rss_bytes(),
        peak_anon_bytes: sampler.finish(),
        runs,
    })
}

/// Reads, indexes and finalizes into `staging`: the snapshot id, what was written and the
/// number of sorted runs. The runs and the passage spool live in `staging/.work/`, which
/// is gone before the manifest lists the files.
fn build_into(
    staging: &Path,
    options: &BuildOptions,
) -> Result<(String, write::Written, u64), IngestError> {
    let work = staging.join(".work");
    std::fs::create_dir_all(&work).map_err(io_error(&work))?;
    let spilled = collect::spill(options, &work)?;
    tracing::info!(records = spilled.records, runs = spilled.runs.len(), skipped = ?spilled.tally.skipped, "corpus read");
    let mut written = write::write_indexes(staging, &work, &spilled, options)?;
    merge::remove_runs(&spilled.runs)?;
    if written.outcome.documents == 0 {
        return Err(IngestError::Empty {
            corpus: options.corpus.display().to_string(),
            detail: format!(
                "read {} records, skipped {:?}",
                written.outcome.tally.read, written.outcome.tally.skipped
            ),
        });
    }
    if let (Some(dense), Some(spool)) = (&options.dense, &written.spool) {
        written.dense = Some(dense::build_dense(staging, spool, dense, options.progress)?);
    }
    std::fs::remove_dir_all(&work).map_err(io_error(&work))?;
    let snapshot_id = finalize::finalize(staging, spilled.format, &written, options)?;
    Ok((snapshot_id, written, spilled.runs.len() as u64))
}

fn staging_dir(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "snapshot".into());
    name.push(".building");
    out.with_file_name(name)
}
