//! IVF (inverted file) approximate search: the dense index for corpora too large for HNSW.
//!
//! Why IVF at scale: hnsw_rs builds by serial insertion (~1,300 points/s here, so 2+ hours for
//! 10M and 4.5 for wiki-18's 21M) and keeps every vector and the graph on the heap (15 GB of
//! vectors alone at 10M). IVF clusters the vectors with fixed-seed spherical k-means at build
//! time (ingest's `ivf_build.rs`, parallel and reproducible), stores each cluster's passage
//! ordinals, and at query time scans the vectors of the `probe` clusters whose centroids are
//! nearest the query. Everything it reads is memory-mapped; the heap holds only the centroids.
//!
//! Files in `dense/`: `ivf.centroids.f32` (lists × dim unit vectors), `ivf.offsets.u64`
//! (lists + 1 little-endian offsets into the ordinals) and `ivf.ords.u32` (passage ordinals,
//! grouped by list, ascending inside each list so a scan walks the vectors file forwards).
//!
//! Determinism: lists are visited by (centroid score desc, list id asc); at least `probe`
//! lists are scanned and more while fewer than `limit` admitted passages were seen, so a
//! selective filter widens the search instead of returning short. Hits are ranked like every
//! other dense path (score to 4 decimals desc, ordinal asc), with scores from the same `dot`
//! as the exact scan, so an IVF hit and an exact hit agree to the bit.
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::directory::OwnedBytes;

use crate::dense::{DenseHit, dot, rank};
use crate::vector_store::{VectorStore, map_file};

/// Centroids, `lists × dim` little-endian f32.
pub const IVF_CENTROIDS: &str = "ivf.centroids.f32";
/// Offsets of each list in [`IVF_ORDS`], `lists + 1` little-endian u64.
pub const IVF_OFFSETS: &str = "ivf.offsets.u64";
/// Passage ordinals grouped by list, little-endian u32.
pub const IVF_ORDS: &str = "ivf.ords.u32";

/// What the manifest records about an IVF index (`build.dense.ivf`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IvfConfig {
    /// Number of lists (k-means clusters).
    pub lists: usize,
    /// Lists scanned per query by `mode=dense` (fixed per snapshot, like HNSW's beam).
    pub probe: usize,
    /// Lloyd iterations of the k-means.
    pub iterations: usize,
    /// Vectors the k-means was trained on (an evenly strided sample of the corpus).
    pub sample: usize,
    /// Largest list, in passages (a scan's worst case per list).
    pub largest_list: usize,
}

/// An opened IVF index.
pub struct Ivf {
    dim: usize,
    centroids: Vec<f32>,
    offsets: Vec<u64>,
    ords: OwnedBytes,
}

impl std::fmt::Debug for Ivf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ivf")
            .field("lists", &self.lists())
            .finish_non_exhaustive()
    }
}

impl Ivf {
    /// Opens the IVF files of `dense_dir` and checks them against the config and the vectors.
    pub fn open(
        dense_dir: &Path,
        config: &IvfConfig,
        dim: usize,
        passages: usize,
    ) -> Result<Self, String> {
        let centroids = VectorStore::open(dense_dir, IVF_CENTROIDS, dim)?;
        if centroids.len() != config.lists || config.lists == 0 {
            return Err(format!(
                "{IVF_CENTROIDS} holds {} centroids, the manifest says {} lists",
                centroids.len(),
                config.lists
            ));
        }
        let offsets: Vec<u64> = map_file(dense_dir, IVF_OFFSETS)?
            .as_slice()
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
            .collect();
        let ords = map_file(dense_dir, IVF_ORDS)?;
        check_lists(&offsets, config.lists, passages, ords.len())?;
        bytemuck::try_cast_slice::<u8, u32>(ords.as_slice())
            .map_err(|e| format!("{IVF_ORDS} cannot be viewed as u32: {e}"))?;
        let ivf = Self {
            dim,
            centroids: centroids.as_slice().to_vec(),
            offsets,
            ords,
        };
        // Every passage in exactly one list: a bitset over the ordinals (1.25 MB at 10M).
        let mut seen = vec![0u64; passages.div_ceil(64)];
        for &ord in ivf.all_ords() {
            let ord = ord as usize;
            if ord >= passages {
                return Err(format!("{IVF_ORDS} names passage {ord} of {passages}"));
            }
            let (word, bit) = (ord / 64, 1u64 << (ord % 64));
            if seen[word] & bit != 0 {
                return Err(format!("{IVF_ORDS} lists passage {ord} twice"));
            }
            seen[word] |= bit;
        }
        Ok(ivf)
    }

    /// Number of lists.
    pub fn lists(&self) -> usize {
        self.offsets.len() - 1
    }

    fn all_ords(&self) -> &[u32] {
        bytemuck::cast_slice(self.ords.as_slice())
    }

    /// The passage ordinals of list `list`.
    pub fn list(&self, list: usize) -> &[u32] {
        let (start, end) = (self.offsets[list] as usize, self.offsets[list + 1] as usize);
        &self.all_ords()[start..end]
    }

    /// Every list, nearest centroid first: (score desc, list id asc).
    pub fn lists_by_score(&self, query: &[f32]) -> Vec<u32> {
        let scores: Vec<f32> = self
            .centroids
            .chunks_exact(self.dim)
            .map(|centroid| dot(query, centroid))
            .collect();
        let mut order: Vec<u32> = (0..self.lists() as u32).collect();
        order.sort_by(|&a, &b| {
            scores[b as usize]
                .total_cmp(&scores[a as usize])
                .then(a.cmp(&b))
        });
        order
    }

    /// The top `limit` passages among those `admits` accepts (all when `None`), scanning at
    /// least `probe` lists and more until `limit` admitted passages were seen.
    pub fn search(
        &self,
        vectors: &VectorStore,
        query: &[f32],
        limit: usize,
        probe: usize,
        admits: Option<&dyn Fn(u32) -> bool>,
    ) -> Vec<DenseHit> {
        let mut hits: Vec<DenseHit> = Vec::new();
        for (visited, list) in self.lists_by_score(query).into_iter().enumerate() {
            if visited >= probe.max(1) && hits.len() >= limit {
                break;
            }
            for &ord in self.list(list as usize) {
                if admits.is_none_or(|admits| admits(ord)) {
                    hits.push((ord, dot(query, vectors.get(ord))));
                }
            }
            // Keep the candidate list short on long scans: only the best `limit` can win.
            if hits.len() > 8 * limit.max(64) {
                rank(&mut hits, limit);
            }
        }
        rank(&mut hits, limit);
        hits
    }
}

/// Offsets start at 0, never decrease, and end at the number of ordinals, which is the number
/// of passages (every passage is in exactly one list).
fn check_lists(
    offsets: &[u64],
    lists: usize,
    passages: usize,
    ord_bytes: usize,
) -> Result<(), String> {
    if offsets.len() != lists + 1 {
        return Err(format!(
            "{IVF_OFFSETS} holds {} offsets for {lists} lists",
            offsets.len()
        ));
    }
    if offsets[0] != 0 || offsets.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!("{IVF_OFFSETS} is not a rising sequence from 0"));
    }
    let total = offsets[lists] as usize;
    if total != passages || ord_bytes != 4 * passages {
        return Err(format!(
            "the lists hold {total} passages ({ord_bytes} bytes of ordinals) for {passages} vectors"
        ));
    }
    Ok(())
}
