//! The `driftless` binary end to end: build a snapshot, serve it on an ephemeral port,
//! answer over real HTTP, stop on SIGTERM; refuse a damaged snapshot with the file named.
use std::io::BufReader;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_driftless");

mod embed_vectors;
mod export_passages;
#[path = "support/http.rs"]
mod http;
mod logs;
mod packs;
#[path = "support/server.rs"]
mod server;

fn corpus(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("c.jsonl");
    let lines = [
        r#"{"id":"pg-createindex","url":"https://www.postgresql.org/docs/15/sql-createindex.html","title":"CREATE INDEX","text":"CREATE INDEX constructs an index. CONCURRENTLY builds it without blocking writes."}"#,
        r#"{"id":"pg-vacuum","url":"https://www.postgresql.org/docs/15/sql-vacuum.html","title":"VACUUM","text":"VACUUM reclaims storage occupied by dead tuples."}"#,
    ];
    std::fs::write(&path, lines.join("\n")).expect("write corpus");
    path
}

/// Runs `driftless <args>`, after `setup` had its say over the command (environment,
/// standard input); panics with stderr unless it succeeds.
fn driftless_with(args: &[&str], setup: impl FnOnce(&mut Command)) -> Output {
    let mut command = Command::new(BIN);
    command.args(args);
    setup(&mut command);
    let output = command.output().expect("run driftless");
    assert!(
        output.status.success(),
        "driftless {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A BM25-only build: the model directory that CI exports for the dense tests is removed
/// from the environment, or `build` would embed (and the dense-mode refusals would not hold).
fn build(corpus: &Path, out: &Path) {
    let (corpus, out) = (corpus.to_str().expect("utf8"), out.to_str().expect("utf8"));
    let args = [
        "build",
        "--progress",
        "lines",
        "--corpus",
        corpus,
        "--out",
        out,
    ];
    let output = driftless_with(&args, |command| {
        command.env_remove("DRIFTLESS_MODEL_DIR");
    });
    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("summary JSON on stdout");
    assert_eq!(summary["documents"], 2);
}

/// Starts `serve` on port 0 and returns the child and the address it printed.
fn serve(snapshot: &Path, log_db: &Path) -> (Child, String, BufReader<ChildStderr>) {
    serve_all(&[snapshot], log_db)
}

/// `serve` of several snapshots (the first the default).
fn serve_all(snapshots: &[&Path], log_db: &Path) -> (Child, String, BufReader<ChildStderr>) {
    serve_with(snapshots, log_db, &[])
}

/// `serve` of several snapshots with more arguments.
fn serve_with(
    snapshots: &[&Path],
    log_db: &Path,
    extra: &[&str],
) -> (Child, String, BufReader<ChildStderr>) {
    let mut command = Command::new(BIN);
    command.args(["serve", "--addr", "127.0.0.1:0"]).args(extra);
    for snapshot in snapshots {
        command.arg("--snapshot").arg(snapshot);
    }
    command
        .arg("--log-db")
        .arg(log_db)
        .arg("--log-spill")
        .arg(log_db.with_extension("spill.jsonl"));
    let (child, addr, _line, stderr) = server::spawn_server(command);
    (child, addr, stderr)
}

fn get(addr: &str, path: &str) -> (u16, String, String) {
    get_with(addr, path, "")
}

/// A GET with extra header lines (each ending in `\r\n`): status, lower-cased head, body.
fn get_with(addr: &str, path: &str, headers: &str) -> (u16, String, String) {
    http::get(addr, path, headers)
}

/// Every record of the SQLite query log at `log_db`.
fn read_log(log_db: &Path) -> Vec<driftless_querylog::LogRecord> {
    stored_records(&log_db.display().to_string())
}

/// Every record of the query log at `db` (SQLite path or Postgres URL), in canonical order.
fn stored_records(db: &str) -> Vec<driftless_querylog::LogRecord> {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let store = driftless_querylog::LogStore::connect(db)
                .await
                .expect("log store");
            let records = store
                .read_all(&driftless_querylog::RecordFilter::default())
                .await
                .expect("read log");
            store.close().await;
            records
        })
}

/// Sends SIGTERM to `child` (a `serve`), the signal an orchestrator stops it with.
fn sigterm(child: &Child) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
}

#[test]
fn build_serve_answer_and_stop_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("snap");
    build(&corpus(dir.path()), &snapshot);
    let log_db = dir.path().join("log.sqlite");
    let (mut child, addr, _stderr) = serve(&snapshot, &log_db);

    let (status, head, body) = get(&addr, "/v1/search?q=create+index+concurrently");
    assert_eq!(status, 200, "{body}");
    assert!(
        head.contains("x-request-id:") && head.contains("server-timing:"),
        "{head}"
    );
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        json["results"][0]["url"],
        "https://www.postgresql.org/docs/15/sql-createindex.html"
    );
    let (_, _, again) = get(&addr, "/v1/search?q=create+index+concurrently");
    assert_eq!(body, again, "identical requests, identical bodies");
    let (status, _, fetched) = get(&addr, "/v1/fetch?doc_id=pg-vacuum");
    assert_eq!(status, 200, "{fetched}");
    let (status, _, body) = get(&addr, "/v1/search?q=%zz");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"error\""));

    sigterm(&child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "serve exited with {status}");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }

    // SIGTERM flushed the query log: both searches and the fetch are stored (the request
    // rejected while decoding never reached the engine and is not a logged answer).
    let records = read_log(&log_db);
    let endpoints: Vec<&str> = records.iter().map(|r| r.endpoint.as_str()).collect();
    assert_eq!(
        endpoints,
        ["/v1/search", "/v1/search", "/v1/fetch"],
        "{records:?}"
    );
    assert_eq!(
        records[0].query.as_deref(),
        Some("create index concurrently")
    );
    assert_eq!(records[0].results[0].doc_id, "pg-createindex");
    assert_eq!(records[0].status, 200);
    assert_eq!(records[2].fetched_doc_id.as_deref(), Some("pg-vacuum"));
    assert_eq!(records[0].client, "127.0.0.1");
    assert!(records.iter().all(|r| !r.request_id.is_empty()));
}

#[test]
fn a_damaged_snapshot_is_refused_with_the_file_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("snap");
    build(&corpus(dir.path()), &snapshot);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snapshot.join("manifest.json")).expect("read"))
            .expect("json");
    let victim = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .find(|p| p.ends_with(".idx"))
        .expect("an .idx file");
    let path = snapshot.join(&victim);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[0] ^= 0x01;
    std::fs::write(&path, bytes).expect("write");

    let output = Command::new(BIN)
        .args(["serve", "--no-log", "--addr", "127.0.0.1:0", "--snapshot"])
        .arg(&snapshot)
        .output()
        .expect("run serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&victim) && stderr.contains("refusing"),
        "{stderr}"
    );
}

/// Issue 19: two snapshots in one server, the second reached by pinning its id; a pin the
/// server does not hold is a 409 naming both; the log records which snapshot answered.
#[test]
fn two_snapshots_side_by_side_answer_their_pins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    build(&corpus(dir.path()), &first);
    let other = dir.path().join("other.jsonl");
    std::fs::write(
        &other,
        concat!(
            r#"{"id":"pg-createindex","url":"https://www.postgresql.org/docs/16/sql-createindex.html","title":"CREATE INDEX","text":"CREATE INDEX builds an index, CONCURRENTLY too."}"#,
            "\n",
            r#"{"id":"pg-vacuum","url":"https://www.postgresql.org/docs/16/sql-vacuum.html","title":"VACUUM","text":"VACUUM reclaims space."}"#,
        ),
    )
    .expect("write corpus");
    build(&other, &second);
    let log_db = dir.path().join("log.sqlite");
    let (mut child, addr, _stderr) = serve_all(&[&first, &second], &log_db);
    let id = |path: &str| -> String {
        let (status, _, body) = get(&addr, path);
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        json["snapshot"].as_str().expect("snapshot").to_owned()
    };
    let (status, _, listed) = get(&addr, "/v1/snapshots");
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let ids: Vec<&str> = listed["snapshots"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(id("/v1/search?q=vacuum"), ids[0], "unpinned: the default");
    assert_eq!(
        id(&format!("/v1/search?q=vacuum&snapshot={}", ids[1])),
        ids[1]
    );
    let (status, _, body) = get(
        &addr,
        &format!("/v1/fetch?doc_id=pg-vacuum&snapshot={}", ids[1]),
    );
    assert_eq!(status, 200);
    assert!(body.contains("docs/16"), "{body}");
    let (status, _, body) = get(&addr, "/v1/search?q=vacuum&snapshot=ffffffffffffffff");
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("snapshot_mismatch") && body.contains(ids[1]),
        "{body}"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let records = read_log(&log_db);
    let answered: Vec<(&str, u16)> = records
        .iter()
        .map(|r| (r.snapshot_id.as_str(), r.status))
        .collect();
    assert_eq!(
        answered[..3],
        [(ids[0], 200), (ids[1], 200), (ids[1], 200)],
        "{records:?}"
    );
}
