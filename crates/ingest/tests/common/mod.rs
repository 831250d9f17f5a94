//! Helpers shared by the build tests: options for a quiet build, and reading a document
//! back from the snapshot it went into.
use std::path::Path;

use driftless_api::{FetchRequest, FetchResponse};
use driftless_ingest::{BuildOptions, Progress};

/// Build options from `corpus` into `out`, with no progress output.
pub fn quiet_options(corpus: &Path, out: &Path) -> BuildOptions {
    let mut options = BuildOptions::new(corpus, out);
    options.progress = Progress::Hidden;
    options
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
