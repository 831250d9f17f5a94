//! Helpers shared by the build tests: options for a quiet build, and reading a document
//! back from the snapshot it went into.
use std::path::Path;

use driftless_api::{FetchRequest, FetchResponse};
use driftless_ingest::{BuildOptions, Progress};

/// Words of the generated corpora of the streaming and shared-layout tests (the other
/// test files share this module but not the vocabulary).
#[allow(dead_code)]
pub const VOCABULARY: [&str; 16] = [
    "vacuum",
    "index",
    "btree",
    "merge",
    "segment",
    "posting",
    "replica",
    "tokenizer",
    "snapshot",
    "rank",
    "query",
    "shard",
    "commit",
    "scan",
    "cache",
    "writer",
];

/// Build options from `corpus` into `out`, with no progress output.
pub fn quiet_options(corpus: &Path, out: &Path) -> BuildOptions {
    let mut options = BuildOptions::new(corpus, out);
    options.progress = Progress::Hidden;
    options
}

/// Quiet options on `threads` threads with tantivy's smallest indexing budget, so that
/// even a small corpus spans several segments.
#[allow(dead_code)]
pub fn segmented_options(corpus: &Path, out: &Path, threads: usize) -> BuildOptions {
    let mut options = quiet_options(corpus, out);
    options.threads = threads;
    options.index_memory = 16 << 20;
    options
}

/// Writes `lines` as a JSONL corpus at `path`.
#[allow(dead_code)]
pub fn write_jsonl(path: &Path, lines: &[serde_json::Value]) {
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(path, text.join("\n")).expect("write corpus");
}

/// The document `doc_id` of the snapshot in `dir`.
pub fn fetch(dir: &Path, doc_id: &str) -> FetchResponse {
    let snapshot = driftless_index::Snapshot::open(dir).expect("open");
    snapshot
        .fetch(&FetchRequest {
            doc_id: Some(doc_id.into()),
            ..Default::default()
        })
        .expect("fetch")
}
