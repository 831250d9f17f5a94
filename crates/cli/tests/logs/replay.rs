//! `driftless replay` against a two-document snapshot, and `logs export` / `logs import`.
use driftless_querylog::{LogRecord, anonymize_client};
use serde_json::{Value, json};

use super::fixtures::agent_log;
use super::{driftless, driftless_fails, import_json, json_rows, store_with};

fn logged(ts_ms: i64, client: &str, hint: &str, q: &str, docs: &[&str], status: u16) -> LogRecord {
    LogRecord {
        session_hint: Some(hint.into()),
        query: Some(q.into()),
        params: json!({"k": 10, "offset": 0, "mode": "bm25", "unit": "doc"}),
        snapshot_id: "old".into(),
        results: super::bare_results(docs),
        status,
        latency_us: 500,
        log_id: format!("log-{ts_ms}"),
        ..LogRecord::new(ts_ms, client, "/v1/search", format!("req-{ts_ms}"))
    }
}

#[test]
fn replay_reports_overlap_per_query_and_per_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("snap");
    crate::build(&crate::corpus(dir.path()), &snapshot);
    // s1: step 1 logged what BM25 returns; step 2 logged the wrong document.
    // s2: step 1 agrees; step 2 was a 400 and is not replayed.
    let records = [
        logged(
            1_000,
            "agent",
            "s1",
            "create index concurrently",
            &["pg-createindex"],
            200,
        ),
        logged(2_000, "agent", "s1", "vacuum", &["pg-createindex"], 200),
        logged(
            1_500,
            "other",
            "s2",
            "vacuum dead tuples",
            &["pg-vacuum"],
            200,
        ),
        logged(2_500, "other", "s2", "create index", &[], 400),
    ];
    let db = store_with(dir.path(), &records);
    let (db, snap) = (db.to_str().expect("utf8"), snapshot.to_str().expect("utf8"));
    let replay = |extra: &[&str]| -> Value {
        let mut args = vec![
            "replay",
            "--db",
            db,
            "--snapshot",
            snap,
            "--mode",
            "bm25",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_slice(&driftless(&args).stdout).expect("replay JSON")
    };

    let all = replay(&[]);
    assert_eq!(
        (&all["sessions"], &all["queries"], &all["skipped"]),
        (&json!(2), &json!(3), &json!(1))
    );
    let rows = json_rows(&all["rows"], |r| {
        (
            r["query"].as_str().expect("q"),
            r["step"].as_u64().expect("step"),
            r["jaccard"].as_f64().expect("j"),
            r["rbo"].as_f64().expect("rbo"),
        )
    });
    assert_eq!(
        rows,
        [
            ("create index concurrently", 1, 1.0, 1.0),
            ("vacuum", 2, 0.0, 0.0),
            ("vacuum dead tuples", 1, 1.0, 1.0)
        ]
    );
    assert_eq!(all["rows"][1]["replayed"], json!(["pg-vacuum"]));
    let steps = json_rows(&all["by_step"], |s| {
        (
            s["step"].as_u64().expect("step"),
            s["queries"].as_u64().expect("n"),
            s["mean_jaccard"].as_f64().expect("j"),
        )
    });
    assert_eq!(steps, [(1, 2, 1.0), (2, 1, 0.0)]);
    assert_eq!(all["mean_rbo"], json!(2.0 / 3.0));
    assert!(all["queries_per_second"].as_f64().expect("qps") > 0.0);

    // Selections: a session by its printed (hashed) id, a client, a limit.
    let hashed = format!("{}|hint:s2", anonymize_client("", "other"));
    assert_eq!(replay(&["--sessions", &hashed])["queries"], 1);
    assert_eq!(replay(&["--sessions", "other|hint:s2"])["queries"], 1);
    assert_eq!(replay(&["--client", "agent"])["queries"], 2);
    assert_eq!(
        replay(&["--limit", "1"])["rows"][0]["session"],
        format!("{}|hint:s1", anonymize_client("", "agent"))
    );

    let table = String::from_utf8(driftless(&["replay", "--db", db, "--snapshot", snap]).stdout)
        .expect("utf8");
    assert!(
        table.contains("Overlap by query step") && table.contains("Mean Jaccard@10"),
        "{table}"
    );
    let stderr = driftless_fails(&[
        "replay",
        "--db",
        db,
        "--snapshot",
        snap,
        "--sessions",
        "nobody|gap:1",
    ]);
    assert!(stderr.contains("no session matches"), "{stderr}");
    let stderr = driftless_fails(&["replay", "--db", db, "--snapshot", snap, "--mode", "dense"]);
    assert!(stderr.contains("replaying"), "{stderr}");
}

#[test]
fn export_anonymises_and_import_skips_bad_lines_of_a_public_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store_with(dir.path(), &agent_log());
    let db = db.to_str().expect("utf8");

    let stderr = driftless_fails(&["logs", "export", "--db", db, "--out", "/dev/null"]);
    assert!(stderr.contains("DRIFTLESS_LOG_SALT"), "{stderr}");

    let parquet = dir.path().join("log.parquet");
    let out = driftless(&[
        "logs",
        "export",
        "--db",
        db,
        "--out",
        parquet.to_str().expect("utf8"),
        "--salt",
        "pepper",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("exported 12 records"));
    let bytes = std::fs::read(&parquet).expect("parquet");
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    assert!(!dir.path().join("log.partial").exists());

    let jsonl = dir.path().join("log.jsonl");
    driftless(&[
        "logs",
        "export",
        "--db",
        db,
        "--out",
        jsonl.to_str().expect("utf8"),
        "--salt",
        "pepper",
    ]);
    let text = std::fs::read_to_string(&jsonl).expect("jsonl");
    assert_eq!(text.lines().count(), 12);
    assert!(!text.contains("\"client\":\"A\"") && text.contains(&anonymize_client("pepper", "A")));

    // A public dump with its own column names, three bad lines among six.
    let mut tsv = b"uid\tq_text\twhen\tItemRank\tClickURL\n\
        142\trentdirect.com\t2006-03-01 07:17:12\t\t\n\
        142\twww.prescriptionfortime.com\t2006-03-12 12:31:06\t\t\n\
        217\tlottery\t2006-03-01 11:58:51\t1\thttp://www.calottery.com\n\
        a line without tabs\n\
        217\tlottery\tnot a time\t\t\n"
        .to_vec();
    tsv.extend_from_slice(b"217\tbad \xff utf8\t2006-03-01 11:58:51\n");
    let public = dir.path().join("aol.tsv");
    std::fs::write(&public, tsv).expect("tsv");
    let other = dir.path().join("public.sqlite");
    let import = |path| import_json(&other, path, &["--map", "query=q_text,ts=when,client=uid"]);
    let first = import(&public);
    assert_eq!(
        (&first["lines"], &first["imported"], &first["bad"]),
        (&json!(6), &json!(3), &json!(3)),
        "{first}"
    );
    let lines = json_rows(&first["issues"], |i| i["line"].as_u64().expect("n"));
    assert_eq!(lines, [5, 6, 7]);
    let again = import(&public);
    assert_eq!(
        (&again["imported"], &again["already_stored"]),
        (&json!(0), &json!(3))
    );
    let report: Value = serde_json::from_slice(
        &driftless(&[
            "logs",
            "analyse",
            "--db",
            other.to_str().expect("utf8"),
            "--format",
            "json",
            "--section",
            "overview,steps",
        ])
        .stdout,
    )
    .expect("json");
    // 142's two queries are 11 days apart: two sessions; 217 has one.
    assert_eq!(
        (&report["records"], &report["sessions"]["sessions"]),
        (&json!(3), &json!(3))
    );

    // Our own JSONL export imports back (clients stay hashed).
    let back = dir.path().join("back.sqlite");
    let summary = import_json(&back, &jsonl, &[]);
    assert_eq!(
        (&summary["imported"], &summary["bad"]),
        (&json!(12), &json!(0))
    );
}
