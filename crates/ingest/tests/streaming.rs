//! The streaming build: a corpus spilled into many sorted runs and indexed into many
//! tantivy segments gives the same snapshot (id, manifest, answers) as one held in a single
//! run and segment, on one thread or two; duplicates across runs resolve as in one sort.
mod common;

use std::path::Path;

use common::{VOCABULARY, fetch, segmented_options, write_jsonl};
use driftless_api::{Manifest, Mode, SearchRequest, Unit};
use driftless_ingest::{BuildSummary, build};

/// A deterministic corpus of `n` records in shuffled id order, with a few duplicate ids
/// (the first read must win) and duplicate URLs spread far apart, so they meet only in the
/// merge of different runs.
fn corpus(path: &Path, n: usize) {
    let words = VOCABULARY;
    let mut lines = Vec::with_capacity(n + 8);
    for i in 0..n {
        // A permutation of 0..n (n is prime to 7919), so ids arrive out of order.
        let id = (i * 7919) % n;
        let body: Vec<&str> = (0..60 + id % 90)
            .map(|j| words[(id * 31 + j * 7 + j * j) % words.len()])
            .collect();
        lines.push(serde_json::json!({
            "id": format!("doc-{id:05}"),
            "url": format!("https://example.org/{id}"),
            "title": format!("{} {} {id}", words[id % 16], words[(id / 16) % 16]),
            "text": body.join(" "),
        }));
    }
    for (dup, of) in [(n, 3usize), (n + 1, n / 2), (n + 2, n - 1)] {
        lines.push(serde_json::json!({"id": format!("doc-{of:05}"), "url": format!("https://dup.org/{dup}"), "title": "late duplicate", "text": "loses"}));
        lines.push(serde_json::json!({"id": format!("zz-{dup}"), "url": format!("https://example.org/{of}"), "title": "dup url", "text": "loses too"}));
    }
    write_jsonl(path, &lines);
}

fn build_with(corpus: &Path, out: &Path, threads: usize, run_bytes: usize) -> BuildSummary {
    let mut options = segmented_options(corpus, out, threads);
    options.run_bytes = run_bytes;
    build(&options).expect("build")
}

fn answers(dir: &Path) -> Vec<String> {
    let snapshot = driftless_index::Snapshot::open(dir).expect("open");
    let mut out = Vec::new();
    for q in [
        "vacuum btree",
        "replica tokenizer shard",
        "late duplicate",
        "commit 17",
    ] {
        for unit in [Unit::Doc, Unit::Passage] {
            let mut request = SearchRequest::new(q);
            request.k = 20;
            request.mode = Some(Mode::Bm25);
            request.unit = unit;
            let response = snapshot.search(&request).expect("search");
            out.push(serde_json::to_string(&response).expect("json"));
        }
    }
    out
}

fn manifest(dir: &Path) -> Manifest {
    driftless_index::Snapshot::read_manifest(dir).expect("manifest")
}

#[test]
fn runs_segments_and_threads_do_not_change_the_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("corpus.jsonl");
    corpus(&input, 6007);
    let whole = build_with(&input, &dir.path().join("whole"), 2, 1 << 30);
    let one = build_with(&input, &dir.path().join("one"), 1, 1 << 20);
    let two = build_with(&input, &dir.path().join("two"), 2, 1 << 20);
    assert_eq!(whole.runs, 1);
    assert!(one.runs >= 3 && two.runs == one.runs, "{} runs", one.runs);
    assert_eq!(whole.documents, 6007, "{whole:?}");
    assert_eq!(whole.skipped.get("duplicate_id"), Some(&3));
    assert_eq!(whole.skipped.get("duplicate_url"), Some(&3));
    assert!(whole.peak_rss_bytes.is_some_and(|b| b > 0));
    for other in [&one, &two] {
        assert_eq!(other.snapshot_id, whole.snapshot_id);
        assert_eq!(
            (
                other.documents,
                other.passages,
                other.text_bytes,
                &other.skipped
            ),
            (
                whole.documents,
                whole.passages,
                whole.text_bytes,
                &whole.skipped
            )
        );
    }
    let (m_whole, m_one, m_two) = (
        manifest(&dir.path().join("whole")),
        manifest(&dir.path().join("one")),
        manifest(&dir.path().join("two")),
    );
    assert_eq!(m_one.canaries, m_whole.canaries);
    assert_eq!(m_two.canaries, m_whole.canaries);
    assert_eq!(m_one.corpus_digest, m_whole.corpus_digest);
    let want = answers(&dir.path().join("whole"));
    assert_eq!(answers(&dir.path().join("one")), want);
    assert_eq!(answers(&dir.path().join("two")), want);
    // The first record read wins: doc-00003's late duplicate is not in the index.
    let three = fetch(&dir.path().join("two"), "doc-00003");
    assert_ne!(three.title, "late duplicate");
    // No work files are left in the snapshot.
    assert!(!dir.path().join("two/.work").exists());
}
