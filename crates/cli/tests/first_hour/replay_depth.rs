//! Item 7: `replay --k 5` against rankings logged at k = 3 compares the top 3 of both, so
//! an unchanged snapshot replays with Jaccard 1 and RBO 1 (it printed Jaccard 0.6).
use super::common::{assert_success, build, corpus, driftless, get, spawn_server, stop};

#[test]
fn replay_compares_at_the_logged_depth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("snap");
    let built = build(dir.path(), &corpus(dir.path()), &snapshot)
        .output()
        .expect("run build");
    assert_success(&built);
    let log = dir.path().join("log.sqlite");
    let mut serve = driftless(dir.path());
    serve
        .args(["serve", "--addr", "127.0.0.1:0", "--log-db"])
        .arg(&log)
        .arg("--snapshot")
        .arg(&snapshot);
    let (child, addr, _, _stderr) = spawn_server(serve);
    // "the" matches nothing (a stop word); these match 1 and 3 documents.
    for q in ["vacuum", "index+statistics+storage"] {
        let (status, body) = get(&addr, &format!("/v1/search?q={q}&k=1"));
        assert_eq!(status, 200, "{body}");
    }
    stop(child);

    let replay = driftless(dir.path())
        .args(["replay", "--k", "3", "--format", "json", "--db"])
        .arg(&log)
        .arg("--snapshot")
        .arg(&snapshot)
        .output()
        .expect("run replay");
    assert_success(&replay);
    let report: serde_json::Value = serde_json::from_slice(&replay.stdout).expect("json");
    assert_eq!(report["queries"], 2, "{report}");
    for row in report["rows"].as_array().expect("rows") {
        assert_eq!(row["depth"], 1, "{row}");
        assert_eq!(row["jaccard"], 1.0, "{row}");
        assert_eq!(row["rbo"], 1.0, "{row}");
    }
}
