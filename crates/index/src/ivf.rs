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
//! With `codes: sq8` (the default of a build), the lists are scanned through 8-bit codes
//! stored in list order (`sq8.rs`) and the best `rescore × limit` candidates are scored with
//! the f32 vectors; without, every scanned passage is scored from the f32 vectors.
//!
//! Determinism: lists are visited by (centroid score desc, list id asc); at least `probe`
//! lists are scanned and more while fewer than `limit` admitted passages were seen, so a
//! selective filter widens the search instead of returning short. Hits are ranked like every
//! other dense path (score to 4 decimals desc, ordinal asc), with scores from the same `dot`
//! as the exact scan, so an IVF hit and an exact hit agree to the bit.
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::directory::OwnedBytes;

use crate::dense::{DenseHit, dot};
use crate::ranking::rank_pairs as rank;
use crate::sq8::{Sq8Codes, score};
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
    /// How the lists are scanned. Absent (f32) in manifests written before SQ8 existed.
    #[serde(default, skip_serializing_if = "IvfCodes::is_f32")]
    pub codes: IvfCodes,
}

/// How an IVF index scans its lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum IvfCodes {
    /// Every scanned passage scored from the f32 vectors.
    #[default]
    F32,
    /// Scanned through 8-bit codes; the best `rescore × limit` (at least
    /// [`MIN_RESCORE`]) candidates are scored from the f32 vectors.
    Sq8 {
        /// Candidates re-scored per hit asked for.
        rescore: usize,
    },
}

/// One IVF search's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IvfScan {
    /// Hits wanted.
    pub limit: usize,
    /// Fewest lists scanned.
    pub probe: usize,
    /// SQ8 candidates re-scored per hit; 0 scans the f32 vectors.
    pub rescore: usize,
}

/// Fewest candidates an SQ8 scan re-scores, whatever the limit.
pub const MIN_RESCORE: usize = 64;

impl IvfCodes {
    fn is_f32(&self) -> bool {
        matches!(self, Self::F32)
    }
}

/// An opened IVF index.
pub struct Ivf {
    dim: usize,
    centroids: Vec<f32>,
    offsets: Vec<u64>,
    ords: OwnedBytes,
    /// The SQ8 codes and the re-score factor, when the index has them.
    sq8: Option<(Sq8Codes, usize)>,
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
        let sq8 = match config.codes {
            IvfCodes::F32 => None,
            IvfCodes::Sq8 { rescore } if rescore > 0 => {
                Some((Sq8Codes::open(dense_dir, dim, passages)?, rescore))
            }
            IvfCodes::Sq8 { .. } => return Err("the manifest's SQ8 re-score factor is 0".into()),
        };
        let ivf = Self {
            dim,
            centroids: centroids.as_slice().to_vec(),
            offsets,
            ords,
            sq8,
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

    /// The snapshot's SQ8 re-score factor (0 without codes).
    pub fn rescore(&self) -> usize {
        self.sq8.as_ref().map_or(0, |(_, rescore)| *rescore)
    }

    /// The top `scan.limit` passages among those `admits` accepts (all when `None`),
    /// scanning at least `scan.probe` lists and more until `limit` admitted passages were
    /// seen; through the SQ8 codes when the index has them and `scan.rescore` > 0.
    pub fn search(
        &self,
        vectors: &VectorStore,
        query: &[f32],
        scan: IvfScan,
        admits: Option<&dyn Fn(u32) -> bool>,
    ) -> Vec<DenseHit> {
        match &self.sq8 {
            Some((codes, _)) if scan.rescore > 0 => {
                let candidates = self.scan_codes(codes, query, scan, admits);
                let mut hits: Vec<DenseHit> = candidates
                    .into_iter()
                    .map(|(_, ord)| (ord, dot(query, vectors.get(ord))))
                    .collect();
                rank(&mut hits, scan.limit);
                hits
            }
            _ => self.scan_vectors(vectors, query, scan, admits),
        }
    }

    /// Every list's range in the ordinals, nearest centroid first (the caller stops).
    fn ranges(&self, query: &[f32]) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.lists_by_score(query).into_iter().map(|list| {
            (
                self.offsets[list as usize] as usize,
                self.offsets[list as usize + 1] as usize,
            )
        })
    }

    fn scan_vectors(
        &self,
        vectors: &VectorStore,
        query: &[f32],
        IvfScan { limit, probe, .. }: IvfScan,
        admits: Option<&dyn Fn(u32) -> bool>,
    ) -> Vec<DenseHit> {
        let mut hits: Vec<DenseHit> = Vec::new();
        for (visited, (start, end)) in self.ranges(query).enumerate() {
            if visited >= probe.max(1) && hits.len() >= limit {
                break;
            }
            for &ord in &self.all_ords()[start..end] {
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

    /// The best `rescore × limit` (at least [`MIN_RESCORE`]) admitted passages by SQ8
    /// score, as (score, ordinal), cut by (score desc, ordinal asc): a total order, so the
    /// set is the same however it is cut.
    fn scan_codes(
        &self,
        codes: &Sq8Codes,
        query: &[f32],
        IvfScan {
            limit,
            probe,
            rescore,
        }: IvfScan,
        admits: Option<&dyn Fn(u32) -> bool>,
    ) -> Vec<(i32, u32)> {
        let depth = limit.saturating_mul(rescore).max(MIN_RESCORE);
        let weights = codes.sq8.weights(query);
        let mut candidates: Vec<(i32, u32)> = Vec::new();
        let mut admitted = 0usize;
        // Once `depth` candidates are kept, one scoring below the worst of them cannot enter.
        let mut floor = i32::MIN;
        for (visited, (start, end)) in self.ranges(query).enumerate() {
            if visited >= probe.max(1) && admitted >= limit {
                break;
            }
            let ords = &self.all_ords()[start..end];
            let rows = codes.rows(start, end).chunks_exact(self.dim);
            for (&ord, code) in ords.iter().zip(rows) {
                if admits.is_none_or(|admits| admits(ord)) {
                    admitted += 1;
                    let score = score(&weights, code);
                    if score >= floor {
                        candidates.push((score, ord));
                    }
                }
            }
            if candidates.len() > 8 * depth {
                floor = keep_best(&mut candidates, depth);
            }
        }
        keep_best(&mut candidates, depth);
        candidates
    }
}

/// Keeps the `depth` best candidates by (score desc, ordinal asc); returns the lowest score
/// kept (`i32::MIN` while fewer than `depth` are held).
fn keep_best(candidates: &mut Vec<(i32, u32)>, depth: usize) -> i32 {
    let key = |c: &(i32, u32)| (std::cmp::Reverse(c.0), c.1);
    if candidates.len() > depth {
        candidates.select_nth_unstable_by_key(depth, key);
        candidates.truncate(depth);
    }
    if candidates.len() < depth {
        return i32::MIN;
    }
    candidates.iter().map(|c| c.0).min().unwrap_or(i32::MIN)
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
