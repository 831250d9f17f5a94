//! Shared by the issue-20 tests: the binary, a tiny corpus, the fetched model and runtime,
//! a server on an ephemeral port and a one-shot HTTP GET.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

#[path = "../support/server.rs"]
mod server;
// quickstart_corpus.rs includes this file too and starts no server.
#[allow(unused_imports)]
pub use server::spawn_server;
#[path = "../support/skip.rs"]
mod skip;
pub use skip::skip_outside_ci;

pub const BIN: &str = env!("CARGO_BIN_EXE_driftless");

/// Three small pages, enough for BM25 and a dense index (embedding them takes a second).
pub fn corpus(dir: &Path) -> PathBuf {
    let path = dir.join("c.jsonl");
    let lines = [
        r#"{"id":"pg-createindex","url":"https://www.postgresql.org/docs/15/sql-createindex.html","title":"CREATE INDEX","text":"CREATE INDEX constructs an index. CONCURRENTLY builds it without blocking writes."}"#,
        r#"{"id":"pg-vacuum","url":"https://www.postgresql.org/docs/15/sql-vacuum.html","title":"VACUUM","text":"VACUUM reclaims storage occupied by dead tuples."}"#,
        r#"{"id":"pg-analyze","url":"https://www.postgresql.org/docs/15/sql-analyze.html","title":"ANALYZE","text":"ANALYZE collects statistics about the contents of tables."}"#,
    ];
    std::fs::write(&path, lines.join("\n")).expect("write corpus");
    path
}

/// The model directory and the ONNX Runtime library fetched by corpus-tools/fetch-model.sh
/// (CI exports DRIFTLESS_MODEL_DIR), or `None` with a note outside CI.
pub fn model() -> Option<(PathBuf, PathBuf)> {
    let dir = std::env::var_os("DRIFTLESS_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/all-MiniLM-L6-v2-int8")
        });
    let lib = dir
        .parent()
        .map(|p| p.join("onnxruntime").join(driftless_index::ORT_FILE))
        .unwrap_or_default();
    if dir.join("model.json").is_file() && lib.is_file() {
        return Some((dir, lib));
    }
    let note = format!("model or runtime missing under {}", dir.display());
    skip_outside_ci(
        &note,
        &format!("skipping: {note}: run corpus-tools/fetch-model.sh"),
    );
    None
}

/// The binary with an environment that finds no model, runtime or data directory by
/// accident: HOME is `home`, the lookup variables are unset.
pub fn driftless(home: &Path) -> Command {
    let mut command = Command::new(BIN);
    for var in [
        "DRIFTLESS_MODEL_DIR",
        "DRIFTLESS_ORT_LIB",
        "ORT_DYLIB_PATH",
        "DRIFTLESS_LOG_DB",
        "DRIFTLESS_DATA_DIR",
        "DRIFTLESS_CACHE",
        "DRIFTLESS_ADDR",
        "XDG_CACHE_HOME",
        "XDG_DATA_HOME",
    ] {
        command.env_remove(var);
    }
    command.env("HOME", home).current_dir(home);
    command
}

/// `build --progress none --corpus <corpus> --out <out>` in `dir`: BM25 unless the caller
/// adds flags.
pub fn build(dir: &Path, corpus: &Path, out: &Path) -> Command {
    let mut command = driftless(dir);
    command
        .args(["build", "--progress", "none", "--corpus"])
        .arg(corpus)
        .arg("--out")
        .arg(out);
    command
}

/// `search --snapshot <snapshot> <query>` in `dir`.
pub fn search(dir: &Path, snapshot: &Path, query: &str) -> Command {
    let mut command = driftless(dir);
    command
        .args(["search", "--snapshot"])
        .arg(snapshot)
        .arg(query);
    command
}

/// Builds a dense snapshot of [`corpus`] at `out` with the fetched model.
pub fn build_dense(dir: &Path, out: &Path, model: &Path, lib: &Path) {
    let output = build(dir, &corpus(dir), out)
        .arg("--dense")
        .arg("--model")
        .arg(model)
        .arg("--ort-library")
        .arg(lib)
        .output()
        .expect("run build");
    assert_success(&output);
}

/// A dense snapshot of [`corpus`] at `<dir>/snap` and the runtime library, or `None` when
/// [`model`] has none.
pub fn dense_snapshot(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let (model_dir, lib) = model()?;
    let snapshot = dir.join("snap");
    build_dense(dir, &snapshot, &model_dir, &lib);
    Some((snapshot, lib))
}

pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `GET path` on `addr`: status and body.
pub fn get(addr: &str, path: &str) -> (u16, String) {
    get_with(addr, path, "")
}

/// `GET path` on `addr` with extra header lines (`"x-session-id: t1\r\n"`).
pub fn get_with(addr: &str, path: &str, headers: &str) -> (u16, String) {
    let (status, _head, body) = crate::http::get(addr, path, headers);
    (status, body)
}
