//! `embed_snapshot` cut after some batches and run again: the rows already written are kept,
//! only the rest are embedded, and the `.npy` is the same bytes as an uncut run's, even when
//! the cut left half a row and half an id behind. A run of another snapshot starts over.
//! Real model and ONNX Runtime (scripts/test.sh fetches them; CI exports DRIFTLESS_MODEL_DIR).
use std::io::Write;
use std::path::Path;

use driftless_index::Snapshot;
use driftless_ingest::{
    BuildOptions, DenseOptions, EmbedRun, IngestError, Progress, build, embed_snapshot,
};

/// The fetched model and runtime, or `None` outside CI when they are missing.
fn model() -> Option<DenseOptions> {
    let mut options = DenseOptions {
        workers: 2,
        ..DenseOptions::default()
    };
    let lib = options
        .model_dir
        .join("../onnxruntime")
        .join(driftless_index::ORT_FILE);
    if !options.ort_library.is_file() {
        options.ort_library = lib;
    }
    let found = options.model_dir.join("model.onnx").is_file() && options.ort_library.is_file();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI must fetch the model first (scripts/test.sh)"
    );
    found.then_some(options)
}

/// A BM25 snapshot of `pages` short pages (one passage each) at `dir/<name>`.
fn snapshot(dir: &Path, name: &str, pages: usize) -> Snapshot {
    let corpus = dir.join(format!("{name}.jsonl"));
    let mut file = std::fs::File::create(&corpus).expect("corpus");
    for i in 0..pages {
        let line = serde_json::json!({
            "id": format!("page-{i:02}"),
            "url": format!("https://example.org/{name}/{i}"),
            "title": format!("Page {i}"),
            "text": format!("Page {i} of {name} explains vacuum, indexes and replication slot {i}."),
        });
        writeln!(file, "{line}").expect("write");
    }
    let out = dir.join(name);
    let mut options = BuildOptions::new(&corpus, &out);
    options.progress = Progress::Hidden;
    build(&options).expect("build");
    Snapshot::open(&out).expect("open")
}

fn run(batch: u32, resume: bool) -> EmbedRun<'static> {
    EmbedRun {
        progress: Progress::Hidden,
        batch,
        resume,
        observer: None,
    }
}

#[test]
fn a_cut_run_resumes_to_the_same_bytes() {
    let Some(options) = model() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = snapshot(dir.path(), "docs", 20);
    let whole = dir.path().join("whole.npy");
    let uncut = embed_snapshot(&snap, &whole, &options, &run(4, false)).expect("embed");
    assert_eq!((uncut.passages, uncut.resumed), (20, 0));

    // Stop after the second batch of four.
    let cut = dir.path().join("cut.npy");
    let stop_at_8 = |done: u64, _total: u64| done < 8;
    let stopping = EmbedRun {
        observer: Some(&stop_at_8),
        ..run(4, false)
    };
    let stopped = embed_snapshot(&snap, &cut, &options, &stopping).expect_err("stopped");
    assert!(
        matches!(stopped, IngestError::Stopped { done: 8, total: 20 }),
        "{stopped}"
    );
    assert!(stopped.to_string().contains("run it again to resume"));
    assert!(!cut.exists(), "no .npy before the run is whole");
    let raw = dir.path().join("cut.f32.partial");
    assert_eq!(
        std::fs::metadata(&raw).expect("rows kept").len(),
        8 * 384 * 4
    );

    // A cut in the middle of a write: half a row and half an id line.
    let append = |path: &Path, bytes: &[u8]| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .expect("open");
        f.write_all(bytes).expect("append");
    };
    append(&raw, &[0u8; 1000]);
    append(&dir.path().join("cut.npy.ids.txt"), b"page-0");

    let resumed = embed_snapshot(&snap, &cut, &options, &run(4, true)).expect("resume");
    assert_eq!((resumed.passages, resumed.resumed), (20, 8));
    assert_eq!(
        std::fs::read(&cut).expect("cut npy"),
        std::fs::read(&whole).expect("whole npy"),
        "a resumed run writes the bytes of an uncut one"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cut.npy.ids.txt")).expect("ids"),
        std::fs::read_to_string(dir.path().join("whole.npy.ids.txt")).expect("ids")
    );
    assert!(!raw.exists() && !dir.path().join("cut.partial.json").exists());
}

#[test]
fn rows_of_another_snapshot_or_without_resume_are_not_kept() {
    let Some(options) = model() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let first = snapshot(dir.path(), "first", 6);
    let second = snapshot(dir.path(), "second", 6);
    let out = dir.path().join("v.npy");
    let stop_at_2 = |done: u64, _total: u64| done < 2;
    let stopping = EmbedRun {
        observer: Some(&stop_at_2),
        ..run(2, false)
    };
    embed_snapshot(&first, &out, &options, &stopping).expect_err("stopped");
    let other = embed_snapshot(&second, &out, &options, &run(2, true)).expect("embed");
    assert_eq!(other.resumed, 0, "another snapshot's rows are not reused");

    embed_snapshot(&second, &out, &options, &stopping).expect_err("stopped");
    let fresh = embed_snapshot(&second, &out, &options, &run(2, false)).expect("embed");
    assert_eq!(fresh.resumed, 0, "without resume a run starts over");
    assert_eq!(fresh.passages, 6);
}
