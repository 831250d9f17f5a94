//! Building snapshots from corpora with bad files: everything bad is skipped and counted,
//! nothing panics, and the output directory appears only when the build succeeds.
mod common;

use std::path::Path;

use common::{fetch, quiet_options};
use driftless_ingest::{IngestError, build};

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{body}</p></body></html>"
    )
}

fn write(root: &Path, name: &str, bytes: &[u8]) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn bad_files_are_skipped_with_reasons() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("site");
    write(
        &corpus,
        "good.html",
        page("Good page", "vacuum reclaims storage").as_bytes(),
    );
    write(
        &corpus,
        "also-good.html",
        page("Another", "autovacuum daemon").as_bytes(),
    );
    write(
        &corpus,
        "latin1.html",
        b"<html><body><p>caf\xe9 \xff\xfe</p></body></html>",
    );
    write(
        &corpus,
        "truncated.html",
        b"<html><head><title>Cut</title></head><body><p>this page was cut off in the mid",
    );
    write(&corpus, "empty.html", b"<html><body>   </body></html>");
    write(&corpus, "zero.html", b"");
    let mut big = page("Big", "x").into_bytes();
    big.extend(std::iter::repeat_n(b'a', 300_000));
    write(&corpus, "big.html", &big);
    write(&corpus, "notes.txt", b"not html, not read");

    let mut opts = quiet_options(&corpus, &dir.path().join("snap"));
    opts.reader.max_page_bytes = 200_000;
    let summary = build(&opts).expect("build succeeds despite bad files");
    assert_eq!(summary.documents, 2, "{summary:?}");
    assert_eq!(summary.read, 7, "{summary:?}");
    for reason in ["invalid_utf8", "truncated", "empty", "too_large"] {
        assert!(
            summary.skipped.get(reason).copied().unwrap_or(0) >= 1,
            "{reason} missing in {:?}",
            summary.skipped
        );
    }
    assert_eq!(summary.skipped.values().sum::<u64>(), 5);
    let manifest = driftless_index::Snapshot::open(&dir.path().join("snap"))
        .expect("open")
        .manifest()
        .clone();
    assert_eq!(manifest.counts.skipped, summary.skipped);
}

#[test]
fn jsonl_duplicates_and_bad_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("c.jsonl");
    let lines = [
        r#"{"id":"b","url":"https://e.org/b","title":"B","text":"second"}"#,
        r#"{"id":"a","url":"https://e.org/a","title":"A","text":"first"}"#,
        r#"{"id":"a","url":"https://e.org/a2","title":"A again","text":"dup id"}"#,
        r#"{"id":"c","url":"https://e.org/a","title":"C","text":"dup url"}"#,
        r#"{"id": 7, "contents": "\"Seven\"\nnumeric id, title in contents"}"#,
        r#"{"id":"broken""#,
        r#"["not","an","object"]"#,
        r#"{"id":"e","title":"E","text":""}"#,
    ];
    std::fs::write(&corpus, lines.join("\n")).expect("write");
    let summary = build(&quiet_options(&corpus, &dir.path().join("snap"))).expect("build");
    assert_eq!(summary.documents, 3, "{summary:?}");
    assert_eq!(summary.skipped.get("duplicate_id"), Some(&1));
    assert_eq!(summary.skipped.get("duplicate_url"), Some(&1));
    assert_eq!(summary.skipped.get("invalid_record"), Some(&2));
    assert_eq!(summary.skipped.get("empty"), Some(&1));
    let snap = dir.path().join("snap");
    assert_eq!(fetch(&snap, "7").title, "Seven");
    // The first record read wins among duplicate ids.
    assert_eq!(fetch(&snap, "a").title, "A");
}

#[test]
fn refuses_to_overwrite_and_reports_empty_corpora() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(&corpus, r#"{"id":"a","title":"A","text":"apple"}"#).expect("write");
    let out = dir.path().join("snap");
    build(&quiet_options(&corpus, &out)).expect("first build");
    assert!(matches!(
        build(&quiet_options(&corpus, &out)),
        Err(IngestError::OutputExists(_))
    ));
    let mut again = quiet_options(&corpus, &out);
    again.overwrite = true;
    build(&again).expect("overwrite");
    assert!(
        !dir.path().join("snap.building").exists(),
        "staging directory left behind"
    );

    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "\n\n").expect("write");
    let error = build(&quiet_options(&empty, &dir.path().join("e"))).expect_err("empty corpus");
    assert!(matches!(error, IngestError::Empty { .. }), "{error}");
    assert!(!dir.path().join("e").exists());
    let missing = build(&quiet_options(
        &dir.path().join("nope"),
        &dir.path().join("m"),
    ))
    .expect_err("missing corpus");
    assert!(missing.to_string().contains("nope"), "{missing}");
}

#[test]
fn invalid_options_are_rejected_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = quiet_options(dir.path(), &dir.path().join("snap"));
    opts.bm25_b = 1.5;
    assert!(matches!(build(&opts), Err(IngestError::InvalidOption(_))));
    let mut opts = quiet_options(dir.path(), &dir.path().join("snap"));
    opts.passage_max_tokens = 5;
    assert!(matches!(build(&opts), Err(IngestError::InvalidOption(_))));
}
