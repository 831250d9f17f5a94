//! Query latency against raw ONNX Runtime, and document throughput of the pool.
//!
//! `cargo bench -p driftless-embed --bench embed`. Needs the model and library from
//! corpus-tools/fetch-model.sh (DRIFTLESS_MODEL_DIR / ORT_DYLIB_PATH, or the workspace's
//! .cache/models).
//!
//! - `query/embedder`: `Embedder::embed` on a short query, 1 intra-op thread: tokenise, run,
//!   pool, normalise.
//! - `query/raw_ort`: the same graph in a session built the same way, run on the same input
//!   tokenised beforehand, output extracted but not pooled. The target is `embedder` within
//!   1.2x of this baseline.
//! - `pool/workers_N`: 200 passages of ~100 words through `EmbedPool::embed_all`; criterion
//!   reports passages/s.
//! - `pool/raw_ort_N`: the baseline for it: N raw sessions (built like the pool's) on N
//!   threads taking the same 200 passages, tokenised beforehand, from a shared counter; the
//!   output is extracted, not pooled. Same passages, same sessions, same threads: the ratio
//!   is what the pool adds (tokenising, pooling, bookkeeping) to ONNX Runtime's own time.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use driftless_embed::{
    EmbedPool, Embedder, ModelFiles, default_model_dir, default_ort_library, ort_environment,
};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;

const QUERY: &str = "how do I make a column unique";

/// Same lookup as the integration tests: env vars first, else the workspace's .cache/models.
fn model() -> Option<(ModelFiles, PathBuf)> {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models");
    let env_set = |names: &[&str]| names.iter().any(|n| std::env::var_os(n).is_some());
    let dir = if env_set(&["DRIFTLESS_MODEL_DIR"]) {
        default_model_dir()
    } else {
        models.join("all-MiniLM-L6-v2-int8")
    };
    let library = if env_set(&["ORT_DYLIB_PATH", "DRIFTLESS_ORT_LIB", "DRIFTLESS_MODEL_DIR"]) {
        default_ort_library()
    } else {
        models.join("onnxruntime").join(driftless_embed::ORT_FILE)
    };
    match ModelFiles::load(&dir) {
        Ok(files) => Some((files, library)),
        Err(err) => {
            eprintln!("note: skipping embed benchmarks: {err}");
            None
        }
    }
}

/// 200 distinct passages of about 100 words, built from documentation-like sentences so the
/// token count per passage is realistic (~130 WordPiece tokens).
fn passages() -> Vec<String> {
    const SENTENCES: [&str; 8] = [
        "A unique constraint ensures that the data contained in a column is unique among all rows.",
        "The planner chooses between a sequential scan and an index scan using cost estimates.",
        "git rebase reapplies commits on top of another base tip and rewrites their history.",
        "The os module provides a portable way of using operating system dependent functionality.",
        "Django's ORM maps model classes to database tables and builds queries lazily.",
        "Sphinx reads reStructuredText sources and writes HTML with a generated index.",
        "Vacuum reclaims storage occupied by dead tuples left behind by updates and deletes.",
        "A context manager sets up and tears down a runtime context around a block of code.",
    ];
    (0..200)
        .map(|i| {
            let body: Vec<&str> = (0..7)
                .map(|j| SENTENCES[(i * 3 + j * 5) % SENTENCES.len()])
                .collect();
            format!("Passage {i}. {}", body.join(" "))
        })
        .collect()
}

/// The embedder's session options (runtime.rs), built directly with `ort`.
fn raw_session(env: &ort::environment::Environment, onnx: &[u8]) -> ort::Result<Session> {
    Session::builder(env)?
        .with_optimization_level(GraphOptimizationLevel::All)?
        .with_intra_threads(1)?
        .with_inter_threads(1)?
        .with_parallel_execution(false)?
        .with_deterministic_compute(true)?
        .commit_from_memory(onnx)
}

fn bench_query(c: &mut Criterion, files: &ModelFiles, library: &std::path::Path) {
    let embedder = Embedder::new(files, library, 1).expect("embedder");

    // Baseline: a session configured like the embedder's, fed pre-tokenised input.
    let env = ort_environment(library).expect("environment");
    let onnx = std::fs::read(files.onnx_path()).expect("model.onnx");
    let mut session = raw_session(&env, &onnx).expect("raw session");
    let mut tokenizer =
        tokenizers::Tokenizer::from_file(files.tokenizer_path()).expect("tokenizer");
    tokenizer.with_padding(None);
    let encoding = tokenizer.encode(QUERY, true).expect("encode");
    let widen = |v: &[u32]| v.iter().map(|&x| i64::from(x)).collect::<Vec<_>>();
    let (ids, mask, types) = (
        widen(encoding.get_ids()),
        widen(encoding.get_attention_mask()),
        widen(encoding.get_type_ids()),
    );

    let mut group = c.benchmark_group("query");
    group.bench_function("embedder", |b| {
        b.iter(|| embedder.embed(black_box(QUERY)).expect("embed"));
    });
    group.bench_function("raw_ort", |b| {
        b.iter(|| black_box(run_one(&mut session, &ids, &mask, &types)));
    });
    group.finish();
}

fn bench_pool(c: &mut Criterion, files: &ModelFiles, library: &std::path::Path) {
    let owned = passages();
    let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut group = c.benchmark_group("pool");
    // One iteration embeds all 200 passages (seconds), so keep criterion's minimum sample count.
    group.sample_size(10);
    group.throughput(Throughput::Elements(texts.len() as u64));
    for workers in [1, 2] {
        let pool = EmbedPool::new(files, library, workers).expect("pool");
        group.bench_function(format!("workers_{workers}"), |b| {
            b.iter(|| {
                pool.embed_all(black_box(&texts), &|_| {})
                    .expect("embed_all")
            });
        });
    }
    let inputs = tokenised(files, &texts);
    let env = ort_environment(library).expect("environment");
    let onnx = std::fs::read(files.onnx_path()).expect("model.onnx");
    for workers in [1, 2] {
        let sessions: Vec<std::sync::Mutex<Session>> = (0..workers)
            .map(|_| std::sync::Mutex::new(raw_session(&env, &onnx).expect("raw session")))
            .collect();
        group.bench_function(format!("raw_ort_{workers}"), |b| {
            b.iter(|| run_raw(&sessions, &inputs));
        });
    }
    group.finish();
}

/// (ids, mask, types) per passage, truncated at the model's window like the embedder's.
type Input = (Vec<i64>, Vec<i64>, Vec<i64>);

fn tokenised(files: &ModelFiles, texts: &[&str]) -> Vec<Input> {
    let mut tokenizer =
        tokenizers::Tokenizer::from_file(files.tokenizer_path()).expect("tokenizer");
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(tokenizers::TruncationParams {
            max_length: files.max_tokens,
            ..Default::default()
        }))
        .expect("truncation");
    let widen = |v: &[u32]| v.iter().map(|&x| i64::from(x)).collect::<Vec<_>>();
    texts
        .iter()
        .map(|text| {
            let e = tokenizer.encode(*text, true).expect("encode");
            (
                widen(e.get_ids()),
                widen(e.get_attention_mask()),
                widen(e.get_type_ids()),
            )
        })
        .collect()
}

/// Every input through one of `sessions`, one thread per session, next input from a counter.
fn run_raw(sessions: &[std::sync::Mutex<Session>], inputs: &[Input]) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for session in sessions {
            let next = &next;
            scope.spawn(move || {
                let mut session = session.lock().expect("session");
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((ids, mask, types)) = inputs.get(i) else {
                        break;
                    };
                    black_box(run_one(&mut session, ids, mask, types));
                }
            });
        }
    });
}

fn benches(c: &mut Criterion) {
    let Some((files, library)) = model() else {
        return;
    };
    bench_query(c, &files, &library);
    bench_pool(c, &files, &library);
}

/// One pre-tokenised text through a raw session; the first output value, extracted.
fn run_one(session: &mut Session, ids: &[i64], mask: &[i64], types: &[i64]) -> f32 {
    let shape = [1usize, ids.len()];
    let outputs = session
        .run(ort::inputs![
            "input_ids" => TensorRef::from_array_view((shape, ids)).expect("ids"),
            "attention_mask" => TensorRef::from_array_view((shape, mask)).expect("mask"),
            "token_type_ids" => TensorRef::from_array_view((shape, types)).expect("types"),
        ])
        .expect("run");
    let (_, values) = outputs["last_hidden_state"]
        .try_extract_tensor::<f32>()
        .expect("output");
    values[0]
}

criterion_group!(embed, benches);
criterion_main!(embed);
