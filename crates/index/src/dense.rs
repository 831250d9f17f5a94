//! Dense retrieval: query embedding, HNSW (hnsw_rs) and the exact scan it is measured
//! against. Vectors are L2-normalised, so the score is the dot product (cosine).
use std::path::Path;

use driftless_embed::{Embedder, ModelFiles};
use hnsw_rs::hnswio::HnswIo;
use hnsw_rs::prelude::{Distance, Hnsw};

use crate::dense_config::{DenseConfig, HNSW_BASENAME, MODEL_DIR, VECTORS_FILE};
use crate::error::{InternalError, OpenError};

/// `1 − dot` for unit vectors. anndists' `DistDot` asserts `dot ≤ 1`, which rounding breaks
/// for a vector against itself (1.0000001), aborting a build; this one clamps at 0 instead.
#[derive(Debug, Default, Clone, Copy)]
pub struct UnitDot;

impl Distance<f32> for UnitDot {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - dot(a, b)).max(0.0)
    }
}

/// A passage ordinal with its similarity.
pub type DenseHit = (u32, f32);

/// The dense side of a snapshot.
pub struct DenseIndex {
    /// Settings from the manifest.
    pub config: DenseConfig,
    vectors: Vec<f32>,
    hnsw: Hnsw<'static, f32, UnitDot>,
    embedder: Embedder,
}

impl std::fmt::Debug for DenseIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseIndex")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Reads little-endian f32s.
pub fn read_vectors(path: &Path) -> Result<Vec<f32>, std::io::Error> {
    let bytes = std::fs::read(path)?;
    if bytes.len() % 4 != 0 {
        return Err(std::io::Error::other(
            "vector file length is not a multiple of 4",
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Dot product in a fixed order (same bits on every run of the same binary).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl DenseIndex {
    /// Opens the dense files of `dir` and the query encoder (ONNX Runtime at `ort_library`).
    pub fn open(
        dir: &Path,
        config: DenseConfig,
        passages: usize,
        ort_library: &Path,
    ) -> Result<Self, OpenError> {
        let fail = |path: &str, message: String| OpenError::Index {
            path: dir.join(path).display().to_string(),
            message,
        };
        let vectors =
            read_vectors(&dir.join(VECTORS_FILE)).map_err(|e| fail(VECTORS_FILE, e.to_string()))?;
        if vectors.len() != passages * config.dim {
            return Err(fail(
                VECTORS_FILE,
                format!(
                    "{} floats for {passages} passages of {} dimensions",
                    vectors.len(),
                    config.dim
                ),
            ));
        }
        let model =
            ModelFiles::load(&dir.join(MODEL_DIR)).map_err(|e| fail(MODEL_DIR, e.to_string()))?;
        if model.onnx_sha256 != config.model_sha256 {
            return Err(fail(
                MODEL_DIR,
                "model digest differs from the manifest".into(),
            ));
        }
        let embedder =
            Embedder::new(&model, ort_library, 1).map_err(|e| fail(MODEL_DIR, e.to_string()))?;
        // hnsw_rs returns a graph that borrows its loader; the loader lives as long as the
        // process (one per opened snapshot), which is what a server does anyway.
        let loader: &'static mut HnswIo = Box::leak(Box::new(HnswIo::new(
            &dir.join(crate::dense_config::DENSE_DIR),
            HNSW_BASENAME,
        )));
        let hnsw = loader
            .load_hnsw::<f32, UnitDot>()
            .map_err(|e| fail("dense/hnsw.hnsw.graph", e.to_string()))?;
        Ok(Self {
            config,
            vectors,
            hnsw,
            embedder,
        })
    }

    /// Embeds a query (alone, one intra-op thread: the same bits every time).
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, InternalError> {
        self.embedder
            .embed(text)
            .map(|e| e.vector)
            .map_err(|e| InternalError::Corrupt(format!("query embedding failed: {e}")))
    }

    /// Passage vector by ordinal.
    pub fn vector(&self, ord: u32) -> &[f32] {
        let d = self.config.dim;
        &self.vectors[ord as usize * d..(ord as usize + 1) * d]
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.vectors.len() / self.config.dim.max(1)
    }

    /// True when the index holds no vectors.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Exact top `limit` by brute force, ranked by (score desc, ordinal asc).
    pub fn exact(&self, query: &[f32], limit: usize) -> Vec<DenseHit> {
        let mut all: Vec<DenseHit> = (0..self.len() as u32)
            .map(|ord| (ord, dot(query, self.vector(ord))))
            .collect();
        rank(&mut all, limit);
        all
    }

    /// Approximate top `limit` from HNSW with the snapshot's fixed beam (widened to `limit`).
    pub fn ann(&self, query: &[f32], limit: usize) -> Vec<DenseHit> {
        self.ann_with_ef(query, limit, self.config.hnsw_ef_search)
    }

    /// Approximate top `limit` with an explicit beam (evaluation of other settings).
    pub fn ann_with_ef(&self, query: &[f32], limit: usize, ef: usize) -> Vec<DenseHit> {
        let ef = ef.max(limit);
        let mut seen = std::collections::HashSet::new();
        let mut hits: Vec<DenseHit> = self
            .hnsw
            .search(query, limit, ef)
            .into_iter()
            // Repaired points exist twice in the graph; keep one. Scores are recomputed from
            // the stored vectors so that ANN and exact agree to the bit.
            .filter(|n| seen.insert(n.d_id))
            .map(|n| (n.d_id as u32, dot(query, self.vector(n.d_id as u32))))
            .collect();
        rank(&mut hits, limit);
        hits
    }
}

/// Sorts by (score rounded to 4 decimals desc, ordinal asc) and truncates.
pub fn rank(hits: &mut Vec<DenseHit>, limit: usize) {
    let key = |h: &DenseHit| (std::cmp::Reverse(crate::bm25::quantize(h.1)), h.0);
    if hits.len() > limit {
        hits.select_nth_unstable_by_key(limit, key);
        hits.truncate(limit);
    }
    hits.sort_by_key(key);
}
