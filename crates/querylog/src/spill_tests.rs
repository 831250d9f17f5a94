//! Torn spill lines: what a crash or a full disk leaves behind must cost at most the torn
//! record, never the records around it, and never stall the replay.
use std::io::Write;

use super::{ReplayCursor, Spill};
use crate::record::LogRecord;

fn record(i: i64) -> LogRecord {
    LogRecord {
        query: Some(format!("q\u{e9}{i}")),
        snapshot_id: "s".into(),
        latency_us: 1,
        log_id: format!("l{i}"),
        ..LogRecord::new(i, "c", "/v1/search", format!("r{i}"))
    }
}

fn line(i: i64) -> Vec<u8> {
    let mut line = serde_json::to_vec(&record(i)).expect("json");
    line.push(b'\n');
    line
}

/// Replays the whole file: the records read and the corrupt line numbers.
fn replay(path: &std::path::Path) -> (Vec<i64>, Vec<(usize, String)>) {
    let mut cursor = ReplayCursor::open(path).expect("open");
    let mut ts = Vec::new();
    let mut corrupt = Vec::new();
    loop {
        let bad = cursor
            .fill(2)
            .expect("a torn line is reported, not an I/O error");
        corrupt.extend(bad.into_iter().map(|c| (c.line, c.message)));
        if cursor.pending.is_empty() {
            break;
        }
        ts.extend(cursor.pending.drain(..).map(|r| r.ts_ms));
    }
    (ts, corrupt)
}

#[test]
fn append_after_a_torn_line_starts_a_new_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spill.jsonl");
    // A previous process died (or hit a full disk) half-way through record 2.
    let mut bytes = line(1);
    bytes.extend_from_slice(&line(2)[..40]);
    std::fs::write(&path, &bytes).expect("write");
    let spill = Spill::open(path.clone()).expect("open");
    spill.append(&[record(3)], true).expect("append");
    let (ts, corrupt) = replay(&path);
    assert_eq!(ts, [1, 3], "record 3 must not be glued to the torn line");
    assert_eq!(corrupt.len(), 1);
    assert_eq!(corrupt[0].0, 2);
}

#[test]
fn a_torn_last_line_is_reported_and_does_not_stall_the_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spill.jsonl.replaying");
    // Torn inside the two-byte `é`: invalid UTF-8 at the end of the file.
    let torn = line(2);
    let cut = torn.iter().position(|&b| b == 0xc3).expect("é") + 1;
    let mut bytes = line(1);
    bytes.extend_from_slice(&torn[..cut]);
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(&bytes).expect("write");
    let (ts, corrupt) = replay(&path);
    assert_eq!(ts, [1]);
    assert_eq!(corrupt.len(), 1, "{corrupt:?}");
    assert!(corrupt[0].1.contains("torn last line"), "{corrupt:?}");
}

#[test]
fn a_failed_append_leaves_no_partial_line() {
    // A real partial write: a file-size limit (RLIMIT_FSIZE) set for a child copy of this
    // test binary, which fills the spill file until the kernel refuses.
    if let Ok(path) = std::env::var("DRIFTLESS_SPILL_FSIZE_CHILD") {
        let spill = Spill::open(path.into()).expect("open");
        for i in 0.. {
            if spill.append(&[record(i)], false).is_err() {
                return;
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spill.jsonl");
    let exe = std::env::current_exe().expect("test binary");
    // `ulimit -f 4`: 4 blocks; SIGXFSZ ignored so the write fails with EFBIG instead.
    let status = std::process::Command::new("bash")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 4; exec \"$0\" --exact \"$1\" --test-threads 1",
        ])
        .arg(&exe)
        .arg("spill::tests::a_failed_append_leaves_no_partial_line")
        .env("DRIFTLESS_SPILL_FSIZE_CHILD", &path)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run child");
    assert!(status.success(), "child failed: {status}");
    let bytes = std::fs::read(&path).expect("read");
    assert!(!bytes.is_empty());
    assert_eq!(
        bytes.last(),
        Some(&b'\n'),
        "the failed append left a partial line"
    );
    // And a later append (no limit now) replays cleanly with everything before it.
    let spill = Spill::open(path.clone()).expect("reopen");
    spill.append(&[record(-1)], true).expect("append");
    let (ts, corrupt) = replay(&path);
    assert!(corrupt.is_empty(), "{corrupt:?}");
    assert_eq!(ts.last(), Some(&-1));
}
