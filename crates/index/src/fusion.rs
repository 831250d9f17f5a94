//! MaxP roll-up and reciprocal rank fusion of [`Ranked`] lists.
use std::collections::HashMap;
use std::num::NonZeroU32;

use crate::ranking::{ListPlace, Ranked, quantum, sort_ranked};

/// MaxP: a document scores its best passage. `passages` must be ranked best first;
/// `doc_of` maps a passage ordinal to its document ordinal.
pub fn max_passage(passages: &[(u32, f32)], doc_of: impl Fn(u32) -> u32) -> Vec<Ranked> {
    let mut seen = HashMap::new();
    let mut docs = Vec::new();
    for &(passage, score) in passages {
        let doc = doc_of(passage);
        if seen.insert(doc, ()).is_none() {
            docs.push(Ranked::single(doc, f64::from(score), Some(passage)));
        }
    }
    sort_ranked(&mut docs, quantum(false));
    docs
}

/// Reciprocal rank fusion: `Σ 1 / (k + rank)` over the lists (ranks from 1), ranked by the
/// fused score then ordinal. Summation follows list order, so the bits are reproducible.
/// Each result records its rank and score in the first [`crate::ranking::FUSED_LISTS`] lists (`places`).
pub fn reciprocal_rank_fusion(lists: &[&[Ranked]], k: u32) -> Vec<Ranked> {
    let mut fused: HashMap<u32, Ranked> = HashMap::new();
    for (list_index, list) in lists.iter().enumerate() {
        for (i, item) in list.iter().enumerate() {
            let contribution = 1.0 / (f64::from(k) + (i + 1) as f64);
            let unit =
                fused
                    .entry(item.ord)
                    .or_insert(Ranked::single(item.ord, 0.0, item.best_passage));
            // 0.0 + x is x exactly: the sums have the bits they had without `places`.
            unit.score += contribution;
            if let Some(place) = unit.places.get_mut(list_index) {
                *place = Some(ListPlace {
                    rank: NonZeroU32::MIN.saturating_add(i as u32),
                    score: item.score as f32,
                });
            }
        }
    }
    let mut out: Vec<Ranked> = fused.into_values().collect();
    sort_ranked(&mut out, quantum(true));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(ord: u32, score: f64) -> Ranked {
        Ranked::single(ord, score, None)
    }

    fn place(rank: u32, score: f32) -> Option<ListPlace> {
        let rank = NonZeroU32::new(rank).expect("ranks start at 1");
        Some(ListPlace { rank, score })
    }

    #[test]
    fn rrf_by_hand() {
        let a = [r(1, 9.0), r(2, 8.0), r(3, 7.0)];
        let b = [r(3, 0.9), r(1, 0.8)];
        let fused = reciprocal_rank_fusion(&[&a, &b], 60);
        let ords: Vec<u32> = fused.iter().map(|x| x.ord).collect();
        // 1: 1/61 + 1/62; 3: 1/63 + 1/61; 2: 1/62.
        assert_eq!(ords, [1, 3, 2]);
        assert!((fused[0].score - (1.0 / 61.0 + 1.0 / 62.0)).abs() < 1e-12);
    }

    #[test]
    fn rrf_records_each_lists_rank_and_score() {
        let a = [r(1, 9.0), r(2, 8.5), r(3, 7.25)];
        let b = [r(3, 0.75), r(4, 0.5)];
        let fused = reciprocal_rank_fusion(&[&a, &b], 60);
        let places = |ord: u32| fused.iter().find(|x| x.ord == ord).map(|x| x.places);
        assert_eq!(places(1), Some([place(1, 9.0), None]));
        assert_eq!(places(3), Some([place(3, 7.25), place(1, 0.75)]));
        assert_eq!(places(4), Some([None, place(2, 0.5)]));
        for unit in &fused {
            // The fused score is the sum of the recorded places' contributions.
            let sum: f64 = unit
                .places
                .iter()
                .flatten()
                .map(|p| 1.0 / (60.0 + f64::from(p.rank.get())))
                .sum();
            assert!((unit.score - sum).abs() < 1e-15, "{unit:?}");
        }
    }

    #[test]
    fn rrf_ties_break_on_ordinal() {
        let a = [r(5, 1.0)];
        let b = [r(4, 1.0)];
        let fused = reciprocal_rank_fusion(&[&a, &b], 60);
        assert_eq!(fused.iter().map(|x| x.ord).collect::<Vec<_>>(), [4, 5]);
    }

    #[test]
    fn maxp_keeps_the_best_passage_per_document() {
        let passages = [(10, 0.9), (11, 0.8), (20, 0.85), (12, 0.1)];
        let docs = max_passage(&passages, |p| p / 10);
        assert_eq!(
            docs.iter()
                .map(|d| (d.ord, d.best_passage))
                .collect::<Vec<_>>(),
            [(1, Some(10)), (2, Some(20))]
        );
    }
}
