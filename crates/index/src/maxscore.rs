//! MaxScore (Turtle & Flood, 1995): rank-safe pruning for [`Bm25Index::top`].
//!
//! Exhaustive term-at-a-time scoring reads every posting of every query term; with common
//! words ("python", "index") that was a third of a `/retrieve` request's CPU. A term's
//! share of any score is at most its weight (`tf / (tf + norm) ≤ 1`), so once the top-k is
//! full, the terms whose summed weights cannot lift a document into it are non-essential:
//! candidates come from the essential terms' postings only, and the other terms are
//! looked up (seek) for a candidate only while it can still enter.
//!
//! An index of several segments (segments.rs) is scored one segment after the other into
//! one top-k. Within a segment, a query whose lists hold a million postings or more (common
//! words at 10M passages) is split into ranges of documents, each scored by the same loop
//! on a thread of its own and merged: the ranking is the same, since (shown score,
//! ordinal) orders every document, and the wait at 10M passages fell by a third
//! (benches/README.md, "Scale"). Only cores that no other query is scoring on are used, so
//! a loaded server runs one thread per query.
//!
//! Each range is scored a window of documents at a time (maxscore_window.rs). Shares are
//! summed in query-term order with the exhaustive path's f32 expression, so both give the
//! same scores to the bit (tests compare them over the real corpus); comparisons against
//! the entry bar carry a relative slack for the f64/f32 difference.
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use tantivy::DocId;

use crate::bm25::{Bm25Index, Bm25Params};
use crate::error::InternalError;
use crate::query::ParsedQuery;
use crate::term_scorer::{PartScorer, WeightedTerm};
use crate::topk::TopK;

/// Postings (summed over the query's terms) from which a query is split across threads:
/// about 8 ms of one core at 10M passages, where a split's thread start-up (~50 µs) and the
/// ranges' separate entry bars cost little against halving the wait.
const SPLIT_POSTINGS: u64 = 1 << 20;

/// Documents per range at the least: a range's top-k must fill before its bar rises.
const MIN_RANGE_DOCS: u32 = 1 << 16;

/// MaxScore calls running in this process now. A long query is split only over the cores
/// the others leave idle: under load every core is busy already, and more threads would
/// only be switched between (the split keeps the answers; only the wait changes).
static SCORING: AtomicUsize = AtomicUsize::new(0);

/// One MaxScore call counted in [`SCORING`] while it lives.
struct Scoring;

impl Scoring {
    /// Counts this call in; returns how many run now, this one included.
    fn enter() -> (Scoring, usize) {
        (Scoring, SCORING.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

impl Drop for Scoring {
    fn drop(&mut self) {
        SCORING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many ranges of documents a query is scored in: one unless its lists are long, else
/// one per core left idle by the `busy` calls running (this one included), at most 4.
fn split_count(max_doc: DocId, postings: u64, busy: usize) -> u32 {
    if postings < SPLIT_POSTINGS {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let idle = cores.saturating_sub(busy.saturating_sub(1)) as u32;
    idle.min(max_doc / MIN_RANGE_DOCS).max(1)
}

/// `count` ranges of equal numbers of documents covering `0..max_doc`.
fn slices(max_doc: DocId, count: u32) -> Vec<Range<DocId>> {
    let count = count.clamp(1, max_doc.max(1));
    let step = max_doc.div_ceil(count).max(1);
    (0..count)
        .map(|i| (i * step).min(max_doc)..((i + 1) * step).min(max_doc))
        .collect()
}

impl Bm25Index {
    /// Offers to `top` every admitted document that can make it, with its exact score.
    /// The segments are scored one after the other into the same top-k, so a later segment
    /// starts with the entry bar the earlier ones raised. Within a segment, a query whose
    /// lists hold a million postings or more is split into ranges of documents scored on
    /// threads of their own (see [`slices`]); their top-k lists merge into the same
    /// ranking, since (shown score, ordinal) orders every document.
    /// `ranges` forces the number of ranges per segment (tests); `None` lets the lists'
    /// length decide.
    pub(crate) fn max_score(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        admits: impl Fn(DocId) -> bool + Sync,
        top: &mut TopK,
        ranges: Option<u32>,
    ) -> Result<(), InternalError> {
        let scorer = self.term_scorer(params)?;
        let terms = scorer.terms(query)?;
        let (_scoring, busy) = Scoring::enter();
        for part in scorer.parts() {
            let postings: u64 = terms.iter().map(|t| part.doc_freq(t)).sum();
            if postings == 0 {
                continue;
            }
            let max_doc = part.segment().max_doc();
            let count = ranges.unwrap_or_else(|| split_count(max_doc, postings, busy));
            self.max_score_part(part, &terms, &admits, top, &slices(max_doc, count))?;
        }
        Ok(())
    }

    /// MaxScore over one segment, its `ranges` on threads of their own when there are
    /// several.
    fn max_score_part(
        &self,
        part: &PartScorer<'_>,
        terms: &[WeightedTerm],
        admits: &(impl Fn(DocId) -> bool + Sync),
        top: &mut TopK,
        ranges: &[Range<DocId>],
    ) -> Result<(), InternalError> {
        if ranges.len() == 1 {
            return self.max_score_in(part, terms, admits, top, ranges[0].clone());
        }
        let limit = top.limit();
        let tops = std::thread::scope(|scope| {
            let (first, rest) = ranges.split_first().expect("at least one range");
            let handles: Vec<_> = rest
                .iter()
                .map(|range| {
                    scope.spawn(move || {
                        let mut top = TopK::new(limit);
                        self.max_score_in(part, terms, admits, &mut top, range.clone())
                            .map(|()| top)
                    })
                })
                .collect();
            let mine = self.max_score_in(part, terms, admits, top, first.clone());
            let theirs: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
            (mine, theirs)
        });
        tops.0?;
        for joined in tops.1 {
            // A panic in a range is the same bug as one in this thread: let it continue.
            let slice = joined.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            top.absorb(slice);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_every_document_once() {
        for (max_doc, count) in [(0, 1), (1, 4), (10, 3), (1 << 20, 2), (131_073, 4)] {
            let ranges = slices(max_doc, count);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges.last().unwrap().end, max_doc);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start, "{max_doc} in {count}");
            }
        }
        assert_eq!(split_count(10_000_000, SPLIT_POSTINGS - 1, 1), 1);
        // As many other calls as cores: no core is idle, no split.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        assert_eq!(split_count(10_000_000, SPLIT_POSTINGS, cores + 1), 1);
        assert_eq!(split_count(10_000_000, SPLIT_POSTINGS, 1), cores as u32);
        assert!(
            split_count(10_000, SPLIT_POSTINGS, 1) == 1,
            "short indexes are not split"
        );
    }
}
