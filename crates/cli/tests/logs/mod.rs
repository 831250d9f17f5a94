//! `driftless logs …` and `driftless replay` end to end, through the real binary: the
//! hand-computed fixture log analysed as JSON, import/export, replay overlap, and query-log
//! outages (SQLite and Postgres) under concurrent load with SIGTERM.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use driftless_querylog::LogRecord;

mod analyse;
mod annotate;
mod evaluate;
mod evidence;
// The twelve-record scripted agent log of the querylog crate, shared rather than copied so
// the CLI is checked against the very fixture whose metrics were computed by hand there.
#[path = "../../../querylog/tests/integration/fixtures.rs"]
mod fixtures;
mod outage;
mod poison;
mod replay;
mod report;
mod scale;

/// An answered record of client `agent` at `ts_ms`, in session `session` (x-session-id):
/// a search when `query` is given, else a fetch; request id `q<ts_ms>`. Tests override
/// what they need.
pub fn agent_record(ts_ms: i64, session: Option<&str>, query: Option<&str>) -> LogRecord {
    let endpoint = if query.is_some() {
        "/v1/search"
    } else {
        "/v1/fetch"
    };
    LogRecord {
        session_hint: session.map(str::to_string),
        query: query.map(str::to_string),
        params: serde_json::json!({"k": 10}),
        snapshot_id: "snap".into(),
        latency_us: 100,
        log_id: format!("log-q{ts_ms}"),
        ..LogRecord::new(ts_ms, "agent", endpoint, format!("q{ts_ms}"))
    }
}

/// Results with ids only (score 1, no title, snippet or span).
pub fn bare_results(ids: &[&str]) -> Vec<driftless_querylog::LoggedResult> {
    ids.iter()
        .map(|d| driftless_querylog::LoggedResult {
            doc_id: (*d).into(),
            score: 1.0,
            title: String::new(),
            snippet: String::new(),
            span: None,
        })
        .collect()
}

/// Runs one statement as the Postgres superuser on the machine's server (tests create and
/// drop their own uniquely named databases with it).
pub fn pg_admin(sql: String) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let mut c =
                sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await?;
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .map(|_| ())
        })
}

/// Runs `run` with the URL of a fresh, uniquely named Postgres database (`<prefix>_<pid>_<ns>`)
/// and drops the database afterwards, also when `run` panics (the panic then goes on).
/// `None` when Postgres is unreachable outside CI (under CI that is a failure).
pub fn with_pg_database<T>(prefix: &str, run: impl FnOnce(&str) -> T) -> Option<T> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!("{prefix}_{}_{nanos}", std::process::id());
    if let Err(e) = pg_admin(format!("CREATE DATABASE {name}")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "Postgres unreachable under CI: {e}"
        );
        eprintln!("note: Postgres at 127.0.0.1:5432 unreachable ({e}); skipping");
        return None;
    }
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&url)));
    let _ = pg_admin(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    match result {
        Ok(value) => Some(value),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Runs `driftless <args>`; panics with stderr unless it succeeds.
pub fn driftless(args: &[&str]) -> Output {
    crate::driftless_with(args, |_| {})
}

/// `driftless logs analyse --db <db> --format json <extra>`: the report, parsed.
pub fn analyse_json(db: &str, extra: &[&str]) -> Value {
    let mut args = vec!["logs", "analyse", "--db", db, "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_slice(&driftless(&args).stdout).expect("analyse json")
}

/// Runs `driftless <args>` expecting failure; returns stderr.
pub fn driftless_fails(args: &[&str]) -> String {
    let output = Command::new(crate::BIN)
        .args(args)
        .output()
        .expect("run driftless");
    assert!(!output.status.success(), "driftless {args:?} should fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `driftless logs import --db <db> --in <input> <extra>`: the import summary, parsed.
pub fn import_json(db: &Path, input: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "logs",
        "import",
        "--db",
        db.to_str().expect("utf8"),
        "--in",
        input.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    serde_json::from_slice(&driftless(&args).stdout).expect("summary")
}

/// The rows of the JSON array `array`, each made into a tuple (or anything) by `row`, for
/// comparing a report's table with one written out in the test.
pub fn json_rows<'a, T>(array: &'a Value, row: impl FnMut(&'a Value) -> T) -> Vec<T> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(row)
        .collect()
}

/// Writes records as full JSONL (our export shape, clients in clear) and imports them into
/// a new SQLite store through `driftless logs import`; returns the store path.
pub fn store_with(dir: &Path, records: &[LogRecord]) -> PathBuf {
    let jsonl = dir.join("records.jsonl");
    let text: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).expect("json"))
        .collect();
    std::fs::write(&jsonl, text.join("\n") + "\n").expect("write jsonl");
    let db = dir.join("log.sqlite");
    let summary = import_json(&db, &jsonl, &[]);
    assert_eq!(summary["imported"], records.len(), "{summary}");
    assert_eq!(summary["bad"], 0);
    db
}
