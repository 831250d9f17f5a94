//! Read side of a driftless snapshot: open and verify it, answer BM25 search with
//! configurable k1/b, build snippets, fetch document text windows and term statistics.
//!
//! ```no_run
//! use driftless_index::Snapshot;
//! use driftless_api::SearchRequest;
//!
//! let snapshot = Snapshot::open(std::path::Path::new("snapshots/default"))?;
//! let response = snapshot.search(&SearchRequest::new("create index concurrently"))?;
//! for hit in response.results {
//!     println!("{} {} {}", hit.rank, hit.url, hit.score);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod analyzer;
mod ann_recall;
pub mod bm25;
pub mod dense;
pub mod dense_config;
mod dense_filter;
pub mod english;
mod error;
mod exhaustive;
mod explain;
mod fetch;
mod filter;
pub mod fusion;
mod hits;
pub mod ivf;
mod maxscore;
mod maxscore_daat;
mod maxscore_window;
pub mod passage_export;
pub mod query;
pub mod ranking;
pub mod schema;
mod search;
pub mod segments;
mod snapshot;
pub mod snippet;
pub mod sq8;
pub mod term_filter;
mod term_scorer;
mod topk;
pub mod vector_store;
mod verify;

use std::path::Path;

pub use ann_recall::{AnnRecallReport, AnnSettings};
/// Where ONNX Runtime and the model are looked for (one lookup for every command); re-exported
/// so that callers of this crate need no direct dependency on the embedder.
pub use driftless_embed::{
    ORT_FILE, ORT_LIB_ENV, default_model_dir, default_ort_library, set_ort_library, user_cache_dir,
    user_models_dir,
};
pub use error::{IndexError, InternalError, OpenError, UserError};
pub use fetch::{MAX_STATS_TERM_CHARS, MAX_STATS_TERMS};
pub use hits::HitTexts;
pub use snapshot::Snapshot;
pub use verify::file_checksum;

/// Options for [`Snapshot::open_with`].
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// ONNX Runtime library for query embedding (snapshots with a dense index).
    pub ort_library: std::path::PathBuf,
    /// Recompute every file's sha256 and compare with the manifest.
    pub verify_checksums: bool,
    /// Re-run the canary queries and compare with the answers recorded at build time.
    pub verify_canaries: bool,
    /// Start a dense snapshot's query encoder (ONNX Runtime) while opening, so that a server
    /// refuses to become ready without it. Off by default: the encoder then starts on the
    /// first dense or hybrid query, and BM25-only use never needs the runtime.
    pub start_dense_encoder: bool,
    /// Dense and hybrid queries with operators (`site:`, phrases, exclusions) that at most
    /// this many passages can pass are answered by an exact scan of those passages instead of
    /// a filtered HNSW search (dense_filter.rs); like qdrant's `full_scan_threshold`.
    pub filtered_full_scan: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            ort_library: driftless_embed::default_ort_library(),
            verify_checksums: true,
            verify_canaries: true,
            start_dense_encoder: false,
            filtered_full_scan: dense_filter::DEFAULT_FILTERED_FULL_SCAN,
        }
    }
}

impl Snapshot {
    /// Opens `dir`, verifying checksums and canaries.
    pub fn open(dir: &Path) -> Result<Self, OpenError> {
        Self::open_with(dir, &OpenOptions::default())
    }

    /// Opens `dir` with explicit verification options.
    pub fn open_with(dir: &Path, options: &OpenOptions) -> Result<Self, OpenError> {
        if options.verify_checksums {
            // Checksums first: a damaged file must be named, not crash the index reader.
            let manifest = Self::read_manifest(dir)?;
            verify::verify_checksums(dir, &manifest.files)?;
        }
        let mut snapshot = Self::load(dir, &options.ort_library)?;
        if let Some(dense) = snapshot.dense.as_mut() {
            dense.filtered_full_scan = options.filtered_full_scan;
        }
        if options.verify_canaries {
            snapshot.verify_canaries()?;
        }
        if options.start_dense_encoder {
            snapshot
                .start_dense_encoder()
                .map_err(|e| OpenError::Index {
                    path: dir.join(dense_config::MODEL_DIR).display().to_string(),
                    message: e.to_string(),
                })?;
        }
        Ok(snapshot)
    }
}
