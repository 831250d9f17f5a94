//! Issue 17 item 5 end to end: `logs generate` piped into `logs import --in -`, then the
//! streaming `logs analyse`, on SQLite and on Postgres. The same synthetic log must give the
//! same report from both stores (they stream rows in canonical order, explicit sessions
//! close at their last record), and the report must describe the generated shapes.
use std::process::Stdio;

use super::{driftless, with_pg_database};

const REQUESTS: u64 = 3_000;

/// Imports the JSONL file through standard input, as the benchmark pipes it.
fn import_stdin(db: &str, jsonl: &std::path::Path) {
    let file = std::fs::File::open(jsonl).expect("jsonl");
    let args = ["logs", "import", "--db", db, "--in", "-"];
    let output = crate::driftless_with(&args, |command| {
        command.stdin(Stdio::from(file));
    });
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("summary");
    assert_eq!(summary["imported"], REQUESTS, "{summary}");
}

fn analyse(db: &str) -> serde_json::Value {
    let mut report = super::analyse_json(db, &["--clear-clients"]);
    report
        .as_object_mut()
        .expect("object")
        .remove("store_bytes");
    report
}

#[test]
fn a_generated_log_streams_through_import_and_analyse_on_both_stores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jsonl = dir.path().join("synthetic.jsonl");
    let n = REQUESTS.to_string();
    let again = dir.path().join("again.jsonl");
    for out in [&jsonl, &again] {
        let out = out.to_str().expect("utf8");
        driftless(&["logs", "generate", "--requests", &n, "--out", out]);
    }
    assert_eq!(
        std::fs::read(&jsonl).ok(),
        std::fs::read(&again).ok(),
        "seeded: same bytes"
    );
    // In time order, as a server appends to its log.
    let text = std::fs::read_to_string(&jsonl).expect("jsonl");
    let times: Vec<i64> = text
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("line");
            record["ts_ms"].as_i64().expect("ts_ms")
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");

    let sqlite = dir.path().join("log.sqlite");
    let sqlite = sqlite.to_str().expect("utf8");
    import_stdin(sqlite, &jsonl);
    let report = analyse(sqlite);
    assert_eq!(report["records"], REQUESTS);
    let sessions = report["sessions"]["sessions"].as_u64().expect("sessions");
    // ~870 generated sessions (~3.7 requests each; the log is in time order, so the ones
    // running when it stops are cut short); the half with x-session-id stay apart, the
    // other half overlap per client and merge at the gap: 480 with the default seed.
    assert!((350..=600).contains(&sessions), "{sessions} sessions");
    assert!(report["sessions"]["explicit"].as_u64() > Some(300));
    assert!(report["search_steps"]["multi_turn"].as_u64() > Some(100));
    assert!(report["search_steps"]["fetches"].as_u64() > Some(300));
    assert!(report["ctar"]["overall"].as_f64().is_some_and(|r| r > 0.0));
    assert_eq!(
        report["ctar"]["by_session"].as_array().map(Vec::len),
        Some(sessions as usize)
    );

    let postgres = with_pg_database("driftless_cli_scale", |url| {
        import_stdin(url, &jsonl);
        analyse(url)
    });
    if let Some(postgres) = postgres {
        assert_eq!(postgres, report, "Postgres and SQLite disagree");
    }
}
