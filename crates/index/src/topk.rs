//! The best `limit` scored documents, ranked by (score as shown, ordinal).
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::bm25::Scored;
use crate::ranking::{SCORE_QUANTUM, quantize};

impl Scored {
    /// Ranking key: the score as shown in bodies (4 decimals), so that what a client sees
    /// is consistently ordered by (score desc, doc_id asc); then the ordinal.
    fn key(&self) -> (i64, std::cmp::Reverse<u32>) {
        (quantize(self.score), std::cmp::Reverse(self.ord))
    }
}

/// Heap entry ordered so that the *worst* result is on top.
struct Worst(Scored);
impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.key().cmp(&self.0.key())
    }
}

/// A bounded heap of the best candidates seen so far.
pub(crate) struct TopK {
    heap: BinaryHeap<Worst>,
    limit: usize,
    /// Once full: a candidate needs `score · SCORE_QUANTUM ≥ entry_bar` to have a chance, since
    /// `round(x) ≥ q` iff `x ≥ q − 0.5` (x ≥ 0) and ties on the shown score go by ordinal.
    entry_bar: f64,
}

impl TopK {
    /// An empty top-`limit` (`limit` ≥ 1).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(limit + 1),
            limit,
            entry_bar: f64::NEG_INFINITY,
        }
    }

    /// The least score a candidate may have and still enter (−∞ until the heap is full).
    /// Scores below it are turned away by one multiply and compare: computing the key of
    /// every candidate (`round`) was 7% of a `/retrieve` request's CPU.
    pub(crate) fn entry_score(&self) -> f64 {
        self.entry_bar / SCORE_QUANTUM
    }

    /// Offers one candidate.
    pub(crate) fn offer(&mut self, scored: Scored) {
        if self.heap.len() < self.limit {
            self.heap.push(Worst(scored));
        } else if f64::from(scored.score) * SCORE_QUANTUM < self.entry_bar {
            return;
        } else if self
            .heap
            .peek()
            .is_some_and(|worst| scored.key() > worst.0.key())
        {
            self.heap.pop();
            self.heap.push(Worst(scored));
        } else {
            return;
        }
        if self.heap.len() == self.limit
            && let Some(worst) = self.heap.peek()
        {
            self.entry_bar = quantize(worst.0.score) as f64 - 0.5;
        }
    }

    /// How many it keeps.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Offers every candidate `other` kept (the top-k of another range of documents).
    pub(crate) fn absorb(&mut self, other: TopK) {
        for Worst(scored) in other.heap {
            self.offer(scored);
        }
    }

    /// The kept candidates, best first.
    pub(crate) fn into_sorted(self) -> Vec<Scored> {
        let mut ranked: Vec<Scored> = self.heap.into_iter().map(|w| w.0).collect();
        ranked.sort_by_key(|s| std::cmp::Reverse(s.key()));
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(ord: u32, score: f32) -> Scored {
        Scored {
            doc: ord,
            ord,
            score,
        }
    }

    #[test]
    fn keeps_the_best_by_shown_score_then_ordinal() {
        let mut top = TopK::new(2);
        assert_eq!(top.entry_score(), f64::NEG_INFINITY);
        for s in [
            scored(5, 1.0),
            scored(3, 2.0),
            scored(4, 2.00001),
            scored(1, 0.5),
        ] {
            top.offer(s);
        }
        // 2.0 and 2.00001 show as 2.0000: the lower ordinal wins the tie.
        let ords: Vec<u32> = top.into_sorted().iter().map(|s| s.ord).collect();
        assert_eq!(ords, vec![3, 4]);
    }

    #[test]
    fn the_entry_score_is_half_a_shown_unit_below_the_worst() {
        let mut top = TopK::new(1);
        top.offer(scored(2, 1.5));
        assert!((top.entry_score() - 1.49995).abs() < 1e-9);
        // Shows as 1.5000 with a lower ordinal: it enters.
        top.offer(scored(1, 1.49996));
        assert_eq!(top.into_sorted()[0].ord, 1);
    }
}
