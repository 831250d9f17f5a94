//! MaxScore on long posting lists, in one range of documents and split into ranges scored
//! on threads of their own (what lists of a million postings get): the pruned ranking is
//! still exactly the exhaustive one. The real corpus has few long lists, so this corpus is
//! made for it: Zipf-distributed words, so the commonest lists hold most documents, and
//! lengths from 3 to 150 words, so the norms vary.
use driftless_api::Unit;
use driftless_index::bm25::Bm25Params;
use driftless_rng::XorShift64Star;

use crate::common::{build_jsonl, pruned_is_exhaustive};

const VOCABULARY: u64 = 400;
const DOCUMENTS: usize = 9_000;

/// A pronounceable word per rank, so the stemmer leaves ranks apart.
fn word(rank: u64) -> String {
    const CONSONANTS: &[u8] = b"bdfgklmnprtvz";
    const VOWELS: &[u8] = b"aeiou";
    let (mut n, mut out) = (rank, String::from("q"));
    loop {
        out.push(CONSONANTS[(n % 13) as usize] as char);
        out.push(VOWELS[(n / 13 % 5) as usize] as char);
        n /= 65;
        if n == 0 {
            return out;
        }
    }
}

/// A rank drawn with p(r) ∝ 1/r over 1..=VOCABULARY.
fn zipf(rng: &mut XorShift64Star, cumulative: &[f64]) -> u64 {
    let x = rng.unit_f64() * cumulative[cumulative.len() - 1];
    cumulative.partition_point(|&c| c < x) as u64 + 1
}

#[test]
fn pruned_and_split_rankings_are_the_exhaustive_one_on_long_lists() {
    let mut cumulative = Vec::new();
    let mut sum = 0.0;
    for r in 1..=VOCABULARY {
        sum += 1.0 / r as f64;
        cumulative.push(sum);
    }
    let mut rng = XorShift64Star::seeded(14);
    let texts: Vec<(String, String)> = (0..DOCUMENTS)
        .map(|i| {
            let len = 3 + rng.below(148);
            let words: Vec<String> = (0..len)
                .map(|_| word(zipf(&mut rng, &cumulative)))
                .collect();
            (format!("d{i:05}"), words.join(" "))
        })
        .collect();
    let docs: Vec<(&str, &str, &str)> = texts
        .iter()
        .map(|(id, text)| (id.as_str(), "t", text.as_str()))
        .collect();
    let built = build_jsonl(&docs);
    let snapshot = &built.snapshot;

    // The commonest words' lists hold most documents.
    let index = snapshot.bm25_index(Unit::Doc);
    let long = (1..=VOCABULARY)
        .filter(|&r| index.doc_freq(&word(r)).unwrap() >= 2_048)
        .count();
    assert!(long >= 10, "only {long} lists of 2,048 documents or more");

    let mut analyzer = driftless_index::analyzer::analyzer();
    let settings = [(0.9, 0.4), (1.2, 0.75), (0.0, 0.0), (3.0, 1.0), (0.5, 0.1)];
    let mut compared = 0;
    for i in 0..600u64 {
        // One to five words, mostly common ones, sometimes one repeated (a weight of 2).
        let terms = 1 + rng.below(5);
        let words: Vec<String> = (0..terms)
            .map(|_| match rng.below(3) {
                0 => word(1 + rng.below(VOCABULARY)),
                _ => word(1 + rng.below(30)),
            })
            .collect();
        let q = words.join(" ");
        let parsed = driftless_index::query::parse(&q, &mut analyzer).expect("parse");
        let (k1, b) = settings[(i % settings.len() as u64) as usize];
        let params = Bm25Params { k1, b };
        let limit = [1, 10, 100, 1000][(i / 5 % 4) as usize];
        for unit in [Unit::Doc, Unit::Passage] {
            let exhaustive = pruned_is_exhaustive(snapshot, unit, &q, &parsed, params, limit);
            let index = snapshot.bm25_index(unit);
            compared += usize::from(!exhaustive.is_empty());
            // Split into ranges of documents on threads of their own (what lists of a
            // million postings get), including ranges too short to fill a top-1000.
            let ranges = [2, 3, 7][(i % 3) as usize];
            let split = index
                .top_in_ranges(&parsed, params, limit, ranges)
                .expect("top");
            assert_eq!(
                split, exhaustive,
                "{q:?} {ranges} ranges, limit {limit} {unit:?}"
            );
        }
    }
    assert!(compared > 1000, "only {compared} rankings compared");
}
