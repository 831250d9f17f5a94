//! Items 5 and 8: what `driftless build` does with a missing model, a missing corpus, a
//! failed build and Search-R1 records, and plain log lines when stderr is not a terminal.
use std::time::Instant;

use super::common::{assert_success, build, corpus, driftless, search, stderr};

/// `--dense` with no model fails before the corpus is read, names the fix, and leaves no
/// `<out>.building/` behind.
#[test]
fn dense_without_a_model_fails_first_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("snap");
    let started = Instant::now();
    let output = build(dir.path(), &corpus(dir.path()), &out)
        .arg("--dense")
        .output()
        .expect("run build");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("fetch-model.sh"), "{message}");
    // Checked before reading: no "corpus read" progress was logged.
    assert!(!message.contains("corpus read"), "{message}");
    assert!(started.elapsed().as_secs() < 30);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["c.jsonl"], "a failed build left files behind");
}

/// A corpus that is not there: one line, the OS reason once.
#[test]
fn a_missing_corpus_is_reported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = driftless(dir.path())
        .args([
            "build",
            "--progress",
            "none",
            "--corpus",
            "nope.jsonl",
            "--out",
        ])
        .arg(dir.path().join("snap"))
        .output()
        .expect("run build");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(
        message.matches("No such file or directory").count(),
        1,
        "{message}"
    );
    assert!(message.contains("nope.jsonl"), "{message}");
    assert!(!dir.path().join("snap.building").exists());
}

/// `{id, contents}` records with Search-R1's `"Title"\ntext` convention get that title; a
/// record without a URL gets `urn:driftless:<id>` (README, Commands).
#[test]
fn search_r1_records_get_their_title_and_a_urn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("wiki.jsonl");
    std::fs::write(
        &corpus,
        concat!(
            r#"{"id": "0", "contents": "\"Aaron\"\nAaron is a prophet, high priest, and the brother of Moses."}"#,
            "\n",
            r#"{"id": "1", "title": "", "contents": "\"Vacuum\"\nA vacuum is a space devoid of matter."}"#,
            "\n"
        ),
    )
    .expect("write");
    let out = dir.path().join("snap");
    let built = build(dir.path(), &corpus, &out)
        .output()
        .expect("run build");
    assert_success(&built);
    let found = search(dir.path(), &out, "prophet devoid")
        .output()
        .expect("run search");
    assert_success(&found);
    let body: serde_json::Value = serde_json::from_slice(&found.stdout).expect("json");
    let mut titles: Vec<(&str, &str)> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|h| {
            (
                h["title"].as_str().unwrap_or(""),
                h["url"].as_str().unwrap_or(""),
            )
        })
        .collect();
    titles.sort_unstable();
    // "prophet" and "devoid" each match one page.
    assert_eq!(
        titles,
        [("Aaron", "urn:driftless:0"), ("Vacuum", "urn:driftless:1")],
        "{body}"
    );
}

/// Item 8: log lines on a pipe carry no ANSI escape codes.
#[test]
fn log_lines_off_a_terminal_are_plain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = build(dir.path(), &corpus(dir.path()), &dir.path().join("snap"))
        .output()
        .expect("run build");
    assert_success(&output);
    let message = stderr(&output);
    assert!(message.contains("INFO"), "expected log lines: {message}");
    assert!(!message.contains('\u{1b}'), "escape codes in: {message:?}");
}
