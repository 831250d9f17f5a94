//! `driftless snapshot pack|verify|unpack` and `serve --snapshot <pack>` end to end, and a
//! replica behind a load balancer: its name on every response and log record, the client's
//! address from a trusted proxy's X-Forwarded-For.
use std::path::Path;
use std::process::{Child, Command};

use super::{BIN, build, corpus, get, get_with, read_log, serve_with};

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(BIN)
        .env_remove("DRIFTLESS_MODEL_DIR")
        .args(args)
        .output()
        .expect("run driftless")
}

/// [`run`], which must succeed.
fn run_ok(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let output = run(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `snapshot pack` → the digest it printed (`sha256  path` on stdout).
fn pack(dir: &Path, out: &Path) -> String {
    let output = run_ok(&[
        "snapshot".as_ref(),
        "pack".as_ref(),
        dir.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let stdout = String::from_utf8(output.stdout).expect("utf8");
    stdout
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

const QUERIES: [&str; 3] = [
    "/v1/search?q=create+index+concurrently&k=10",
    "/v1/search?q=vacuum&unit=passage",
    "/v1/fetch?doc_id=pg-vacuum",
];

fn bodies(addr: &str) -> Vec<String> {
    QUERIES
        .iter()
        .map(|q| {
            let (status, _, body) = get(addr, q);
            assert_eq!(status, 200, "{q}: {body}");
            body
        })
        .collect()
}

#[test]
fn two_builds_pack_alike_and_a_served_pack_answers_as_the_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus(dir.path());
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    build(&corpus, &a);
    build(&corpus, &b);
    let (pack_a, pack_b) = (dir.path().join("a.tar.zst"), dir.path().join("b.tar.zst"));
    let digest = pack(&a, &pack_a);
    assert_eq!(pack(&b, &pack_b), digest, "two builds, one pack digest");
    assert_eq!(
        std::fs::read(&pack_a).expect("a"),
        std::fs::read(&pack_b).expect("b")
    );

    run_ok(&[
        "snapshot".as_ref(),
        "verify".as_ref(),
        pack_a.as_os_str(),
        "--sha256".as_ref(),
        digest.as_ref(),
    ]);
    let mut bad = std::fs::read(&pack_a).expect("read");
    let middle = bad.len() / 2;
    bad[middle] ^= 0x10;
    let damaged = dir.path().join("damaged.tar.zst");
    std::fs::write(&damaged, bad).expect("write");
    let refused = run(&["snapshot".as_ref(), "verify".as_ref(), damaged.as_os_str()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("fetch it again"));

    let unpacked = dir.path().join("unpacked");
    run_ok(&[
        "snapshot".as_ref(),
        "unpack".as_ref(),
        pack_a.as_os_str(),
        unpacked.as_os_str(),
    ]);

    let log_db = dir.path().join("log.sqlite");
    let (child, addr, _err) = serve_with(&[&a], &log_db, &[]);
    let want = bodies(&addr);
    stop(child);
    let cache = dir.path().join("cache");
    let cache_arg = cache.display().to_string();
    for source in [pack_a.as_path(), unpacked.as_path(), pack_a.as_path()] {
        let (child, addr, _err) = serve_with(&[source], &log_db, &["--pack-cache", &cache_arg]);
        assert_eq!(bodies(&addr), want, "served from {}", source.display());
        stop(child);
    }
    // The pack was unpacked once, into a directory named after the snapshot.
    let cached: Vec<_> = std::fs::read_dir(&cache).expect("cache").collect();
    assert_eq!(cached.len(), 1);
}

#[test]
fn a_replica_names_itself_and_believes_only_its_proxy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("s");
    build(&corpus(dir.path()), &snapshot);
    let forwarded = "X-Forwarded-For: 198.51.100.7, 192.0.2.9\r\nx-request-id: via-proxy\r\n";
    for (trusted, client) in [(true, "192.0.2.9"), (false, "127.0.0.1")] {
        let log_db = dir.path().join(format!("log-{trusted}.sqlite"));
        let mut extra = vec!["--replica-id", "replica-7"];
        if trusted {
            extra.extend(["--trusted-proxy", "10.0.0.0/8,127.0.0.1"]);
        }
        let (child, addr, _err) = serve_with(&[&snapshot], &log_db, &extra);
        let (status, head, body) = get_with(&addr, "/v1/search?q=vacuum", forwarded);
        assert_eq!(status, 200, "{head}\n{body}");
        assert!(head.contains("x-driftless-replica: replica-7"), "{head}");
        let (_, head, _) = get_with(&addr, "/health", "");
        assert!(head.contains("x-driftless-replica: replica-7"), "{head}");
        stop(child);
        let records = read_log(&log_db);
        let record = records
            .iter()
            .find(|r| r.request_id == "via-proxy")
            .expect("logged");
        assert_eq!(record.client, client, "trusted proxy: {trusted}");
        assert_eq!(record.replica.as_deref(), Some("replica-7"));
    }
    let bad = run(&[
        "serve".as_ref(),
        "--snapshot".as_ref(),
        snapshot.as_os_str(),
        "--replica-id".as_ref(),
        "no spaces".as_ref(),
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("replica"));
}
