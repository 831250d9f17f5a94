//! Packs of real snapshots: two builds give one digest, an unpacked copy answers with the
//! same bytes, and every kind of damage is refused with the entry that is wrong.
use std::path::{Path, PathBuf};

use driftless_api::{Mode, SearchRequest, Unit};
use driftless_ingest::{BuildOptions, Progress, build};
use driftless_pack::{PackError, PackSummary, pack, unpack, unpack_cached, verify};

fn corpus(path: &Path, n: usize) {
    let words = [
        "vacuum", "index", "btree", "merge", "replica", "shard", "commit", "cache",
    ];
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let body: Vec<&str> = (0..80 + i % 50)
                .map(|j| words[(i * 7 + j * j) % 8])
                .collect();
            serde_json::json!({
                "id": format!("doc-{i:04}"),
                "url": format!("https://example.org/{i}"),
                "title": format!("{} {i}", words[i % 8]),
                "text": body.join(" "),
            })
            .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n")).expect("write corpus");
}

fn build_into(corpus: &Path, out: &Path) {
    let mut options = BuildOptions::new(corpus, out);
    options.progress = Progress::Hidden;
    options.threads = 2;
    // The smallest budget tantivy takes: several segments before the merge.
    options.index_memory = 16 << 20;
    build(&options).expect("build");
}

fn pack_of(dir: &Path, out: &Path) -> PackSummary {
    pack(dir, out, &mut |_| {}).expect("pack")
}

fn answers(dir: &Path) -> Vec<String> {
    let snapshot = driftless_index::Snapshot::open(dir).expect("open verified");
    let mut out = Vec::new();
    for q in ["vacuum btree", "replica shard commit", "cache 17"] {
        for unit in [Unit::Doc, Unit::Passage] {
            let mut request = SearchRequest::new(q);
            request.k = 50;
            request.mode = Some(Mode::Bm25);
            request.unit = unit;
            let response = snapshot.search(&request).expect("search");
            out.push(serde_json::to_string(&response).expect("json"));
        }
    }
    out
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    pack: PackSummary,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    corpus(&root.join("corpus.jsonl"), 3000);
    build_into(&root.join("corpus.jsonl"), &root.join("a"));
    let pack = pack_of(&root.join("a"), &root.join("a.tar.zst"));
    Fixture {
        _tmp: tmp,
        root,
        pack,
    }
}

fn file_names(dir: &Path) -> Vec<String> {
    let manifest = driftless_index::Snapshot::read_manifest(dir).expect("manifest");
    manifest.files.into_iter().map(|f| f.path).collect()
}

#[test]
fn two_builds_give_one_pack_and_an_unpacked_copy_answers_the_same() {
    let f = fixture();
    build_into(&f.root.join("corpus.jsonl"), &f.root.join("b"));
    // Segment files are named after their content, so the two builds hold the same names.
    assert_eq!(file_names(&f.root.join("a")), file_names(&f.root.join("b")));
    let b = pack_of(&f.root.join("b"), &f.root.join("b.tar.zst"));
    assert_eq!(b.sha256, f.pack.sha256);
    assert_eq!(
        std::fs::read(f.root.join("a.tar.zst")).expect("a"),
        std::fs::read(f.root.join("b.tar.zst")).expect("b")
    );
    assert!(f.pack.pack_bytes < f.pack.snapshot_bytes, "{:?}", f.pack);
    // The sidecar is in sha256sum's format.
    let sidecar = std::fs::read_to_string(f.root.join("a.tar.zst.sha256")).expect("sidecar");
    assert_eq!(sidecar, format!("{}  a.tar.zst\n", f.pack.sha256));

    let checked = verify(&f.root.join("a.tar.zst"), Some(&f.pack.sha256)).expect("verify");
    assert_eq!(
        (checked.sha256.as_str(), checked.files),
        (f.pack.sha256.as_str(), f.pack.files)
    );
    let elsewhere = f.root.join("elsewhere/snapshot");
    unpack(&f.root.join("a.tar.zst"), &elsewhere, None).expect("unpack");
    assert_eq!(answers(&elsewhere), answers(&f.root.join("a")));
    // Packing the unpacked copy gives the same pack again.
    assert_eq!(
        pack_of(&elsewhere, &f.root.join("c.tar.zst")).sha256,
        f.pack.sha256
    );
}

fn corrupt_message(result: Result<PackSummary, PackError>) -> String {
    match result {
        Err(PackError::Corrupt { message, .. }) => message,
        other => panic!("expected a corrupt pack, got {other:?}"),
    }
}

#[test]
fn damaged_packs_are_refused_and_leave_nothing_behind() {
    let f = fixture();
    let good = std::fs::read(f.root.join("a.tar.zst")).expect("pack");
    let damaged = f.root.join("damaged.tar.zst");

    // One flipped byte in the compressed middle.
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x40;
    std::fs::write(&damaged, &flipped).expect("write");
    corrupt_message(verify(&damaged, None));
    let dest = f.root.join("out");
    assert!(unpack(&damaged, &dest, None).is_err());
    assert!(!dest.exists(), "a failed unpack leaves no directory");
    let leftovers: Vec<_> = std::fs::read_dir(&f.root)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("unpacking"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Truncated.
    std::fs::write(&damaged, &good[..good.len() * 2 / 3]).expect("write");
    corrupt_message(verify(&damaged, None));

    // Whole, but not the digest asked for, nor the one its sidecar records.
    std::fs::write(&damaged, &good).expect("write");
    let wrong = "0".repeat(64);
    assert!(corrupt_message(verify(&damaged, Some(&wrong))).contains("was asked for"));
    std::fs::write(
        f.root.join("damaged.tar.zst.sha256"),
        format!("{wrong}  damaged.tar.zst\n"),
    )
    .expect("sidecar");
    assert!(corrupt_message(verify(&damaged, None)).contains(".sha256"));
    std::fs::remove_file(f.root.join("damaged.tar.zst.sha256")).expect("rm");
    verify(&damaged, None).expect("the same bytes without a sidecar verify");

    // A file the manifest does not list, appended as a well-formed entry.
    let snapshot = f.root.join("a");
    let mut builder = tar::Builder::new(Vec::new());
    let mut append = |path: String, bytes: &[u8]| {
        let mut header = tar::Header::new_ustar();
        header.set_path(path).expect("path");
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, bytes).expect("append");
    };
    let id = &f.pack.snapshot_id;
    append(
        format!("{id}/manifest.json"),
        &std::fs::read(snapshot.join("manifest.json")).expect("m"),
    );
    for name in file_names(&snapshot) {
        append(
            format!("{id}/{name}"),
            &std::fs::read(snapshot.join(&name)).expect("file"),
        );
    }
    append(format!("{id}/extra.bin"), b"not in the manifest");
    let tarball = builder.into_inner().expect("tar");
    std::fs::write(
        &damaged,
        zstd::encode_all(tarball.as_slice(), 3).expect("zstd"),
    )
    .expect("write");
    assert!(corrupt_message(verify(&damaged, None)).contains("extra.bin"));
}

#[test]
fn unpacking_refuses_a_directory_in_use_and_the_cache_unpacks_once() {
    let f = fixture();
    let pack_path = f.root.join("a.tar.zst");
    let busy = f.root.join("busy");
    std::fs::create_dir_all(&busy).expect("mkdir");
    std::fs::write(busy.join("notes.txt"), "mine").expect("write");
    assert!(matches!(
        unpack(&pack_path, &busy, None),
        Err(PackError::Target { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(busy.join("notes.txt")).expect("kept"),
        "mine"
    );

    let cache = f.root.join("cache");
    let (dir, fresh) = unpack_cached(&pack_path, &cache).expect("first");
    assert!(fresh);
    assert_eq!(dir, cache.join(&f.pack.snapshot_id));
    let (again, fresh) = unpack_cached(&pack_path, &cache).expect("second");
    assert_eq!((again.as_path(), fresh), (dir.as_path(), false));
    // A cached copy whose manifest was altered is replaced by a fresh unpack.
    std::fs::write(dir.join("manifest.json"), "{}").expect("tamper");
    let (_, fresh) = unpack_cached(&pack_path, &cache).expect("third");
    assert!(fresh);
    assert_eq!(answers(&dir), answers(&f.root.join("a")));
}

#[test]
fn a_snapshot_that_does_not_match_its_manifest_is_not_packed() {
    let f = fixture();
    let snapshot = f.root.join("a");
    let victim = file_names(&snapshot)
        .into_iter()
        .find(|n| n.ends_with(".store"))
        .expect("store");
    let mut bytes = std::fs::read(snapshot.join(&victim)).expect("read");
    bytes[10] ^= 1;
    std::fs::write(snapshot.join(&victim), bytes).expect("write");
    let out = f.root.join("bad.tar.zst");
    match pack(&snapshot, &out, &mut |_| {}) {
        Err(PackError::Snapshot { message, .. }) => assert!(message.contains(&victim), "{message}"),
        other => panic!("expected a snapshot error, got {other:?}"),
    }
    assert!(!out.exists() && !f.root.join("bad.tar.zst.partial").exists());
}
