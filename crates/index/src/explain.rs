//! `explain=true`: the first-stage ranks and scores behind each hit's `score`.
//!
//! A single-list mode (`bm25`, `dense`, `dense_exact`) ranks by its list's score, so the
//! hit's place in that list is its place in the ranking. A `hybrid` hit carries its places
//! in the two fused lists, recorded by [`crate::fusion::reciprocal_rank_fusion`] while it summed
//! them, so the explanation is the fusion's own input, not a second search.
use driftless_api::{Explain, ListScore, Mode, SearchRequest};

use crate::ranking::{self, ListPlace, Ranked};
use crate::snapshot::Snapshot;

/// Index of the BM25 list among hybrid's fused lists (`rank()` fuses `[lexical, semantic]`).
const BM25_LIST: usize = 0;
/// Index of the dense list among hybrid's fused lists.
const DENSE_LIST: usize = 1;

/// A list's rank and score, the score rounded like a hit's (4 decimals), so explanations are
/// as reproducible as scores.
fn list_score(rank: u32, score: f64) -> ListScore {
    ListScore {
        rank,
        score: ranking::shown(score, ranking::SCORE_QUANTUM),
    }
}

fn place(place: Option<ListPlace>) -> Option<ListScore> {
    place.map(|p| list_score(p.rank.get(), f64::from(p.score)))
}

/// The explanation of `item`, at 0-based `position` of the ranking of `mode`; `fusion_k` is
/// the RRF constant a hybrid ranking was fused with.
pub(crate) fn explain(mode: Mode, position: usize, item: &Ranked, fusion_k: u32) -> Explain {
    let own = Some(Some(list_score(position as u32 + 1, item.score)));
    let fused = item.places.iter().any(Option::is_some);
    match mode {
        Mode::Hybrid if fused => Explain {
            bm25: Some(place(item.places[BM25_LIST])),
            dense: Some(place(item.places[DENSE_LIST])),
            fusion_k: Some(fusion_k),
        },
        // A hybrid ranking that fused nothing is BM25's alone, and so is a dense ranking
        // whose units carry no passage of the vector search: both happen for a query of
        // operators only (`site:host`), which has no text to embed and lists like BM25.
        Mode::Bm25 | Mode::Hybrid => Explain {
            bm25: own,
            dense: None,
            fusion_k: None,
        },
        Mode::Dense | Mode::DenseExact if item.best_passage.is_none() => Explain {
            bm25: own,
            dense: None,
            fusion_k: None,
        },
        Mode::Dense | Mode::DenseExact => Explain {
            bm25: None,
            dense: own,
            fusion_k: None,
        },
    }
}

impl Snapshot {
    /// The RRF constant of a hybrid request: its `fusion_k`, else the snapshot's (0 without
    /// a dense index, where hybrid is refused anyway).
    pub(crate) fn fusion_k(&self, request: &SearchRequest) -> u32 {
        request
            .fusion_k
            .or_else(|| self.dense.as_ref().map(|dense| dense.config.rrf_k))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    fn ranked(score: f64, places: [Option<ListPlace>; ranking::FUSED_LISTS]) -> Ranked {
        Ranked {
            ord: 7,
            score,
            best_passage: None,
            places,
        }
    }

    fn at(rank: u32, score: f32) -> Option<ListPlace> {
        let rank = NonZeroU32::new(rank).expect("ranks start at 1");
        Some(ListPlace { rank, score })
    }

    #[test]
    fn single_lists_show_the_hits_own_place() {
        let item = ranked(4.112_345_6, [None, None]);
        let bm25 = explain(Mode::Bm25, 2, &item, 60);
        let expected = ListScore {
            rank: 3,
            score: 4.1123,
        };
        assert_eq!(
            (bm25.bm25, bm25.dense, bm25.fusion_k),
            (Some(Some(expected)), None, None)
        );
        let from_vectors = Ranked {
            best_passage: Some(11),
            ..item
        };
        let dense = explain(Mode::DenseExact, 2, &from_vectors, 60);
        assert_eq!((dense.bm25, dense.dense), (None, Some(Some(expected))));
        // A dense request of operators only is listed by BM25, and says so.
        let listed = explain(Mode::Dense, 2, &item, 60);
        assert_eq!((listed.bm25, listed.dense), (Some(Some(expected)), None));
        let json = serde_json::to_string(&bm25).expect("json");
        assert_eq!(json, r#"{"bm25":{"rank":3,"score":4.1123}}"#);
    }

    #[test]
    fn hybrid_shows_both_lists_and_k() {
        let item = ranked(1.0 / 63.0, [at(3, 4.112_345), None]);
        let hybrid = explain(Mode::Hybrid, 0, &item, 60);
        let json = serde_json::to_string(&hybrid).expect("json");
        assert_eq!(
            json,
            r#"{"bm25":{"rank":3,"score":4.1123},"dense":null,"fusion_k":60}"#
        );
        let back: Explain = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, hybrid, "null and absent round-trip apart");
        let both = ranked(0.0, [at(2, 7.5), at(1, 0.641_73)]);
        let hybrid = explain(Mode::Hybrid, 0, &both, 10);
        assert_eq!(
            serde_json::to_string(&hybrid).expect("json"),
            r#"{"bm25":{"rank":2,"score":7.5},"dense":{"rank":1,"score":0.6417},"fusion_k":10}"#
        );
    }
}
