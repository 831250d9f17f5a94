//! Same corpus + same config ⇒ same snapshot id and byte-identical answers; a modified
//! snapshot is refused with the file or query named.
use driftless_api::{SearchRequest, Unit};
use driftless_index::{OpenError, Snapshot};

use crate::common::{build_at, write_html_site, write_jsonl};

fn bodies(s: &Snapshot, queries: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for q in queries {
        for unit in [Unit::Doc, Unit::Passage] {
            let request = SearchRequest {
                unit,
                k: 20,
                ..SearchRequest::new(*q)
            };
            out.push(serde_json::to_vec(&s.search(&request).expect("search")).expect("json"));
        }
    }
    out
}

#[test]
fn two_builds_and_a_reopen_answer_identically() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_html_site(&dir.path().join("corpus"));
    let one = build_at(&dir.path().join("corpus"), &dir.path().join("one"));
    let two = build_at(&dir.path().join("corpus"), &dir.path().join("two"));
    assert_eq!(one.id(), two.id());
    let queries = [
        "index",
        "create index concurrently",
        "\"unique constraint\"",
        "table -vacuum",
        "join OR vacuum",
    ];
    let first = bodies(&one, &queries);
    assert_eq!(first, bodies(&two, &queries));
    drop(one);
    let reopened = Snapshot::open(&dir.path().join("one")).expect("reopen");
    assert_eq!(first, bodies(&reopened, &queries));
    assert_eq!(
        reopened.manifest().corpus_digest,
        two.manifest().corpus_digest
    );
}

#[test]
fn config_changes_the_snapshot_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write_jsonl(dir.path(), &[("a", "t", "apple"), ("b", "t", "pear")]);
    let base = build_at(&corpus, &dir.path().join("base"));
    let mut options = driftless_ingest::BuildOptions::new(&corpus, dir.path().join("k1"));
    options.progress = driftless_ingest::Progress::Hidden;
    options.bm25_k1 = 1.2;
    let summary = driftless_ingest::build(&options).expect("build");
    assert_ne!(base.id(), summary.snapshot_id);
}

#[test]
fn a_modified_file_is_named_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write_jsonl(dir.path(), &[("a", "t", "apple"), ("b", "t", "pear")]);
    let snap_dir = dir.path().join("snap");
    let snapshot = build_at(&corpus, &snap_dir);
    let victim = snapshot
        .manifest()
        .files
        .iter()
        .find(|f| f.path.ends_with(".store"))
        .expect("store file")
        .path
        .clone();
    drop(snapshot);
    let path = snap_dir.join(&victim);
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).expect("write");
    match Snapshot::open(&snap_dir) {
        Err(OpenError::Checksum { file, .. }) => assert_eq!(file, victim),
        other => panic!("expected a checksum error, got {other:?}"),
    }
}

#[test]
fn drifted_canaries_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write_jsonl(
        dir.path(),
        &[("a", "Apple", "apple"), ("b", "Pear", "pear")],
    );
    let snap_dir = dir.path().join("snap");
    drop(build_at(&corpus, &snap_dir));
    let manifest_path = snap_dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("read")).expect("json");
    manifest["canaries"]["answers"][0] = serde_json::Value::String("0".repeat(64));
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).expect("json")).expect("write");
    match Snapshot::open(&snap_dir) {
        Err(OpenError::CanaryMismatch { query }) => assert_eq!(query, "Apple"),
        other => panic!("expected a canary mismatch, got {other:?}"),
    }
}

#[test]
fn other_format_versions_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write_jsonl(dir.path(), &[("a", "t", "apple")]);
    let snap_dir = dir.path().join("snap");
    drop(build_at(&corpus, &snap_dir));
    let manifest_path = snap_dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .expect("read")
        .replace("\"format_version\": 1", "\"format_version\": 99");
    std::fs::write(&manifest_path, text).expect("write");
    assert!(matches!(
        Snapshot::open(&snap_dir),
        Err(OpenError::IncompatibleVersion { found: 99, .. })
    ));
    assert!(matches!(
        Snapshot::open(dir.path()),
        Err(OpenError::NotASnapshot { .. })
    ));
}
