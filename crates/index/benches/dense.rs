//! Vector-search benchmarks on a real dense snapshot: HNSW (`mode=dense`) against the exact
//! scan (`mode=dense_exact`, the ground truth), on the same query vectors.
//!
//! Run: `cargo bench -p driftless-index --bench dense` (about 40 s on 2 cores). The snapshot
//! comes from `DRIFTLESS_BENCH_SNAPSHOT` (default `.cache/snapshots/default`, which
//! `driftless quickstart --no-serve` builds with dense vectors).
//!
//! Queries are embedded once, before timing: embedding has its own bench in crates/embed, and
//! here only the search over the 384-d vectors is measured. A recall line (HNSW top-10 vs
//! exact top-10 over the same queries) is printed first, so a speed number is never read
//! without the accuracy it was bought at.
// Shared with the bm25 bench, which uses the rest of it.
#[allow(dead_code)]
mod fixture;

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use driftless_index::dense::DenseIndex;
use driftless_index::{OpenOptions, Snapshot};

use fixture::{BARE, OPERATORS, snapshot_dir};

const K: usize = 10;

fn recall(dense: &DenseIndex, vectors: &[Vec<f32>], ef: usize) -> f64 {
    let mut total = 0.0;
    for v in vectors {
        let truth: HashSet<u32> = dense.exact(v, K).iter().map(|h| h.0).collect();
        let found = dense
            .ann_with_ef(v, K, ef)
            .iter()
            .filter(|h| truth.contains(&h.0))
            .count();
        total += found as f64 / truth.len().max(1) as f64;
    }
    total / vectors.len().max(1) as f64
}

fn main() {
    let dir = snapshot_dir();
    let snapshot = Snapshot::open_with(&dir, &OpenOptions::default()).unwrap_or_else(|e| {
        panic!(
            "open {}: {e}\nbuild it: cargo run --release -p driftless -- quickstart --no-serve",
            dir.display()
        )
    });
    let dense = snapshot.dense_index().unwrap_or_else(|| {
        panic!(
            "{} has no dense index; build the default snapshot (dense) or set DRIFTLESS_BENCH_SNAPSHOT",
            dir.display()
        )
    });
    let vectors: Vec<Vec<f32>> = BARE
        .iter()
        .chain(OPERATORS)
        .map(|q| dense.embed(q).expect("embed a bench query"))
        .collect();
    let ef = dense.config.hnsw_ef_search;
    println!(
        "{} passages; {} queries; recall@{K} of HNSW vs exact: {:.3} at ef {ef}, {:.3} at ef {}",
        dense.len(),
        vectors.len(),
        recall(dense, &vectors, ef),
        recall(dense, &vectors, ef * 2),
        ef * 2
    );

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .sample_size(20)
        .configure_from_args();
    let mut group = c.benchmark_group("dense_top10");
    group.throughput(Throughput::Elements(vectors.len() as u64));
    group.bench_function(format!("hnsw_ef{ef}"), |b| {
        b.iter(|| {
            for v in &vectors {
                black_box(dense.ann_with_ef(v, K, ef));
            }
        });
    });
    group.bench_function("exact_scan", |b| {
        b.iter(|| {
            for v in &vectors {
                black_box(dense.exact(v, K));
            }
        });
    });
    group.finish();
    c.final_summary();
}
