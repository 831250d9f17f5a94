//! Item 6: with logging on by default, the query log goes to the data directory (named on
//! the start-up line), never the working directory; its size is in `/metrics` and in
//! `logs analyse`.
use std::process::Command;

use super::common::{assert_success, build, corpus, driftless, get, spawn_server, stop};

fn build_bm25(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("snap");
    let output = build(dir, &corpus(dir), &out).output().expect("run build");
    assert_success(&output);
    out
}

fn serve_in(cwd: &std::path::Path, home: &std::path::Path, snapshot: &std::path::Path) -> Command {
    let mut command = driftless(home);
    command
        .current_dir(cwd)
        .args(["serve", "--addr", "127.0.0.1:0", "--snapshot"])
        .arg(snapshot);
    command
}

#[test]
fn the_default_log_lives_in_the_data_directory() {
    let home = tempfile::tempdir().expect("tempdir");
    let cwd = tempfile::tempdir().expect("tempdir");
    let snapshot = build_bm25(home.path());
    let (child, addr, line, _stderr) = spawn_server(serve_in(cwd.path(), home.path(), &snapshot));
    let data = home.path().join(".local/share/driftless");
    let log = data.join("querylog.sqlite");
    assert!(line.contains(&log.display().to_string()), "{line}");
    let (status, _) = get(&addr, "/v1/search?q=vacuum");
    assert_eq!(status, 200);
    let (_, metrics) = get(&addr, "/metrics");
    stop(child);
    let size = metrics
        .lines()
        .find_map(|l| l.strip_prefix("driftless_querylog_store_bytes "))
        .and_then(|v| v.trim().parse::<u64>().ok());
    assert!(size.is_some_and(|b| b > 0), "{metrics}");
    assert!(log.is_file(), "no log at {}", log.display());
    let in_cwd: Vec<_> = std::fs::read_dir(cwd.path()).expect("list").collect();
    assert!(in_cwd.is_empty(), "serve wrote into its working directory");

    // `logs analyse` reads the same default store and reports its size.
    let analyse = driftless(home.path())
        .args([
            "logs",
            "analyse",
            "--format",
            "json",
            "--section",
            "overview",
        ])
        .output()
        .expect("run analyse");
    assert_success(&analyse);
    let report: serde_json::Value = serde_json::from_slice(&analyse.stdout).expect("json");
    assert_eq!(report["records"], 1, "{report}");
    let on_disk = std::fs::metadata(&log).expect("log").len();
    assert!(
        report["store_bytes"].as_u64().is_some_and(|b| b >= on_disk),
        "{report}"
    );
}

#[test]
fn the_data_directory_can_be_moved() {
    let home = tempfile::tempdir().expect("tempdir");
    let data = tempfile::tempdir().expect("tempdir");
    let snapshot = build_bm25(home.path());
    let mut command = serve_in(home.path(), home.path(), &snapshot);
    command.env("DRIFTLESS_DATA_DIR", data.path());
    let (child, _addr, line, _stderr) = spawn_server(command);
    stop(child);
    let log = data.path().join("querylog.sqlite");
    assert!(line.contains(&log.display().to_string()), "{line}");
    assert!(log.is_file());
}
