//! Analysis speed, fused stream vs tantivy's filter chain, over a file of texts (one per
//! line): `cargo run --release -p driftless-index --example analyzer_speed -- texts.txt`.
//! Prints tokens per second of each, medians of five rounds, and checks they agree.
use std::time::Instant;

use driftless_index::analyzer::{analyzer, indexing_analyzer, pipeline_analyzer};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

fn pass(analyzer: &mut TextAnalyzer, texts: &[String]) -> (u64, u64) {
    let (mut tokens, mut check) = (0u64, 0u64);
    for text in texts {
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            tokens += 1;
            check = check
                .wrapping_mul(31)
                .wrapping_add(token.text.len() as u64 + token.position as u64);
        }
    }
    (tokens, check)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: analyzer_speed TEXTS.txt");
    let texts: Vec<String> = std::fs::read_to_string(&path)
        .expect("read texts")
        .lines()
        .map(str::to_string)
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut results = Vec::new();
    for (name, make) in [
        (
            "chain (tantivy filters)",
            pipeline_analyzer as fn() -> TextAnalyzer,
        ),
        ("fused", analyzer),
        ("fused + stem memo", indexing_analyzer),
    ] {
        let mut times = Vec::new();
        let mut out = (0, 0);
        for _ in 0..5 {
            // A fresh analyzer per round, as a segment writer gets one.
            let mut a = make();
            let start = Instant::now();
            out = pass(&mut a, &texts);
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times[2];
        println!(
            "{name:24} {:>8.1} ns/token  {:>6.1} MB/s  ({} tokens, check {:x})",
            median * 1e9 / out.0 as f64,
            bytes as f64 / median / 1e6,
            out.0,
            out.1
        );
        results.push((median, out));
    }
    assert!(
        results.iter().all(|r| r.1 == results[0].1),
        "analyzers disagree"
    );
    println!(
        "speed-up fused: {:.2}x, fused+memo: {:.2}x (same tokens, same texts)",
        results[0].0 / results[1].0,
        results[0].0 / results[2].0
    );
}
