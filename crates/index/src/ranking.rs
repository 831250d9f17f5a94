//! The one ranking rule every mode shares: **rank by the score as shown, then by ordinal.**
//!
//! A client sees scores rounded (4 decimals for BM25 and cosine, 6 for RRF sums), and the
//! ordinal is doc_id order. Ranking by the full-precision float instead would let two hits
//! that show the same score come back in an order that depends on the last bits of a
//! float sum, which differ between index layouts and CPUs: the body would not be
//! reproducible. Every top-k, sort and rounding in the engine goes through this module.
use std::cmp::Reverse;
use std::num::NonZeroU32;

/// Units per 1.0 of a shown BM25 or cosine score (4 decimals).
pub const SCORE_QUANTUM: f64 = 1e4;
/// Units per 1.0 of a shown RRF sum: neighbouring ranks differ by less than 1e-4, so 6.
pub const FUSED_QUANTUM: f64 = 1e6;

/// The quantum of a mode's scores.
pub fn quantum(fused: bool) -> f64 {
    if fused { FUSED_QUANTUM } else { SCORE_QUANTUM }
}

/// The shown score as an integer count of quanta: the first part of the ranking key.
#[inline]
pub fn shown_units(score: f64, quantum: f64) -> i64 {
    (score * quantum).round() as i64
}

/// A BM25 or cosine score (`f32`) as an integer of 1e-4 units.
#[inline]
pub fn quantize(score: f32) -> i64 {
    shown_units(f64::from(score), SCORE_QUANTUM)
}

/// The score a body shows: rounded to the quantum.
pub fn shown(score: f64, quantum: f64) -> f64 {
    (score * quantum).round() / quantum
}

/// One ranked unit (document or passage), before stored fields and snippets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    /// Ordinal of the document or passage (doc_id order): the tie-break.
    pub ord: u32,
    /// Score as ranked.
    pub score: f64,
    /// For document results of dense modes: the passage that gave the document its score.
    pub best_passage: Option<u32>,
    /// For fused rankings: the unit's place in each fused list, in list order (`None`: not
    /// in that list; `explain=true` shows them). All `None` in a single list.
    pub places: [Option<ListPlace>; FUSED_LISTS],
}

impl Ranked {
    /// A unit of a single (not fused) ranking.
    pub fn single(ord: u32, score: f64, best_passage: Option<u32>) -> Self {
        Self {
            ord,
            score,
            best_passage,
            places: [None; FUSED_LISTS],
        }
    }
}

/// Lists whose places a fused [`Ranked`] records: hybrid fuses BM25 and dense.
pub const FUSED_LISTS: usize = 2;

/// A unit's place in one list of a fusion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListPlace {
    /// 1-based rank in that list.
    pub rank: NonZeroU32,
    /// The list's own score (BM25 and cosine scores are `f32` before ranking, so exact).
    pub score: f32,
}

/// Sorts by (shown score desc, ordinal asc): the order a client sees.
pub fn sort_ranked(list: &mut [Ranked], quantum: f64) {
    list.sort_by_key(|r| (Reverse(shown_units(r.score, quantum)), r.ord));
}

/// Keeps the best `limit` of `(ordinal, score)` pairs (dense hits), in the order a client
/// sees: (shown score desc, ordinal asc).
pub fn rank_pairs(hits: &mut Vec<(u32, f32)>, limit: usize) {
    let key = |h: &(u32, f32)| (Reverse(quantize(h.1)), h.0);
    if hits.len() > limit {
        hits.select_nth_unstable_by_key(limit, key);
        hits.truncate(limit);
    }
    hits.sort_by_key(key);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_on_the_shown_score_go_by_ordinal() {
        // 1.00004 and 1.00001 both show 1.0; the lower ordinal comes first.
        let mut list = vec![
            Ranked::single(7, 1.00004, None),
            Ranked::single(3, 1.00001, None),
            Ranked::single(9, 2.0, None),
        ];
        sort_ranked(&mut list, SCORE_QUANTUM);
        let ords: Vec<u32> = list.iter().map(|r| r.ord).collect();
        assert_eq!(ords, [9, 3, 7]);
        let mut pairs = vec![(7, 1.00004f32), (3, 1.00001), (9, 2.0), (1, 0.5)];
        rank_pairs(&mut pairs, 3);
        assert_eq!(pairs.iter().map(|p| p.0).collect::<Vec<_>>(), [9, 3, 7]);
    }

    #[test]
    fn shown_rounds_to_the_quantum() {
        assert_eq!(shown(1.23456789, SCORE_QUANTUM), 1.2346);
        assert_eq!(shown(0.0163934426, FUSED_QUANTUM), 0.016393);
        assert_eq!(quantize(2.5), 25_000);
        assert_eq!(quantum(true), FUSED_QUANTUM);
    }
}
