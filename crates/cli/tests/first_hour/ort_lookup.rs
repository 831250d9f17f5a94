//! Item 1: a dense snapshot from any directory. BM25 never needs ONNX Runtime; dense modes
//! find it through one flag and one variable on every command, or the user cache, and the
//! error when they cannot names both.
use super::common::{
    assert_success, dense_snapshot, driftless, search, spawn_server, stderr, stop,
};

#[test]
fn a_dense_snapshot_works_outside_the_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((snapshot, lib)) = dense_snapshot(dir.path()) else {
        return;
    };
    // A fresh directory with no .cache/ and a HOME without the user cache: the case.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let search_with = |extra: &[&str]| {
        search(elsewhere.path(), &snapshot, "vacuum")
            .args(extra)
            .output()
            .expect("run search")
    };

    let bm25 = search_with(&["--mode", "bm25"]);
    assert_success(&bm25);
    let body: serde_json::Value = serde_json::from_slice(&bm25.stdout).expect("json");
    assert_eq!(body["results"][0]["doc_id"], "pg-vacuum");

    let refused = search_with(&["--mode", "dense"]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    for hint in ["--ort-library", "DRIFTLESS_ORT_LIB", "fetch-model.sh"] {
        assert!(message.contains(hint), "{hint} missing from: {message}");
    }
    assert!(!message.contains("ORT_DYLIB_PATH"), "{message}");

    // The flag, on either side of the subcommand, and the variable.
    let lib_arg = lib.display().to_string();
    let flag = search_with(&["--mode", "dense", "--ort-library", &lib_arg]);
    assert_success(&flag);
    let variable = search(elsewhere.path(), &snapshot, "vacuum")
        .env("DRIFTLESS_ORT_LIB", &lib)
        .args(["--mode", "hybrid"])
        .output()
        .expect("run search");
    assert_success(&variable);

    // The user cache (where quickstart fetches): no flag, no variable, any directory.
    let cached = elsewhere.path().join(".cache/driftless/models/onnxruntime");
    std::fs::create_dir_all(&cached).expect("mkdir");
    std::os::unix::fs::symlink(&lib, cached.join(driftless_index::ORT_FILE)).expect("link");
    let from_cache = search_with(&["--mode", "dense"]);
    assert_success(&from_cache);
    let body: serde_json::Value = serde_json::from_slice(&from_cache.stdout).expect("json");
    assert_eq!(body["mode"], "dense");
}

/// `serve` starts the query encoder before it is ready: without a runtime it stops at once
/// with the fix, instead of failing the first hybrid query (hybrid is the default mode).
#[test]
fn serve_without_a_runtime_refuses_at_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((snapshot, lib)) = dense_snapshot(dir.path()) else {
        return;
    };
    let output = driftless(dir.path())
        .args(["serve", "--no-log", "--addr", "127.0.0.1:0", "--snapshot"])
        .arg(&snapshot)
        .output()
        .expect("run serve");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("refusing") && message.contains("DRIFTLESS_ORT_LIB"),
        "{message}"
    );

    let mut command = driftless(dir.path());
    command
        .arg("--ort-library")
        .arg(&lib)
        .args(["serve", "--no-log", "--addr", "127.0.0.1:0", "--snapshot"])
        .arg(&snapshot);
    let (child, addr, _, _stderr) = spawn_server(command);
    let (status, body) = super::common::get(&addr, "/v1/search?q=vacuum");
    stop(child);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"mode\":\"hybrid\""), "{body}");
}
