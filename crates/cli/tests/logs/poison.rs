//! Issue 13's measured poisoning, through the real `serve` on Postgres: `q=%00x` (a 400) and
//! `doc_id=%00` used to fail their whole batch, mark the store failing and send every later
//! record to the spill file for as long as the server ran (11 requests, 2 rows). Now every
//! request is a row holding exactly what was sent, while the server runs, and nothing spills.
//! The same run checks that a reused `x-request-id` cannot hide a request and that an
//! anonymous `x-client-id: key:…` is not logged as a key.
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::stored_records;

fn send(addr: &str, path: &str, headers: &str) -> u16 {
    crate::http::get(addr, path, headers).0
}

#[test]
fn postgres_nul_requests_do_not_poison_the_log() {
    super::with_pg_database("driftless_cli_poison", run);
}

fn run(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("snap");
    crate::build(&crate::corpus(dir.path()), &snapshot);
    let spill = dir.path().join("log.spill.jsonl");
    let mut child = Command::new(crate::BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--snapshot"])
        .arg(&snapshot)
        .args(["--log-db", url, "--log-spill"])
        .arg(&spill)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).expect("stderr") > 0,
            "serve exited"
        );
        if let Some(rest) = line.split("on http://").nth(1) {
            break rest.split_whitespace().next().expect("addr").to_string();
        }
    };
    // (path, x-request-id, x-client-id): odd and normal requests interleaved, as measured.
    let requests = [
        ("/v1/search?q=vacuum", "n1", "agent"),
        ("/v1/search?q=%00x", "p1", "agent"),
        ("/v1/search?q=index", "n2", "agent"),
        ("/v1/fetch?doc_id=%00", "p2", "agent"),
        ("/v1/search?q=a%00%01%1b%7f%EF%BF%BFesc:%25", "p3", "agent"),
        ("/v1/search?q=vacuum", "n3", "agent"),
        ("/v1/fetch?url=https%3A%2F%2Fx%00y", "p4", "agent"),
        ("/v1/search?q=index", "same-id", "agent"),
        ("/v1/search?q=vacuum", "same-id", "other"),
        ("/v1/search?q=index", "n4", "key:admin"),
        ("/v1/search?q=create", "n5", "agent"),
    ];
    for (path, id, client) in requests {
        let status = send(
            &addr,
            path,
            &format!("x-request-id: {id}\r\nx-client-id: {client}\r\n"),
        );
        assert!(
            status == 200 || status == 400 || status == 404,
            "{path}: {status}"
        );
    }
    // While the server runs: all eleven are rows (the flush interval is 200 ms).
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut stored = stored_records(url);
    while stored.len() < requests.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        stored = stored_records(url);
    }
    assert_eq!(
        stored.len(),
        requests.len(),
        "rows while serving: {stored:#?}"
    );
    let by_id = |id: &str| {
        stored
            .iter()
            .filter(|r| r.request_id == id)
            .collect::<Vec<_>>()
    };
    assert_eq!(by_id("p1")[0].query.as_deref(), Some("\0x"));
    assert_eq!(by_id("p2")[0].fetched_doc_id.as_deref(), Some("\0"));
    assert_eq!(
        by_id("p3")[0].query.as_deref(),
        Some("a\0\u{1}\u{1b}\u{7f}\u{FFFF}esc:%")
    );
    assert_eq!(by_id("p4")[0].params["url"], "https://x\0y");
    let mut clients: Vec<&str> = by_id("same-id").iter().map(|r| r.client.as_str()).collect();
    clients.sort_unstable();
    assert_eq!(
        clients,
        ["agent", "other"],
        "a reused request id hid a request"
    );
    assert_eq!(by_id("n4")[0].client, "anon:key:admin");

    crate::sigterm(&child);
    assert!(child.wait().expect("wait").success());
    let spilled = std::fs::read_to_string(&spill).unwrap_or_default();
    assert!(spilled.trim().is_empty(), "spilled: {spilled}");
    assert!(
        !dir.path().join("log.rejected.jsonl").exists(),
        "nothing should be rejected"
    );
}
