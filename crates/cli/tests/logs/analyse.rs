//! `logs analyse` / `logs sessions` on the hand-computed fixture log (see
//! crates/querylog/tests/integration/fixtures.rs for the table and metrics.rs for the
//! derivations), stored in SQLite through `logs import` and read back by the binary.
use driftless_querylog::analysis::{AnalysisConfig, analyse};
use driftless_querylog::anonymize_client;
use serde_json::{Value, json};

use super::fixtures::agent_log;
use super::{analyse_json, driftless, driftless_fails, json_rows, store_with};

#[test]
fn analyse_json_of_the_fixture_log_matches_the_hand_computed_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store_with(dir.path(), &agent_log());
    let db = db.to_str().expect("utf8");
    let mut r = analyse_json(db, &["--clear-clients"]);

    // The binary adds the store's size on disk (issue 20), which the library cannot know.
    let on_disk = std::fs::metadata(db).expect("store file").len();
    let store_bytes = r.as_object_mut().and_then(|o| o.remove("store_bytes"));
    assert!(
        store_bytes
            .and_then(|b| b.as_u64())
            .is_some_and(|b| b >= on_disk),
        "store_bytes missing or below the file's {on_disk} bytes"
    );
    // The binary also computes the evidence CTAR with the engine's analyser (no snapshot
    // here: titles and snippets only; logs/evidence.rs checks it by hand).
    let evidence = r.as_object_mut().and_then(|o| o.remove("ctar_evidence"));
    assert_eq!(
        evidence.as_ref().map(|e| &e["evidence"]),
        Some(&json!("titles_snippets"))
    );
    // The binary's report is exactly the library's report of the same records…
    let library = analyse(&agent_log(), &AnalysisConfig::default());
    assert_eq!(r, serde_json::to_value(&library).expect("json"));

    // …and these are the values derived by hand in metrics.rs.
    assert_eq!(
        (&r["records"], &r["clients"], &r["gap_ms"]),
        (&json!(12), &json!(2), &json!(300_000))
    );
    let s = &r["sessions"];
    assert_eq!(
        (&s["sessions"], &s["explicit"], &s["gap"]),
        (&json!(4), &json!(1), &json!(3))
    );
    assert_eq!(s["steps"]["histogram"], json!({"2": 1, "3": 2, "4": 1}));
    assert_eq!(
        (&s["steps"]["mean"], &s["steps"]["p50"]),
        (&json!(3.0), &json!(3))
    );
    // Intervals 10 000, 30 000, 60 000, 1 000, 995 000, 500, 1 000, 1 000 ms.
    let i = &r["inter_step_ms"];
    assert_eq!(
        (&i["count"], &i["p50"], &i["max"]),
        (&json!(8), &json!(1_000), &json!(995_000))
    );
    let buckets = json_rows(&r["inter_step_buckets"], |b| {
        (b["le_ms"].clone(), b["count"].as_u64().expect("count"))
    });
    let expected = [
        (json!(1_000), 4),
        (json!(5_000), 0),
        (json!(10_000), 1),
        (json!(30_000), 1),
        (json!(60_000), 1),
        (json!(300_000), 0),
        (json!(1_800_000), 1),
        (Value::Null, 0),
    ];
    assert_eq!(buckets, expected);
    // 7 of 8 intervals are at most a minute.
    assert_eq!(r["inter_step_buckets"][4]["cumulative_share"], json!(0.875));
    assert_eq!(
        r["query_length"]["tokens"]["histogram"],
        json!({"2": 2, "3": 5, "4": 2, "5": 1})
    );
    // The 400 record ran no search: not in the query sections (issue 20).
    assert_eq!(r["k"]["k"]["histogram"], json!({"5": 1, "10": 6, "20": 2}));
    assert_eq!(r["k"]["missing"], 1);
    assert_eq!(r["repetition"]["exact_rate"], json!(1.0 / 6.0));
    assert_eq!(r["repetition"]["near_rate"], json!(2.0 / 6.0));
    assert_eq!(
        r["reformulation"]["totals"],
        json!({"repetition": 1, "specialization": 2, "generalization": 1, "exploration": 1, "other": 1})
    );
    assert_eq!(r["ctar"]["overall"], json!(4.0 / 7.0));
    let sessions = json_rows(&r["ctar"]["by_session"], |s| {
        (s["session_id"].as_str().expect("id"), &s["ctar"])
    });
    assert_eq!(
        sessions,
        [
            ("A|gap:1", &json!(1.0)),
            ("B|gap:1", &Value::Null),
            ("B|hint:s1", &json!(1.0)),
            ("A|gap:2", &json!(0.0))
        ]
    );
    assert_eq!(
        r["top_queries"][0],
        json!({"query": "tokio runtime spawn", "count": 3, "clients": 1})
    );
    assert_eq!(r["endpoints"]["statuses"], json!({"200": 11, "400": 1}));
    let latency = &r["endpoints"]["latency_us"];
    assert_eq!(
        (&latency["p50"], &latency["p90"], &latency["p99"]),
        (&json!(6_000), &json!(11_000), &json!(12_000))
    );

    // A wider gap merges A's two sessions (r04 → r05 is 301 s).
    let wide = analyse_json(db, &["--gap", "301s", "--section", "sessions"]);
    assert_eq!(wide["sessions"]["sessions"], 3);
    assert_eq!(
        wide.as_object().expect("object").len(),
        1,
        "only the asked section"
    );
    // By default session ids carry the salted client hash, never the client.
    let hashed = analyse_json(db, &["--salt", "pepper", "--section", "ctar"]);
    let first = hashed["ctar"]["by_session"][0]["session_id"]
        .as_str()
        .expect("id");
    assert_eq!(first, format!("{}|gap:1", anonymize_client("pepper", "A")));
    // --since/--until window the records: [5 s, 402 s) holds r07 (B) and r02 r03 r04 r05 (A).
    let window = analyse_json(
        db,
        &["--since", "5", "--until", "402", "--section", "overview"],
    );
    assert_eq!(window["records"], 5);
}

#[test]
fn tables_csv_and_sessions_of_the_fixture_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store_with(dir.path(), &agent_log());
    let db = db.to_str().expect("utf8");

    let text = String::from_utf8(driftless(&["logs", "analyse", "--db", db]).stdout).expect("utf8");
    for heading in [
        "Steps per session",
        "Inter-step intervals",
        "Reformulation type",
        "CTAR by session",
        "Top queries",
        "HTTP statuses",
    ] {
        assert!(text.contains(heading), "{heading} missing:\n{text}");
    }
    assert!(text.contains("  tokio runtime spawn"), "{text}");

    let csv =
        String::from_utf8(driftless(&["logs", "analyse", "--db", db, "--format", "csv"]).stdout)
            .expect("utf8");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("section,row,column,value"));
    assert!(lines.all(|l| l.split(',').count() >= 4), "{csv}");
    assert!(csv.contains("\nrepetition,1,exact,1\n"), "{csv}");

    let csv_dir = dir.path().join("csv");
    driftless(&[
        "logs",
        "analyse",
        "--db",
        db,
        "--csv-dir",
        csv_dir.to_str().expect("utf8"),
        "--format",
        "json",
    ]);
    let steps = std::fs::read_to_string(csv_dir.join("steps.csv")).expect("steps.csv");
    assert_eq!(
        steps,
        "steps,sessions,share\n2,1,25.0%\n3,2,50.0%\n4,1,25.0%\n"
    );

    let listed: Value = serde_json::from_slice(
        &driftless(&[
            "logs", "sessions", "--db", db, "--format", "json", "--salt", "s",
        ])
        .stdout,
    )
    .expect("json");
    let rows = json_rows(&listed, |s| {
        (
            s["kind"].as_str().expect("kind"),
            s["steps"].as_u64().expect("steps"),
            s["duration_ms"].as_u64().expect("ms"),
        )
    });
    assert_eq!(
        rows,
        [
            ("gap", 4, 100_000),
            ("gap", 2, 1_000),
            ("explicit", 3, 995_500),
            ("gap", 3, 2_000)
        ]
    );
    assert_eq!(listed[0]["client"], anonymize_client("s", "A"));
    assert_eq!(listed[0]["start"], "1970-01-01T00:00:00.000Z");

    let missing = dir.path().join("nope.sqlite");
    let stderr = driftless_fails(&["logs", "analyse", "--db", missing.to_str().expect("utf8")]);
    assert!(
        stderr.contains("no query log at") && stderr.contains("--db"),
        "{stderr}"
    );
    assert!(!missing.exists(), "reading never creates a store");
    let stderr = driftless_fails(&[
        "logs",
        "analyse",
        "--db",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert!(stderr.contains("cannot reach the query log"), "{stderr}");
}
