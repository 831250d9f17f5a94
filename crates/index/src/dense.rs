//! Dense retrieval: query embedding, the approximate index (HNSW by hnsw_rs, or IVF for large
//! corpora, see `ivf.rs`) and the exact scan both are measured against. Vectors are
//! L2-normalised, so the score is the dot product (cosine).
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use driftless_embed::{Embedder, ModelFiles};
use hnsw_rs::hnswio::HnswIo;
use hnsw_rs::prelude::{Distance, Hnsw};

use crate::dense_config::{
    DENSE_DIR, DISTANCE_VERSION, DenseConfig, HNSW_BASENAME, MODEL_DIR, VECTORS_FILE,
};
use crate::error::{InternalError, OpenError};
use crate::ivf::{Ivf, IvfScan};
use crate::ranking::rank_pairs;
use crate::vector_store::VectorStore;

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
    vectors: VectorStore,
    pub(crate) ann: Ann,
    /// See [`crate::OpenOptions::filtered_full_scan`].
    pub(crate) filtered_full_scan: usize,
    /// The query encoder, started on the first dense query (or by [`DenseIndex::encoder`]):
    /// BM25-only users of a dense snapshot never need ONNX Runtime.
    embedder: OnceLock<Embedder>,
    /// Serialises the first start, so two concurrent first queries build one session.
    embedder_start: Mutex<()>,
    model: ModelFiles,
    ort_library: PathBuf,
}

/// The approximate index of a snapshot.
pub(crate) enum Ann {
    /// Graph search with a fixed beam (`hnsw_ef_search`).
    Hnsw(Hnsw<'static, f32, UnitDot>),
    /// Inverted lists with a fixed number of lists probed (`ivf.probe`).
    Ivf(Ivf),
}

impl std::fmt::Debug for DenseIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseIndex")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Dot product in a fixed order (same bits on every run of the same binary).
///
/// Sixteen independent partial sums in a fixed order, then a fixed pairwise reduction. The
/// order of additions is spelled out by the code (Rust never reassociates floats nor fuses a
/// multiply-add by itself), so the result is the same bits on every x86-64/aarch64 machine,
/// while the independent lanes let LLVM use SIMD registers: a plain `.sum()` is one serial
/// chain of 384 dependent adds, about 6x slower, and this function is most of an HNSW query.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut acc = [0.0f32; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for lane in 0..LANES {
            acc[lane] += ca[lane] * cb[lane];
        }
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for lane in 0..width {
            acc[lane] += acc[lane + width];
        }
    }
    acc[0] + tail
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
        if config.distance != DISTANCE_VERSION {
            return Err(fail(
                "manifest.json",
                format!(
                    "the dense index was built with similarity `{}` but this driftless uses `{DISTANCE_VERSION}`; rebuild the snapshot with this version (`driftless build --dense …`)",
                    if config.distance.is_empty() {
                        "unit-dot/v1"
                    } else {
                        &config.distance
                    }
                ),
            ));
        }
        let dense_dir = dir.join(DENSE_DIR);
        let vectors_name = VECTORS_FILE.trim_start_matches("dense/");
        let vectors = VectorStore::open(&dense_dir, vectors_name, config.dim)
            .map_err(|e| fail(VECTORS_FILE, e))?;
        if vectors.len() != passages {
            return Err(fail(
                VECTORS_FILE,
                format!(
                    "{} vectors for {passages} passages of {} dimensions",
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
        // The manifest states how queries are encoded; the model.json beside the model must
        // say the same, or queries would be embedded unlike the passages.
        if model.pooling != config.pooling
            || model.query_prefix != config.query_prefix
            || model.passage_prefix != config.passage_prefix
        {
            return Err(fail(
                MODEL_DIR,
                "model.json's pooling or prefixes differ from the manifest".into(),
            ));
        }
        let ann = match &config.ivf {
            Some(ivf) => Ann::Ivf(
                Ivf::open(&dense_dir, ivf, config.dim, passages).map_err(|e| fail(DENSE_DIR, e))?,
            ),
            None => {
                // hnsw_rs returns a graph that borrows its loader; the loader lives as long as
                // the process (one per opened snapshot), which is what a server does anyway.
                let loader: &'static mut HnswIo =
                    Box::leak(Box::new(HnswIo::new(&dense_dir, HNSW_BASENAME)));
                Ann::Hnsw(
                    loader
                        .load_hnsw::<f32, UnitDot>()
                        .map_err(|e| fail("dense/hnsw.hnsw.graph", e.to_string()))?,
                )
            }
        };
        Ok(Self {
            config,
            vectors,
            ann,
            filtered_full_scan: crate::dense_filter::DEFAULT_FILTERED_FULL_SCAN,
            embedder: OnceLock::new(),
            embedder_start: Mutex::new(()),
            model,
            ort_library: ort_library.to_path_buf(),
        })
    }

    /// The query encoder, loading ONNX Runtime on first use. A server calls it at start-up
    /// so that a missing runtime stops it there instead of failing its first dense query.
    pub fn encoder(&self) -> Result<&Embedder, InternalError> {
        if let Some(embedder) = self.embedder.get() {
            return Ok(embedder);
        }
        let _start = self
            .embedder_start
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(embedder) = self.embedder.get() {
            return Ok(embedder);
        }
        let embedder = Embedder::new(&self.model, &self.ort_library, 1)
            .map_err(|e| InternalError::Setup(format!("the query encoder cannot start: {e}")))?;
        Ok(self.embedder.get_or_init(|| embedder))
    }

    /// Embeds a query with the model's query prefix (alone, one intra-op thread: the same
    /// bits every time).
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, InternalError> {
        self.encoder()?
            .embed_query(text)
            .map(|e| e.vector)
            .map_err(|e| InternalError::Corrupt(format!("query embedding failed: {e}")))
    }

    /// Passage vector by ordinal.
    pub fn vector(&self, ord: u32) -> &[f32] {
        self.vectors.get(ord)
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// The memory-mapped passage vectors.
    pub fn vectors(&self) -> &VectorStore {
        &self.vectors
    }

    /// True when the index holds no vectors.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Exact top `limit` by brute force, ranked by (score desc, ordinal asc).
    pub fn exact(&self, query: &[f32], limit: usize) -> Vec<DenseHit> {
        // One pass over the mapped rows (the hot loop of dense_exact: no per-row lookup).
        let mut all: Vec<DenseHit> = self
            .vectors
            .as_slice()
            .chunks_exact(self.config.dim)
            .enumerate()
            .map(|(ord, vector)| (ord as u32, dot(query, vector)))
            .collect();
        rank_pairs(&mut all, limit);
        all
    }

    /// Approximate top `limit` with the snapshot's fixed effort (HNSW beam or IVF lists).
    pub fn ann(&self, query: &[f32], limit: usize) -> Vec<DenseHit> {
        self.ann_with_ef(query, limit, self.default_effort())
    }

    /// The snapshot's search effort: HNSW's beam, or the IVF lists probed.
    pub fn default_effort(&self) -> usize {
        match &self.config.ivf {
            Some(ivf) => ivf.probe,
            None => self.config.hnsw_ef_search,
        }
    }

    /// Approximate top `limit` with an explicit effort (evaluation of other settings): the
    /// beam for HNSW (widened to `limit`), the number of lists probed for IVF.
    pub fn ann_with_ef(&self, query: &[f32], limit: usize, ef: usize) -> Vec<DenseHit> {
        self.ann_with(query, limit, ef, self.rescore(None))
    }

    /// The SQ8 re-score factor a search uses: `wanted`, else the snapshot's; 0 (score every
    /// scanned vector in f32) for HNSW and for an IVF index without codes.
    pub fn rescore(&self, wanted: Option<usize>) -> usize {
        match &self.ann {
            Ann::Ivf(ivf) if ivf.rescore() > 0 => wanted.unwrap_or_else(|| ivf.rescore()),
            _ => 0,
        }
    }

    /// [`DenseIndex::ann_with_ef`] with an explicit SQ8 re-score factor (0: f32 scan).
    pub fn ann_with(
        &self,
        query: &[f32],
        limit: usize,
        ef: usize,
        rescore: usize,
    ) -> Vec<DenseHit> {
        match &self.ann {
            Ann::Hnsw(hnsw) => {
                let neighbours = hnsw.search(query, limit, ef.max(limit));
                self.rescored(query, neighbours, limit)
            }
            Ann::Ivf(ivf) => {
                let scan = IvfScan {
                    limit,
                    probe: ef,
                    rescore,
                };
                ivf.search(&self.vectors, query, scan, None)
            }
        }
    }

    /// HNSW's neighbours as ranked hits. Repaired points exist twice in the graph; keep one.
    /// Scores are recomputed from the stored vectors so that ANN and exact agree to the bit.
    pub(crate) fn rescored(
        &self,
        query: &[f32],
        neighbours: Vec<hnsw_rs::prelude::Neighbour>,
        limit: usize,
    ) -> Vec<DenseHit> {
        let mut seen = std::collections::HashSet::new();
        let mut hits: Vec<DenseHit> = neighbours
            .into_iter()
            .filter(|n| seen.insert(n.d_id))
            .map(|n| (n.d_id as u32, dot(query, self.vector(n.d_id as u32))))
            .collect();
        rank_pairs(&mut hits, limit);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum()
    }

    #[test]
    fn dot_matches_a_double_precision_reference() {
        // Lengths around the lane width, including remainders, and the model's 384.
        for len in [0, 1, 7, 15, 16, 17, 31, 33, 384, 385] {
            let a: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 97.0)
                .collect();
            let b: Vec<f32> = (0..len)
                .map(|i| ((i * 53 % 89) as f32 - 44.0) / 61.0)
                .collect();
            let got = f64::from(dot(&a, &b));
            let want = reference(&a, &b);
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "len {len}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn dot_is_symmetric_and_bit_stable() {
        let a: Vec<f32> = (0..384).map(|i| (i as f32 * 0.731).sin()).collect();
        let b: Vec<f32> = (0..384).map(|i| (i as f32 * 1.37).cos()).collect();
        assert_eq!(dot(&a, &b).to_bits(), dot(&b, &a).to_bits());
        assert_eq!(dot(&a, &b).to_bits(), dot(&a, &b).to_bits());
    }
}
