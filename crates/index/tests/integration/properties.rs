//! Ranking invariants on random corpora: order is (score desc, doc_id asc) and every
//! offset/k window is the matching slice of the full ranking.
use driftless_api::{SearchRequest, Unit};
use proptest::prelude::*;

use crate::common::build_jsonl;

const VOCAB: [&str; 6] = ["apple", "pear", "plum", "fig", "kiwi", "lime"];

fn corpus() -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(prop::collection::vec(0..VOCAB.len(), 1..12), 2..14)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn ranking_is_total_and_windows_are_slices(
        docs in corpus(),
        query in prop::collection::vec(0..VOCAB.len(), 1..4),
        offset in 0u32..6,
        k in 1u32..6,
        passage in any::<bool>(),
    ) {
        // Ids in reverse insertion order so that doc_id order differs from read order.
        let owned: Vec<(String, String)> = docs
            .iter()
            .enumerate()
            .map(|(i, words)| (format!("doc{:02}", 99 - i), words.iter().map(|w| VOCAB[*w]).collect::<Vec<_>>().join(" ")))
            .collect();
        let rows: Vec<(&str, &str, &str)> = owned.iter().map(|(id, text)| (id.as_str(), "t", text.as_str())).collect();
        let built = build_jsonl(&rows);
        let q = query.iter().map(|w| VOCAB[*w]).collect::<Vec<_>>().join(" ");
        let unit = if passage { Unit::Passage } else { Unit::Doc };
        let full = built.snapshot.search(&SearchRequest { k: 100, unit, ..SearchRequest::new(q.clone()) }).expect("search");
        for pair in full.results.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            prop_assert!(a.score > b.score || (a.score == b.score && a.doc_id < b.doc_id), "{a:?} before {b:?}");
        }
        let page = built.snapshot.search(&SearchRequest { k, offset, unit, ..SearchRequest::new(q) }).expect("search");
        let want: Vec<_> = full.results.iter().skip(offset as usize).take(k as usize).map(|h| (h.rank, h.doc_id.clone())).collect();
        let got: Vec<_> = page.results.iter().map(|h| (h.rank, h.doc_id.clone())).collect();
        prop_assert_eq!(got, want);
    }
}
