//! Builds the IVF index (see driftless-index's `ivf.rs`): spherical k-means with a fixed,
//! data-independent start, then every vector assigned to its nearest centroid.
//!
//! Reproducible on any number of threads: the training sample is an even stride over the
//! passage order, the start centroids an even stride over the sample, every assignment is a
//! pure function of one vector and the centroids (ties to the lower list id), and the
//! centroid sums run serially in sample order in f64. Threads only split the assignments,
//! in fixed chunks whose results are put back by chunk index.
//!
//! Cost: (sample × lists × iterations + passages × lists) dot products of `dim`. With the
//! defaults (lists = 4√n, sample = 40 × lists, 10 iterations) that is about 4·10¹² multiply-
//! adds at 1M passages and 7·10¹³ at 10M (benches/README.md has the measured times), against
//! hours and days for HNSW's serial insertion. Vectors are read from the memory-mapped file,
//! never loaded.
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use driftless_index::dense::dot;
use driftless_index::ivf::{IVF_CENTROIDS, IVF_OFFSETS, IVF_ORDS, IvfCodes, IvfConfig};
use driftless_index::sq8::{IVF_CODES, IVF_SQ8, Sq8};
use driftless_index::vector_store::VectorStore;

use crate::progress::{Phase, Progress};
use crate::{IngestError, io_error};

/// Most lists an index may have (the centroid scan of a query stays under a millisecond).
pub const MAX_LISTS: usize = 65_536;
/// Training vectors per list: FAISS warns below 39 and trains on at most 256.
const SAMPLE_PER_LIST: usize = 40;
/// Lloyd iterations (FAISS's default for IVF training is 10).
pub const ITERATIONS: usize = 10;
/// Vectors scored against each centroid while it is in L1 cache: the centroids of a large
/// index (4,000 × 1.5 KB = 6 MB at 1M passages) do not fit in L2, so scoring one vector
/// against all of them would stream them from L3 for every vector.
const BLOCK: usize = 32;
/// Vectors per assignment chunk (the unit handed to a thread).
const CHUNK: usize = 4096;

/// Candidates per hit an SQ8 scan re-scores from the f32 vectors by default (see
/// benches/README.md for the recall at other factors).
pub const DEFAULT_RESCORE: usize = 8;

/// The default number of lists for `n` vectors: 4√n, as FAISS recommends (4√n to 16√n).
pub fn default_lists(n: usize) -> usize {
    ((4.0 * (n as f64).sqrt()).round() as usize).clamp(1, MAX_LISTS)
}

/// The default lists probed: 1/8 of the lists, at least 8. On real MiniLM vectors of the
/// default corpus' PostgreSQL and git pages (22,960 passages, 606 lists) 1/32 gave recall@10
/// 0.87 and 1/10 gave 0.96 (benches/README.md); documentation text clusters loosely.
pub fn default_probe(lists: usize) -> usize {
    (lists / 8).max(8).min(lists)
}

/// What an IVF build is asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IvfParams {
    /// Lists (k-means clusters).
    pub lists: usize,
    /// Lists probed per query.
    pub probe: usize,
    /// Whether to write SQ8 codes.
    pub codes: IvfCodes,
}

/// Clusters the `n` vectors of `dense_dir/vectors_file` into `params.lists` lists and writes
/// the IVF files beside them.
pub(crate) fn build_ivf(
    dense_dir: &Path,
    vectors_file: &str,
    dim: usize,
    params: IvfParams,
    threads: usize,
    progress: Progress,
) -> Result<IvfConfig, IngestError> {
    let IvfParams {
        lists,
        probe,
        codes,
    } = params;
    let store = VectorStore::open(dense_dir, vectors_file, dim)
        .map_err(|e| IngestError::Dense(format!("{vectors_file}: {e}")))?;
    let n = store.len();
    let lists = lists.clamp(1, n.clamp(1, MAX_LISTS));
    let sample_len = n.min(SAMPLE_PER_LIST * lists);
    // An even stride over the passage order: reproducible, and it spreads over the corpus
    // (passages of one document are adjacent, so a prefix would be a few documents' worth).
    let sample: Vec<u32> = (0..sample_len)
        .map(|i| (i as u128 * n as u128 / sample_len.max(1) as u128) as u32)
        .collect();
    let mut centroids: Vec<f32> = (0..lists)
        .flat_map(|j| store.get(sample[j * sample_len / lists]).iter().copied())
        .collect();
    let mut phase = Phase::start(progress, "ivf k-means", Some(ITERATIONS as u64));
    for _ in 0..ITERATIONS {
        let assigned = assign(&store, &sample, &centroids, dim, threads);
        centroids = recentre(&store, &sample, &assigned, &centroids, dim);
        phase.inc(1);
    }
    phase.finish();
    let all: Vec<u32> = (0..n as u32).collect();
    let mut phase = Phase::start(progress, "ivf assign", Some(n as u64));
    let mut assigned = Vec::with_capacity(n);
    for block in all.chunks(CHUNK * 64) {
        assigned.extend(
            assign(&store, block, &centroids, dim, threads)
                .into_iter()
                .map(|a| a.0),
        );
        phase.inc(block.len() as u64);
    }
    phase.finish();
    let (offsets, ords) = group(&assigned, lists);
    let largest_list = offsets
        .windows(2)
        .map(|w| (w[1] - w[0]) as usize)
        .max()
        .unwrap_or(0);
    write_le(
        dense_dir,
        IVF_CENTROIDS,
        centroids.iter().map(|v| v.to_le_bytes()),
    )?;
    write_le(
        dense_dir,
        IVF_OFFSETS,
        offsets.iter().map(|v| v.to_le_bytes()),
    )?;
    write_le(dense_dir, IVF_ORDS, ords.iter().map(|v| v.to_le_bytes()))?;
    if let IvfCodes::Sq8 { .. } = codes {
        write_sq8(dense_dir, &store, &ords, progress)?;
    }
    tracing::info!(
        lists,
        probe,
        sample = sample_len,
        largest_list,
        "ivf index built"
    );
    Ok(IvfConfig {
        lists,
        probe: probe.clamp(1, lists),
        iterations: ITERATIONS,
        sample: sample_len,
        largest_list,
        codes,
    })
}

/// The SQ8 quantiser (fitted to every vector) and the codes, in the order of `ords`.
fn write_sq8(
    dense_dir: &Path,
    store: &VectorStore,
    ords: &[u32],
    progress: Progress,
) -> Result<(), IngestError> {
    let sq8 = Sq8::fit(store);
    let path = dense_dir.join(IVF_SQ8);
    std::fs::write(&path, sq8.to_bytes()).map_err(io_error(&path))?;
    let path = dense_dir.join(IVF_CODES);
    let file = std::fs::File::create(&path).map_err(io_error(&path))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut phase = Phase::start(progress, "ivf sq8 codes", Some(ords.len() as u64));
    let mut code = vec![0u8; store.dim()];
    for block in ords.chunks(CHUNK) {
        for &ord in block {
            sq8.encode(store.get(ord), &mut code);
            out.write_all(&code).map_err(io_error(&path))?;
        }
        phase.inc(block.len() as u64);
    }
    phase.finish();
    out.flush().map_err(io_error(&path))
}

/// Nearest centroid (list, score) of each vector in `ords`; threads take fixed chunks.
fn assign(
    store: &VectorStore,
    ords: &[u32],
    centroids: &[f32],
    dim: usize,
    threads: usize,
) -> Vec<(u32, f32)> {
    let chunks: Vec<&[u32]> = ords.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Vec<(u32, f32)>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.clamp(1, chunks.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = chunks.get(index) else {
                            break;
                        };
                        let best = chunk
                            .chunks(BLOCK)
                            .flat_map(|block| nearest_block(store, block, centroids, dim))
                            .collect();
                        done.push((index, best));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().flat_map(|(_, best)| best).collect()
}

/// For each vector of `block`, the list whose centroid has the largest dot product with it
/// (lower id on ties). Centroid-major, so each centroid is read once per block.
fn nearest_block(
    store: &VectorStore,
    block: &[u32],
    centroids: &[f32],
    dim: usize,
) -> Vec<(u32, f32)> {
    let vectors: Vec<&[f32]> = block.iter().map(|&ord| store.get(ord)).collect();
    let mut best = vec![(0u32, f32::NEG_INFINITY); block.len()];
    for (list, centroid) in centroids.chunks_exact(dim).enumerate() {
        for (vector, best) in vectors.iter().zip(best.iter_mut()) {
            let score = dot(vector, centroid);
            if score > best.1 {
                *best = (list as u32, score);
            }
        }
    }
    best
}

/// New centroids: the normalised mean of each list's sample vectors (f64, sample order). A
/// list left empty takes the sample vector its centroid fits worst, worst first, so no list
/// stays empty while some vector is far from every centroid.
fn recentre(
    store: &VectorStore,
    sample: &[u32],
    assigned: &[(u32, f32)],
    old: &[f32],
    dim: usize,
) -> Vec<f32> {
    let lists = old.len() / dim;
    let mut sums = vec![0f64; lists * dim];
    let mut counts = vec![0usize; lists];
    for (&ord, &(list, _)) in sample.iter().zip(assigned) {
        let list = list as usize;
        counts[list] += 1;
        for (acc, &v) in sums[list * dim..(list + 1) * dim]
            .iter_mut()
            .zip(store.get(ord))
        {
            *acc += f64::from(v);
        }
    }
    let mut worst: Vec<usize> = (0..sample.len()).collect();
    worst.sort_by(|&a, &b| assigned[a].1.total_cmp(&assigned[b].1).then(a.cmp(&b)));
    let mut donors = worst.into_iter();
    let mut centroids = vec![0f32; lists * dim];
    for list in 0..lists {
        let target = &mut centroids[list * dim..(list + 1) * dim];
        let sum = &sums[list * dim..(list + 1) * dim];
        let norm = sum.iter().map(|v| v * v).sum::<f64>().sqrt();
        if counts[list] > 0 && norm > 0.0 {
            for (t, s) in target.iter_mut().zip(sum) {
                *t = (s / norm) as f32;
            }
        } else if let Some(donor) = donors.next() {
            target.copy_from_slice(store.get(sample[donor]));
        } else {
            target.copy_from_slice(&old[list * dim..(list + 1) * dim]);
        }
    }
    centroids
}

/// Counting sort of passages by list: offsets (lists + 1) and ordinals ascending per list.
fn group(assigned: &[u32], lists: usize) -> (Vec<u64>, Vec<u32>) {
    let mut offsets = vec![0u64; lists + 1];
    for &list in assigned {
        offsets[list as usize + 1] += 1;
    }
    for i in 0..lists {
        offsets[i + 1] += offsets[i];
    }
    let mut cursor: Vec<u64> = offsets[..lists].to_vec();
    let mut ords = vec![0u32; assigned.len()];
    for (ord, &list) in assigned.iter().enumerate() {
        ords[cursor[list as usize] as usize] = ord as u32;
        cursor[list as usize] += 1;
    }
    (offsets, ords)
}

fn write_le<const N: usize>(
    dir: &Path,
    name: &str,
    values: impl Iterator<Item = [u8; N]>,
) -> Result<(), IngestError> {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).map_err(io_error(&path))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    for value in values {
        out.write_all(&value).map_err(io_error(&path))?;
    }
    out.flush().map_err(io_error(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_keeps_every_passage_once_in_ascending_order() {
        let (offsets, ords) = group(&[2, 0, 2, 1, 0], 4);
        assert_eq!(offsets, vec![0, 2, 3, 5, 5]);
        assert_eq!(ords, vec![1, 4, 3, 0, 2]);
    }

    #[test]
    fn default_sizes_follow_the_square_root() {
        assert_eq!(default_lists(1_000_000), 4000);
        assert_eq!(default_lists(0), 1);
        assert_eq!(default_probe(4000), 500);
        assert_eq!(default_probe(4), 4);
    }
}
