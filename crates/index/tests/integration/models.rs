//! Every shipped embedding model builds a snapshot that answers (corpus-tools/fetch-model.sh
//! fetches them beside the default one: scripts/test.sh asks for `all`).
//!
//! The models differ in what the code must get right: paraphrase-MiniLM-L3-v2 has no
//! `token_type_ids` input and a non-standard output name; multilingual-e5-small takes
//! `query: ` / `passage: ` prefixes, an XLM-R tokenizer and a 512-token window.
use driftless_api::{Mode, SearchRequest};
use driftless_ingest::{BuildOptions, DenseOptions, Progress, build};

use super::dense::open;
use super::external::dense_options;
use crate::common::write_jsonl;

const DOCS: [(&str, &str, &str); 5] = [
    (
        "pg-vacuum",
        "VACUUM",
        "VACUUM reclaims storage occupied by dead tuples left behind by updates and deletes.",
    ),
    (
        "pg-unique",
        "Unique Constraints",
        "Unique constraints ensure that the data contained in a column is unique among all rows.",
    ),
    (
        "git-rebase",
        "git-rebase",
        "Reapply commits on top of another base tip, rewriting the branch history.",
    ),
    (
        "py-subprocess",
        "subprocess",
        "The subprocess module lets you spawn new processes and obtain their return codes.",
    ),
    (
        "py-json",
        "json",
        "Encode Python objects as JSON text and decode JSON documents back into objects.",
    ),
];

/// Queries that share (almost) no word with their answer: only meaning finds it.
const QUERIES: [(&str, &str); 4] = [
    (
        "free the disk space that deleted rows still use",
        "pg-vacuum",
    ),
    ("change the history of my branch", "git-rebase"),
    (
        "start another program and wait for its exit status",
        "py-subprocess",
    ),
    ("serialize a dictionary to a string", "py-json"),
];

/// The default model's options with `name`'s directory (a sibling of the default one).
fn options_for(name: &str) -> Option<DenseOptions> {
    let mut options = dense_options()?;
    let dir = options
        .model_dir
        .parent()
        .expect("the model directory has a parent")
        .join(name);
    assert!(
        dir.join("model.json").is_file(),
        "{} missing: run corpus-tools/fetch-model.sh DEST all (scripts/test.sh does)",
        dir.display()
    );
    options.set_model_dir(&dir);
    Some(options)
}

fn build_with(name: &str) -> Option<(tempfile::TempDir, driftless_index::Snapshot)> {
    let dense = options_for(name)?;
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write_jsonl(dir.path(), &DOCS);
    let out = dir.path().join("snap");
    let mut options = BuildOptions::new(&corpus, &out);
    options.progress = Progress::Hidden;
    options.dense = Some(dense.clone());
    build(&options).expect("dense build");
    let snapshot = open(&out, &dense);
    Some((dir, snapshot))
}

fn dense_top(snapshot: &driftless_index::Snapshot, query: &str) -> (String, Vec<u8>) {
    let request = SearchRequest {
        mode: Some(Mode::DenseExact),
        k: 3,
        ..SearchRequest::new(query)
    };
    let response = snapshot.search(&request).expect("search");
    let body = serde_json::to_vec(&response).expect("json");
    (response.results[0].doc_id.clone(), body)
}

fn answers_by_meaning(name: &str) -> Option<serde_json::Value> {
    let (_dir, snapshot) = build_with(name)?;
    for (query, expected) in QUERIES {
        let (top, body) = dense_top(&snapshot, query);
        assert_eq!(top, expected, "{name}: {query}");
        assert_eq!(dense_top(&snapshot, query).1, body, "{name}: same bytes");
    }
    let dense = snapshot
        .manifest()
        .build
        .dense
        .clone()
        .expect("dense config");
    assert!(
        dense["model_id"]
            .as_str()
            .is_some_and(|id| id.contains(name.split('-').next().unwrap())),
        "{dense}"
    );
    Some(dense)
}

#[test]
fn paraphrase_minilm_l3_answers() {
    let Some(dense) = answers_by_meaning("paraphrase-MiniLM-L3-v2") else {
        return;
    };
    assert_eq!(dense["max_tokens"], 128);
    assert!(dense.get("query_prefix").is_none(), "{dense}");
}

#[test]
fn multilingual_e5_small_answers_with_its_prefixes() {
    let Some(dense) = answers_by_meaning("multilingual-e5-small-q4") else {
        return;
    };
    // The manifest says how queries must be encoded, so a reader of the snapshot knows.
    assert_eq!(dense["query_prefix"], "query: ");
    assert_eq!(dense["passage_prefix"], "passage: ");
    assert_eq!(dense["max_tokens"], 512);
}
