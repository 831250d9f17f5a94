//! Query-time benchmarks on a real snapshot: our BM25 (MaxScore-pruned and exhaustive) vs
//! raw tantivy.
//!
//! Run: `cargo bench -p driftless-index --bench bm25` (about 45 s on 2 cores).
//! The snapshot comes from `DRIFTLESS_BENCH_SNAPSHOT` (default `.cache/snapshots/default`,
//! built by `cargo run --release -p driftless -- quickstart --no-serve`). Relative paths are
//! resolved against the workspace root, because cargo runs benches from the crate directory.
//!
//! What is measured, and why:
//! - `search_*`: `Snapshot::search` k=10, what an HTTP request costs minus HTTP/JSON;
//! - `scorer_doc`: `Bm25Index::top` alone (parse + score + top-k, no stored fields, no
//!   snippets), the part that competes with tantivy;
//! - `tantivy_doc`: tantivy's own `QueryParser` + `TopDocs` on the same `docs` index. That
//!   path runs block-max WAND (k1 = 1.2, b = 0.75 hard-coded); ours runs MaxScore with
//!   query-term weights as bounds, so that any k1/b is exact. `scorer_doc / tantivy_doc`
//!   is the price; the `exh_psg` column is the exhaustive term-at-a-time reference;
//! - `fetch/subprocess`: one stored document read + 20,000-char window (`/v1/fetch`);
//! - `snippet/*`: snippet construction on one ~1 KB passage; `parse3/*`: analyzer cost.
//!
//! Criterion times whole batches (all queries per iteration) so one run stays short; a
//! per-query table of medians follows, because a mean over 30 queries hides the slow ones.
mod fixture;

use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use driftless_api::{Highlight, Unit};
use driftless_index::analyzer::analyzer;
use driftless_index::bm25::Bm25Params;
use driftless_index::query::parse;
use driftless_index::snippet::snippet;

use fixture::{BARE, Fixture, OPERATORS, snapshot_dir, snippet_passage, subprocess_page};

/// Times `run` over every one of `queries` as one batch (the summed sizes keep the work
/// from being optimised away).
fn bench_batch(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    queries: &[&str],
    run: impl Fn(&str) -> usize,
) {
    group.bench_function(name, |b| {
        b.iter(|| queries.iter().map(|q| run(black_box(q))).sum::<usize>());
    });
}

fn criterion_benches(c: &mut Criterion, fx: &Fixture) {
    let all: Vec<&str> = BARE.iter().chain(OPERATORS).copied().collect();
    let mut group = c.benchmark_group("bare");
    group.throughput(Throughput::Elements(BARE.len() as u64));
    bench_batch(&mut group, "search_doc", BARE, |q| fx.search(q, Unit::Doc));
    bench_batch(&mut group, "scorer_doc", BARE, |q| {
        fx.scorer(&fx.docs, q, fx.params).len()
    });
    bench_batch(&mut group, "tantivy_doc", BARE, |q| {
        fx.tantivy(&fx.tantivy_docs, q).len()
    });
    group.finish();

    let mut group = c.benchmark_group("all");
    group.throughput(Throughput::Elements(all.len() as u64));
    bench_batch(&mut group, "search_doc", &all, |q| fx.search(q, Unit::Doc));
    bench_batch(&mut group, "search_passage", &all, |q| {
        fx.search(q, Unit::Passage)
    });
    group.finish();

    let passage = snippet_passage(&fx.snapshot);
    let parsed = parse("python subprocess timeout", &mut analyzer()).expect("parse");
    let terms: HashSet<&str> = parsed.highlight_tokens().collect();
    let mut tokenizer = analyzer();
    // Stored-field read + char window: what /v1/fetch costs, and (minus the window) what
    // every search hit pays to get its url/title/text from the lz4 doc store.
    let fetch = subprocess_page();
    c.bench_function("fetch/subprocess", |b| {
        b.iter(|| {
            fx.snapshot
                .fetch(black_box(&fetch))
                .expect("fetch")
                .text
                .len()
        });
    });

    let mut group = c.benchmark_group("snippet");
    group.bench_function(format!("{}B", passage.len()), |b| {
        b.iter(|| {
            snippet(
                black_box(&passage),
                &terms,
                &mut tokenizer,
                Highlight::Markdown,
            )
            .len()
        });
    });
    // As `Snapshot::search` runs it: a fresh clone of the analyzer per hit.
    group.bench_function(format!("{}B_cloned_analyzer", passage.len()), |b| {
        b.iter(|| {
            let mut cloned = fx.analyzer.clone();
            snippet(
                black_box(&passage),
                &terms,
                &mut cloned,
                Highlight::Markdown,
            )
            .len()
        });
    });
    group.finish();

    // Why is a 1-term query ~30 µs in both engines? Both clone a regex-based analyzer per
    // query; a cloned regex starts with a cold lazy-DFA cache. Same 3-word parse, both ways.
    let mut group = c.benchmark_group("parse3");
    let mut reused = fx.analyzer.clone();
    group.bench_function("reused_analyzer", |b| {
        b.iter(|| {
            parse(black_box("python subprocess timeout"), &mut reused).map(|p| p.scored.len())
        });
    });
    group.bench_function("cloned_analyzer", |b| {
        b.iter(|| {
            parse(
                black_box("python subprocess timeout"),
                &mut fx.analyzer.clone(),
            )
            .map(|p| p.scored.len())
        });
    });
    group.finish();
}

/// Median wall time of `f`: at least 15 runs, more while under ~150 ms in total.
fn median_us(mut f: impl FnMut()) -> f64 {
    f(); // warm caches (postings pages, thread-local accumulator)
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 15 || (times.len() < 301 && started.elapsed() < Duration::from_millis(150))
    {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Per-query medians (µs). `same@10`: our top-10 at tantivy's k1=1.2/b=0.75 vs tantivy's
/// top-10 — a check that the baseline does the same retrieval work, not a faster wrong one.
fn per_query_table(fx: &Fixture) {
    let tantivy_params = Bm25Params { k1: 1.2, b: 0.75 };
    println!("\nper-query medians, µs (k=10; '-' = operator query, not given to tantivy)");
    println!(
        "{:<58} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>7}",
        "query",
        "srch_doc",
        "srch_psg",
        "scor_doc",
        "tant_doc",
        "ratio",
        "scor_psg",
        "exh_psg",
        "tant_psg",
        "same@10"
    );
    let (mut sum_scorer, mut sum_tantivy, mut sum_search) = (0.0, 0.0, 0.0);
    for q in BARE.iter().chain(OPERATORS) {
        let bare = BARE.contains(q);
        let search_doc = median_us(|| {
            black_box(fx.search(q, Unit::Doc));
        });
        let search_psg = median_us(|| {
            black_box(fx.search(q, Unit::Passage));
        });
        let scorer_doc = median_us(|| {
            black_box(fx.scorer(&fx.docs, q, fx.params));
        });
        let scorer_psg = median_us(|| {
            black_box(fx.scorer(&fx.passages, q, fx.params));
        });
        // Same ranking, or the timing compares different work.
        assert_eq!(
            fx.scorer(&fx.passages, q, fx.params),
            fx.scorer_exhaustive(&fx.passages, q, fx.params),
            "{q}"
        );
        let exhaustive_psg = median_us(|| {
            black_box(fx.scorer_exhaustive(&fx.passages, q, fx.params));
        });
        let cell =
            |v: Option<f64>, prec: usize| v.map_or("-".to_string(), |v| format!("{v:.prec$}"));
        let (tant_doc, tant_psg, same) = if bare {
            let td = median_us(|| {
                black_box(fx.tantivy(&fx.tantivy_docs, q));
            });
            let tp = median_us(|| {
                black_box(fx.tantivy(&fx.tantivy_passages, q));
            });
            let ours: HashSet<u32> = fx.scorer(&fx.docs, q, tantivy_params).into_iter().collect();
            let theirs = fx.tantivy(&fx.tantivy_docs, q);
            let same = theirs.iter().filter(|d| ours.contains(d)).count();
            sum_scorer += scorer_doc;
            sum_tantivy += td;
            sum_search += search_doc;
            (Some(td), Some(tp), Some(same as f64))
        } else {
            (None, None, None)
        };
        println!(
            "{:<58} {:>9.1} {:>9.1} {:>9.1} {:>9} {:>7} {:>9.1} {:>9.1} {:>9} {:>7}",
            q,
            search_doc,
            search_psg,
            scorer_doc,
            cell(tant_doc, 1),
            cell(tant_doc.map(|t| scorer_doc / t), 2),
            scorer_psg,
            exhaustive_psg,
            cell(tant_psg, 1),
            cell(same, 0),
        );
    }
    println!(
        "bare-term totals (sum of medians): search_doc {sum_search:.0} µs, scorer_doc {sum_scorer:.0} µs, \
         tantivy_doc {sum_tantivy:.0} µs; scorer/tantivy {:.2}, search/tantivy {:.2}",
        sum_scorer / sum_tantivy,
        sum_search / sum_tantivy
    );
}

fn main() {
    let dir = snapshot_dir();
    if !dir.join("manifest.json").is_file() {
        eprintln!(
            "bm25 bench: no snapshot at {} (no manifest.json).\n\
             Build one with `cargo run --release -p driftless -- quickstart --no-serve`,\n\
             or point DRIFTLESS_BENCH_SNAPSHOT at an existing snapshot directory.",
            dir.display()
        );
        std::process::exit(1);
    }
    let fx = Fixture::open(&dir);
    println!(
        "snapshot {} ({}): {:?}",
        fx.snapshot.id(),
        dir.display(),
        fx.params
    );
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion_benches(&mut c, &fx);
    c.final_summary();
    per_query_table(&fx);
}
