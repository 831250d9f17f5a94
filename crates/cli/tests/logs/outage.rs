//! The query-log store goes away while `driftless serve` is under concurrent search load:
//! searches keep answering, and after the store is back and the server got SIGTERM during
//! load, every request that was answered 200 has exactly one row (matched by x-request-id).
//!
//! SQLite outage: the database file and its directory read-only, and a directory where SQLite
//! must create its rollback journal (chmod alone does not stop root). Postgres outage: the
//! test's own database refuses connections (`ALLOW_CONNECTIONS false`) and its backends are
//! terminated, which is what a restart or failover looks like to the pool; the shared server
//! itself keeps running for the other tests.
use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{pg_admin, with_pg_database};

const QUERIES: [&str; 4] = [
    "create index concurrently",
    "vacuum",
    "dead tuples storage",
    "index",
];

/// One search with our own request id; `None` when the connection fails (shutting down).
fn search(addr: &str, id: &str, client: &str, q: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let path = format!("/v1/search?q={}&k=5", q.replace(' ', "+"));
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nx-request-id: {id}\r\nx-client-id: {client}\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// Clients firing searches back to back until stopped; collects the ids answered 200.
struct Load {
    stop: Arc<AtomicBool>,
    answered: Arc<Mutex<Vec<String>>>,
    threads: Vec<JoinHandle<u64>>,
}

impl Load {
    fn start(addr: &str, clients: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..clients)
            .map(|c| {
                let (stop, answered, addr) =
                    (Arc::clone(&stop), Arc::clone(&answered), addr.to_string());
                std::thread::spawn(move || {
                    let mut sent = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let id = format!("load-{c}-{sent}");
                        let q = QUERIES[sent as usize % QUERIES.len()];
                        sent += 1;
                        match search(&addr, &id, &format!("agent-{c}"), q) {
                            Some(200) => answered.lock().expect("lock").push(id),
                            Some(status) => panic!("search answered {status} during the outage"),
                            None => std::thread::sleep(Duration::from_millis(20)),
                        }
                    }
                    sent
                })
            })
            .collect();
        Self {
            stop,
            answered,
            threads,
        }
    }

    fn answered(&self) -> usize {
        self.answered.lock().expect("lock").len()
    }

    /// Stops the clients; returns the answered ids and how many requests were sent.
    fn stop(self) -> (Vec<String>, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let sent = self
            .threads
            .into_iter()
            .map(|t| t.join().expect("load thread"))
            .sum();
        let answered = std::mem::take(&mut *self.answered.lock().expect("lock"));
        (answered, sent)
    }
}

/// Serves with `log_db`, runs load through `outage` → `restore`, sends SIGTERM during load,
/// and checks the store row by row. Returns the number of answered requests.
fn outage_under_load(dir: &Path, log_db: &str, outage: &dyn Fn(), restore: &dyn Fn()) -> usize {
    let snapshot = dir.join("snap");
    crate::build(&crate::corpus(dir), &snapshot);
    let spill_dir = dir.join("spill");
    std::fs::create_dir_all(&spill_dir).expect("spill dir");
    let mut child = Command::new(crate::BIN)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--workers",
            "2",
            "--snapshot",
        ])
        .arg(&snapshot)
        .args(["--log-db", log_db, "--log-spill"])
        .arg(spill_dir.join("spill.jsonl"))
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let log_lines = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in stderr.lines().map_while(Result::ok) {
            if let Some(rest) = line.split("on http://").nth(1) {
                let _ = addr_tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
            lines.push(line);
        }
        lines
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("serve reported its address");

    let load = Load::start(&addr, 4);
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while load.answered() < n {
            assert!(
                Instant::now() < deadline,
                "load stalled at {}",
                load.answered()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(50);
    // Long enough for a few flushes (every 200 ms): the healthy phase writes directly.
    std::thread::sleep(Duration::from_millis(700));
    outage();
    let during = load.answered();
    std::thread::sleep(Duration::from_millis(2_500));
    wait_for(during + 50); // searches keep answering while the store is down
    restore();
    let after = load.answered();
    std::thread::sleep(Duration::from_millis(1_500));
    wait_for(after + 50);
    crate::sigterm(&child);
    let status = child.wait().expect("wait serve");
    let (answered, sent) = load.stop();
    assert!(status.success(), "serve exited with {status}");
    let lines = log_lines.join().expect("stderr reader");
    let flushed = lines
        .iter()
        .find(|l| l.contains("query log flushed"))
        .cloned()
        .unwrap_or_default();
    // The outage was real: records went through the spill file, and all came back.
    let spilled: u64 = field(&flushed, "spilled: ");
    assert!(
        spilled > 0,
        "nothing spilled, so no outage was seen: {flushed}"
    );
    assert_eq!(field(&flushed, "dropped: "), 0, "{flushed}");
    assert_eq!(field(&flushed, "pending_spill="), 0, "{flushed}");

    let records = crate::stored_records(log_db);
    let mut rows = std::collections::HashMap::<&str, usize>::new();
    for r in &records {
        *rows.entry(r.request_id.as_str()).or_default() += 1;
        assert!(
            r.request_id.starts_with("load-"),
            "a row for a request never sent: {r:?}"
        );
    }
    let missing: Vec<&String> = answered
        .iter()
        .filter(|id| rows.get(id.as_str()) != Some(&1))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} answered requests lost or duplicated, e.g. {:?}",
        missing.len(),
        answered.len(),
        &missing[..missing.len().min(5)]
    );
    eprintln!(
        "outage under load ({log_db}): {sent} sent, {} answered 200, {} rows, {spilled} spilled and replayed, 0 lost; {}",
        answered.len(),
        records.len(),
        flushed
            .split("query log flushed")
            .nth(1)
            .unwrap_or("")
            .trim()
    );
    for line in lines.iter().filter(|l| l.contains("store failing")) {
        eprintln!("  serve: {line}");
    }
    answered.len()
}

/// The number after `key` in a tracing line, e.g. `spilled: 12` or `pending_spill=0`.
fn field(line: &str, key: &str) -> u64 {
    let rest = line
        .split(key)
        .nth(1)
        .unwrap_or_else(|| panic!("{key} not in {line:?}"));
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("number")
}

#[test]
fn sqlite_outage_during_load_loses_no_answered_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_dir = dir.path().join("db");
    std::fs::create_dir_all(&db_dir).expect("db dir");
    let db = db_dir.join("log.db");
    let mode = |path: &Path, m: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).expect("chmod");
    };
    let outage = || {
        // The journal exists while a transaction runs: wait for SQLite to delete it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Err(e) = std::fs::create_dir(db.with_extension("db-journal")) {
            assert!(Instant::now() < deadline, "journal blocker: {e}");
            std::thread::sleep(Duration::from_millis(1));
        }
        mode(&db, 0o444);
        mode(&db_dir, 0o555);
    };
    let restore = || {
        mode(&db_dir, 0o755);
        mode(&db, 0o644);
        std::fs::remove_dir(db.with_extension("db-journal")).expect("remove blocker");
    };
    let answered = outage_under_load(dir.path(), db.to_str().expect("utf8"), &outage, &restore);
    assert!(answered >= 150);
}

#[test]
fn postgres_outage_during_load_loses_no_answered_request() {
    // The database is dropped WITH (FORCE) afterwards, which works while it still refuses
    // connections (a test failing mid-outage).
    let answered = with_pg_database("driftless_cli_outage", |url| {
        let name = url.rsplit('/').next().expect("database name");
        let dir = tempfile::tempdir().expect("tempdir");
        let outage = || {
            pg_admin(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).expect("block");
            pg_admin(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            ))
            .expect("terminate");
        };
        let restore =
            || pg_admin(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).expect("unblock");
        outage_under_load(dir.path(), url, &outage, &restore)
    });
    if let Some(answered) = answered {
        assert!(answered >= 150);
    }
}
