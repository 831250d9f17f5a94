//! Re-ranking throughput against raw ONNX Runtime on the same pairs.
//!
//! `cargo bench -p driftless-rerank --bench rerank`. Runs on the stand-in cross-encoder
//! (all-MiniLM-L6-v2 int8 plus a linear head on `[CLS]`: the same architecture and size as
//! the MS MARCO MiniLM-L-6 cross-encoders, see tests/common) built from the model that
//! corpus-tools/fetch-model.sh fetches, and also on the real cross-encoder when one is
//! installed (DRIFTLESS_RERANKER_DIR).
//!
//! - `<model>/encoder/depth_N`: `CrossEncoder::score` on N passages of ~100 words: tokenise,
//!   pad, run in batches of 16, collect logits.
//! - `<model>/raw_ort/depth_N`: a session built the same way running the same batches,
//!   tokenised and padded beforehand, logits copied out. Target: encoder ≥ 90% of raw pairs/s.
//! - `<model>/raw_ort_alone/depth_50`: the same pairs one per run, unpadded: what batching
//!   buys over a batch-of-one rule.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use driftless_embed::ort_environment;
use driftless_rerank::{CrossEncoder, PairBatch, RerankerFiles};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;

#[path = "../tests/common/mod.rs"]
mod common;

const QUERY: &str = "how do I make a column unique in a table";
const DEPTHS: [usize; 3] = [20, 50, 100];

/// Distinct documentation-like passages of about 100 words (~120-140 WordPiece tokens).
fn passages(n: usize) -> Vec<String> {
    const SENTENCES: [&str; 8] = [
        "A unique constraint ensures that the data contained in a column is unique among all rows.",
        "The planner chooses between a sequential scan and an index scan using cost estimates.",
        "git rebase reapplies commits on top of another base tip and rewrites their history.",
        "The os module provides a portable way of using operating system dependent functionality.",
        "Django's ORM maps model classes to database tables and builds queries lazily.",
        "Sphinx reads reStructuredText sources and writes HTML with a generated index.",
        "Vacuum reclaims storage occupied by dead tuples left behind by updates and deletes.",
        "A branch in git is simply a lightweight movable pointer to one of the commits.",
    ];
    (0..n)
        .map(|i| {
            (0..6)
                .map(|j| SENTENCES[(i * 3 + j * 5 + i / 8) % SENTENCES.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// A session built as `CrossEncoder::open` builds its own.
fn raw_session(files: &RerankerFiles, library: &Path) -> Session {
    let env = ort_environment(library).expect("ONNX Runtime loads");
    let build = || -> Result<Session, Box<dyn std::error::Error>> {
        Ok(Session::builder(&env)?
            .with_optimization_level(GraphOptimizationLevel::All)?
            .with_intra_threads(1)?
            .with_inter_threads(1)?
            .with_parallel_execution(false)?
            .with_deterministic_compute(true)?
            .commit_from_memory(&files.read_onnx()?)?)
    };
    build().expect("session builds")
}

fn run_raw(session: &mut Session, files: &RerankerFiles, batch: &PairBatch) -> Vec<f32> {
    let shape = [batch.rows, batch.cols];
    let ids = TensorRef::from_array_view((shape, batch.input_ids.as_slice())).unwrap();
    let mask = TensorRef::from_array_view((shape, batch.attention_mask.as_slice())).unwrap();
    let types = TensorRef::from_array_view((shape, batch.token_type_ids.as_slice())).unwrap();
    let outputs = session
        .run(ort::inputs!["input_ids" => ids, "attention_mask" => mask, "token_type_ids" => types])
        .unwrap();
    let (_, values) = outputs[files.output.as_str()]
        .try_extract_tensor::<f32>()
        .unwrap();
    values.to_vec()
}

/// Each batch split into unpadded batches of one.
fn one_per_run(batches: &[PairBatch]) -> Vec<PairBatch> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.rows {
            let row = |m: &[i64]| m[r * b.cols..(r + 1) * b.cols].to_vec();
            let len = row(&b.attention_mask).iter().filter(|&&m| m == 1).count();
            let cut = |m: &[i64]| row(m)[..len].to_vec();
            out.push(PairBatch {
                rows: 1,
                cols: len,
                input_ids: cut(&b.input_ids),
                attention_mask: cut(&b.attention_mask),
                token_type_ids: cut(&b.token_type_ids),
                truncated: vec![b.truncated[r]],
            });
        }
    }
    out
}

fn bench_model(c: &mut Criterion, label: &str, dir: &Path, library: &Path) {
    let encoder = CrossEncoder::open(dir, library).expect("cross-encoder opens");
    let files = encoder.files().clone();
    assert!(
        files.token_type_ids,
        "the raw baseline feeds token_type_ids"
    );
    let mut session = raw_session(&files, library);
    let owned = passages(*DEPTHS.iter().max().unwrap());
    let mut group = c.benchmark_group(label);
    group.sample_size(10).warm_up_time(Duration::from_secs(2));
    for depth in DEPTHS {
        let refs: Vec<&str> = owned[..depth].iter().map(String::as_str).collect();
        let batches = encoder.batches(QUERY, &refs).unwrap();
        let tokens: usize = batches.iter().map(|b| b.rows * b.cols).sum();
        eprintln!(
            "{label} depth {depth}: {} batches, {tokens} padded tokens",
            batches.len()
        );
        group.throughput(Throughput::Elements(depth as u64));
        group.bench_with_input(
            BenchmarkId::new("encoder", format!("depth_{depth}")),
            &refs,
            |b, refs| {
                b.iter(|| black_box(encoder.score(QUERY, refs).unwrap()));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("raw_ort", format!("depth_{depth}")),
            &batches,
            |b, batches| {
                b.iter(|| {
                    let scores: Vec<f32> = batches
                        .iter()
                        .flat_map(|x| run_raw(&mut session, &files, x))
                        .collect();
                    black_box(scores)
                });
            },
        );
        if depth == 50 {
            let alone = one_per_run(&batches);
            group.bench_with_input(
                BenchmarkId::new("raw_ort_alone", "depth_50"),
                &alone,
                |b, alone| {
                    b.iter(|| {
                        let scores: Vec<f32> = alone
                            .iter()
                            .flat_map(|x| run_raw(&mut session, &files, x))
                            .collect();
                        black_box(scores)
                    });
                },
            );
        }
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    match common::standin() {
        Some((dir, library)) => bench_model(c, "standin", dir.path(), &library),
        None => {
            eprintln!("note: skipping the stand-in benchmarks: run corpus-tools/fetch-model.sh");
        }
    }
    if let Some((dir, library)) = common::real_model() {
        bench_model(c, "real", &dir, &library);
    }
}

criterion_group!(rerank, benches);
criterion_main!(rerank);
