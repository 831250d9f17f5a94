//! Our BM25 against the formula computed by hand.
use driftless_api::SearchRequest;

use crate::common::build_jsonl;

/// Lucene BM25: idf · tf / (tf + k1 · (1 − b + b · dl/avgdl)).
fn bm25(tf: f64, dl: f64, avgdl: f64, n: f64, df: f64, k1: f64, b: f64) -> f64 {
    let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
    idf * tf / (tf + k1 * (1.0 - b + b * dl / avgdl))
}

#[test]
fn scores_match_the_formula_for_default_and_requested_parameters() {
    // Titles are single words so content lengths are easy to count: "apple" docs.
    let built = build_jsonl(&[
        ("d1", "zeta", "apple apple banana"), // dl 4, tf(apple) 2
        ("d2", "zeta", "apple cherry cherry cherry"), // dl 5, tf 1
        ("d3", "zeta", "banana cherry"),      // dl 3
    ]);
    let avgdl = (4.0 + 5.0 + 3.0) / 3.0;
    for (k1, b) in [(0.9, 0.4), (1.2, 0.75), (2.0, 0.0), (0.0, 1.0)] {
        let request = SearchRequest {
            k1: Some(k1),
            b: Some(b),
            ..SearchRequest::new("apple")
        };
        let response = built.snapshot.search(&request).expect("search");
        let (k1, b) = (f64::from(k1), f64::from(b));
        let expected_d1 = bm25(2.0, 4.0, avgdl, 3.0, 2.0, k1, b);
        let expected_d2 = bm25(1.0, 5.0, avgdl, 3.0, 2.0, k1, b);
        let ids: Vec<&str> = response.results.iter().map(|h| h.doc_id.as_str()).collect();
        let mut want = vec![("d1", expected_d1), ("d2", expected_d2)];
        want.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(y.0)));
        assert_eq!(
            ids,
            want.iter().map(|w| w.0).collect::<Vec<_>>(),
            "k1={k1} b={b}"
        );
        for (hit, (_, score)) in response.results.iter().zip(&want) {
            assert!(
                (hit.score - score).abs() < 2e-4,
                "k1={k1} b={b}: {} vs {score}",
                hit.score
            );
        }
    }
}

#[test]
fn snapshot_defaults_are_lucene_parameters() {
    let built = build_jsonl(&[("a", "t", "apple"), ("b", "t", "pear")]);
    let build = &built.snapshot.manifest().build;
    assert_eq!((build.bm25_k1, build.bm25_b), (0.9, 0.4));
}

#[test]
fn repeated_query_terms_count_twice_like_lucene() {
    let built = build_jsonl(&[("a", "t", "apple pear"), ("b", "t", "pear plum")]);
    let once = built
        .snapshot
        .search(&SearchRequest::new("apple"))
        .expect("search");
    let twice = built
        .snapshot
        .search(&SearchRequest::new("apple apple"))
        .expect("search");
    let (s1, s2) = (once.results[0].score, twice.results[0].score);
    assert!((s2 - 2.0 * s1).abs() < 2e-4, "{s1} {s2}");
}
