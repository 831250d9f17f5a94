//! Block-max bounds for MaxScore: for each run of 128 postings of a long list, the largest
//! share of a score any document of the run can get from that term.
//!
//! Why: MaxScore alone bounds a term by its weight over the whole list. At 10M passages a
//! two-word query of common words keeps its heavier term essential for the whole query, and
//! every one of its millions of postings is decoded, normed and compared: that was the 10M
//! p99 (benches/README.md, "Scale"). With a bound per run of postings, a stretch of documents
//! none of which can enter the top-k is skipped by seeking past it (tantivy's skip list),
//! as Lucene's block-max scorers and PISA's block-max MaxScore do.
//!
//! tantivy stores a block maximum too, but for its own fixed k1 = 1.2, b = 0.75; ours must
//! hold for the request's k1/b. So the bounds are computed here, once per (term, k1, b), from
//! the decoded postings and field norms, and cached in a bounded map: long lists recur
//! across an agent's queries (the common words), and the first query that meets a list pays
//! one pass over it, about what that query cost before. A bound is `max tf / (tf + norm)`
//! over the run, in the f32 expression of [`contribution`] with weight 1; MaxScore multiplies
//! it by the term's weight and compares with its relative slack, so the pruning stays
//! rank-safe: the same list and the same scores to the bit as the exhaustive ranking.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::DocId;
use tantivy::postings::BlockSegmentPostings;

use crate::bm25::{Bm25Params, contribution};
use crate::error::InternalError;

/// Lists shorter than this are scanned as before: a few blocks gain nothing from bounds.
pub(crate) const MIN_POSTINGS: u32 = 2048;

/// Bytes of bounds one index keeps; past it the cache starts over (answers never depend on
/// what is cached, only how fast they come). 8 bytes per 128 postings: 32 MiB covers the
/// bounds of 512M postings.
const BUDGET_BYTES: usize = 32 << 20;

/// One term's bounds: `ends[i]` is the last document of run `i`, `maxes[i]` the largest
/// `tf / (tf + norm)` in it.
#[derive(Debug)]
pub(crate) struct BlockMax {
    ends: Vec<DocId>,
    maxes: Vec<f32>,
}

impl BlockMax {
    /// Reads the whole list once, a decoded block at a time.
    pub fn compute(mut blocks: BlockSegmentPostings, norm: impl Fn(DocId) -> f32) -> BlockMax {
        let mut ends = Vec::new();
        let mut maxes = Vec::new();
        loop {
            let docs = blocks.docs();
            let Some(&last) = docs.last() else { break };
            let mut best = 0.0f32;
            for (&doc, &tf) in docs.iter().zip(blocks.freqs()) {
                best = best.max(contribution(1.0, tf as f32, norm(doc)));
            }
            ends.push(last);
            maxes.push(best);
            blocks.advance();
        }
        BlockMax { ends, maxes }
    }

    fn bytes(&self) -> usize {
        self.ends.len() * (size_of::<DocId>() + size_of::<f32>())
    }

    /// The run holding `doc`, searched forward from `*run` (documents only grow during a
    /// query, so the cursor never goes back), which is left on it: `(bound, last doc of the
    /// run)`, or `None` when the list has no document at or after `doc`.
    #[inline]
    pub fn at(&self, doc: DocId, run: &mut usize) -> Option<(f32, DocId)> {
        while *run < self.ends.len() && self.ends[*run] < doc {
            *run += 1;
        }
        (*run < self.ends.len()).then(|| (self.maxes[*run], self.ends[*run]))
    }
}

/// The bounds of one index's long lists, by (postings offset, k1, b).
#[derive(Default)]
pub(crate) struct BlockMaxCache {
    inner: Mutex<Cached>,
}

impl std::fmt::Debug for BlockMaxCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("BlockMaxCache")
            .field("lists", &cached.map.len())
            .field("bytes", &cached.bytes)
            .finish()
    }
}

#[derive(Debug, Default)]
struct Cached {
    map: HashMap<(usize, u32, u32), Arc<BlockMax>>,
    bytes: usize,
}

impl BlockMaxCache {
    /// The bounds of the list starting at `postings_start`, computed by `compute` when not
    /// cached. Computed outside the lock: two queries may both compute a list once.
    pub fn get_or_compute(
        &self,
        postings_start: usize,
        params: Bm25Params,
        compute: impl FnOnce() -> Result<BlockMax, InternalError>,
    ) -> Result<Arc<BlockMax>, InternalError> {
        let key = (postings_start, params.k1.to_bits(), params.b.to_bits());
        let lock = || self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = lock().map.get(&key) {
            return Ok(Arc::clone(found));
        }
        let bounds = Arc::new(compute()?);
        let mut cached = lock();
        if cached.bytes + bounds.bytes() > BUDGET_BYTES {
            cached.map.clear();
            cached.bytes = 0;
        }
        if cached.map.insert(key, Arc::clone(&bounds)).is_none() {
            cached.bytes += bounds.bytes();
        }
        Ok(bounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(ends: &[DocId], maxes: &[f32]) -> BlockMax {
        BlockMax {
            ends: ends.to_vec(),
            maxes: maxes.to_vec(),
        }
    }

    #[test]
    fn finds_the_run_of_a_document_moving_forward_only() {
        let b = bounds(&[10, 20, 30], &[0.5, 0.25, 0.75]);
        let mut run = 0;
        assert_eq!(b.at(0, &mut run), Some((0.5, 10)));
        assert_eq!(b.at(10, &mut run), Some((0.5, 10)));
        assert_eq!(run, 0);
        assert_eq!(b.at(11, &mut run), Some((0.25, 20)));
        assert_eq!(b.at(25, &mut run), Some((0.75, 30)));
        assert_eq!(run, 2);
        assert_eq!(b.at(31, &mut run), None);
        assert_eq!(run, 3);
        assert_eq!(b.at(40, &mut run), None);
    }

    #[test]
    fn the_cache_starts_over_past_its_budget_and_still_answers() {
        let cache = BlockMaxCache::default();
        let params = Bm25Params { k1: 0.9, b: 0.4 };
        let big = BUDGET_BYTES / 8 / 2 + 1;
        let make = || Ok(bounds(&vec![1; big], &vec![0.5; big]));
        let first = cache.get_or_compute(1, params, make).unwrap();
        // Cached: the second call must not compute.
        let again = cache
            .get_or_compute(1, params, || panic!("computed twice"))
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // Other params are another key; two lists over the budget clear the first.
        cache
            .get_or_compute(1, Bm25Params { k1: 1.2, b: 0.75 }, make)
            .unwrap();
        let inner = cache.inner.lock().unwrap();
        assert_eq!(inner.map.len(), 1);
        assert!(inner.bytes <= BUDGET_BYTES);
    }
}
