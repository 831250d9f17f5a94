//! Issue 22: `driftless quickstart` answers with BM25 as soon as it serves and builds the
//! dense snapshot behind it; a run cut during the embedding resumes it; the switch to the
//! dense snapshot happens under a closed loop of 4 clients with no failed request and every
//! body from one snapshot or the other; the next quickstart serves the dense one at once.
//!
//! Real pages (the PostgreSQL 15 manual's 42 `sql-create*` pages from the test corpus that
//! scripts/test.sh fetches), the real model and ONNX Runtime. Stand-in corpus-tools scripts
//! copy them instead of downloading, as quickstart_corpus.rs does.
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::{driftless, get, model, spawn_server, stop};

/// The test corpus (CI exports DRIFTLESS_TEST_CORPUS), or `None` outside CI without it.
fn test_corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("DRIFTLESS_TEST_CORPUS").map(PathBuf::from)?;
    let found = dir.join("postgresql-doc-15/.complete").is_file();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI must fetch the test corpus"
    );
    found.then_some(dir)
}

/// corpus-tools/ stand-ins in `home`: the corpus script copies the `sql-create*` pages, the
/// model script links the fetched model and runtime.
fn stand_ins(home: &Path, corpus: &Path, model: &Path, lib: &Path) {
    let tools = home.join("corpus-tools");
    std::fs::create_dir_all(&tools).expect("mkdir corpus-tools");
    let html = "postgresql-doc-15/usr/share/doc/postgresql-doc-15/html";
    let fetch_corpus = format!(
        "set -euo pipefail\nmkdir -p \"$1/{html}\"\ncp '{src}/{html}'/sql-create*.html \"$1/{html}/\"\ncp '{src}/postgresql-doc-15/.complete' \"$1/postgresql-doc-15/\"\n",
        src = corpus.display()
    );
    std::fs::write(tools.join("fetch-default-corpus.sh"), fetch_corpus).expect("write");
    let fetch_model = format!(
        "set -euo pipefail\nmkdir -p \"$1\"\nln -sfn '{}' \"$1/all-MiniLM-L6-v2-int8\"\nln -sfn '{}' \"$1/onnxruntime\"\n",
        model.display(),
        lib.parent().expect("runtime dir").display()
    );
    std::fs::write(tools.join("fetch-model.sh"), fetch_model).expect("write");
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// `GET /v1/snapshot/build`'s `build` object.
fn build_status(addr: &str) -> serde_json::Value {
    let (status, body) = get(addr, "/v1/snapshot/build");
    assert_eq!(status, 200, "{body}");
    json(&body)["build"].clone()
}

/// Polls the build until `done(build)` holds; panics after 10 minutes or on a failure.
fn wait_for(addr: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let build = build_status(addr);
        assert_ne!(build["state"], "failed", "{build}");
        if done(&build) {
            return build;
        }
        assert!(
            Instant::now() < deadline,
            "build did not get there: {build}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running quickstart: the process, its address and what it printed so far.
struct Running {
    child: Child,
    addr: String,
    line: String,
    log: Arc<Mutex<String>>,
}

/// Starts `quickstart` in `home` and waits for its server line.
fn quickstart(home: &Path) -> Running {
    let mut command = driftless(home);
    command.args(["quickstart", "--addr", "127.0.0.1:0"]);
    let (child, addr, line, mut stderr) = spawn_server(command);
    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    // Keep reading the server's stderr so it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut line = String::new();
        while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
            sink.lock().expect("log").push_str(&line);
            line.clear();
        }
    });
    Running {
        child,
        addr,
        line,
        log,
    }
}

/// What one client saw: (status, snapshot id) per request, in order.
type Seen = Vec<(u16, String)>;

/// One client on one keep-alive connection, asking again 20 ms after each answer (so the
/// dense build, at lowered priority, still gets CPU) until told to stop.
fn closed_loop(addr: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Seen> {
    std::thread::spawn(move || {
        let mut stream = BufReader::new(TcpStream::connect(&addr).expect("connect"));
        let mut seen = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let request = format!(
                "GET /v1/search?q=create+index+concurrently&k=10 HTTP/1.1\r\nHost: {addr}\r\n\r\n"
            );
            stream
                .get_mut()
                .write_all(request.as_bytes())
                .expect("send");
            let (status, body) = read_response(&mut stream);
            let id = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["snapshot"].as_str().map(str::to_owned))
                .unwrap_or(body);
            seen.push((status, id));
            std::thread::sleep(Duration::from_millis(20));
        }
        seen
    })
}

/// Reads one HTTP/1.1 response with a Content-Length body.
fn read_response(stream: &mut BufReader<TcpStream>) -> (u16, String) {
    let mut line = String::new();
    stream.read_line(&mut line).expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut length = 0;
    loop {
        line.clear();
        stream.read_line(&mut line).expect("header");
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("body");
    (status, String::from_utf8(body).expect("utf-8 body"))
}

#[test]
fn bm25_answers_first_and_dense_switches_in_under_load() {
    let (Some(corpus), Some((model_dir, lib))) = (test_corpus(), model()) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    stand_ins(home, &corpus, &model_dir, &lib);

    // Run 1: BM25 answers while the dense build runs; cut it once a batch is kept.
    let Running {
        mut child,
        addr,
        line,
        ..
    } = quickstart(home);
    let (status, body) = get(&addr, "/v1/search?q=create+index+concurrently");
    assert_eq!(status, 200, "{body}");
    let bm25_id = json(&body)["snapshot"].as_str().expect("id").to_owned();
    assert!(line.contains(&bm25_id), "{line}");
    let (status, body) = get(&addr, "/v1/search?q=create+index&mode=hybrid");
    assert_eq!(status, 400, "no dense index yet: {body}");
    let build = wait_for(&addr, |b| {
        b["phase"] == "embedding" && b["done"].as_u64() >= Some(256)
    });
    assert_eq!(
        (build["state"].as_str(), build["replaces"].as_str()),
        (Some("building"), Some(bm25_id.as_str()))
    );
    let total = build["total"].as_u64().expect("total");
    assert!(total > 256, "the pages make more than one batch: {build}");
    child.kill().expect("kill quickstart");
    let _ = child.wait();

    // Run 2: the same BM25 snapshot, the embedding resumes, 4 clients run through the switch.
    let Running {
        child, addr, log, ..
    } = quickstart(home);
    let stop_flag = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| closed_loop(addr.clone(), stop_flag.clone()))
        .collect();
    let switched = wait_for(&addr, |b| b["state"] == "switched");
    std::thread::sleep(Duration::from_secs(2));
    stop_flag.store(true, Ordering::Relaxed);
    let seen: Vec<Seen> = clients
        .into_iter()
        .map(|c| c.join().expect("client"))
        .collect();
    let dense_id = switched["snapshot"].as_str().expect("new id").to_owned();
    assert_ne!(dense_id, bm25_id);
    let log = log.lock().expect("log").clone();
    let kept: u64 = log
        .split(" kept from an interrupted run")
        .next()
        .and_then(|head| head.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no resume line in:\n{log}"));
    assert!(
        kept >= 256 && kept < total,
        "resumed from {kept} of {total}"
    );
    let ids: BTreeSet<&str> = seen.iter().flatten().map(|(_, id)| id.as_str()).collect();
    let failed: Vec<&(u16, String)> = seen.iter().flatten().filter(|(s, _)| *s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} failed requests, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    assert_eq!(ids, BTreeSet::from([bm25_id.as_str(), dense_id.as_str()]));
    for client in &seen {
        // Once a client got the dense snapshot it never gets the old one again.
        let first_dense = client
            .iter()
            .position(|(_, id)| *id == dense_id)
            .expect("saw dense");
        assert!(client[first_dense..].iter().all(|(_, id)| *id == dense_id));
    }
    let (status, body) = get(&addr, "/v1/search?q=create+index&mode=hybrid");
    assert_eq!(
        (status, json(&body)["snapshot"].as_str()),
        (200, Some(dense_id.as_str())),
        "{body}"
    );
    stop(child);
    let leftovers: Vec<_> = std::fs::read_dir(home.join(".cache/embeddings"))
        .expect("embeddings dir")
        .collect();
    assert!(
        leftovers.is_empty(),
        "the resumable rows are removed once built"
    );

    // Run 3: the dense snapshot is served at once, with nothing behind it.
    let Running {
        child, addr, line, ..
    } = quickstart(home);
    assert!(line.contains(&dense_id), "{line}");
    let (status, body) = get(&addr, "/v1/snapshot/build");
    assert_eq!(
        (status, json(&body)["build"].is_null()),
        (200, true),
        "{body}"
    );
    stop(child);
}
