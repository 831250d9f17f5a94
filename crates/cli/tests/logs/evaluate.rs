//! `driftless logs evaluate` on three judged topics whose values are computed by hand:
//!
//! | topic | gold   | requests (x-session-id = topic)                     | answer                    |
//! |-------|--------|-----------------------------------------------------|---------------------------|
//! | t1    | d1, d2 | search → d3, d1#0; fetch d1; search → d2             | correct, cites d1, d4     |
//! | t2    | d5     | search → d6                                         | wrong, cites nothing      |
//! | t3    | d7     | none                                                | none                      |
//!
//! t1: 2 searches, 1 fetch; d1 retrieved at search 1 and fetched at step 2, d2 retrieved at
//! search 2; evidence recall 1; citations: precision 1/2, recall 1/2. t2: 1 search, recall 0;
//! citation precision undefined, recall 0. t3: recall 0. Means: search calls 1.5, fetch
//! calls 0.5 (over t1, t2), evidence recall 1/3, accuracy 1/2 (1 search call: 0/1; 2: 1/1),
//! citation precision 0.5, citation recall 0.25. A request without a session id is ignored.
use driftless_querylog::LogRecord;
use serde_json::{Value, json};

use super::{driftless, driftless_fails, store_with};

fn rec(n: i64, topic: Option<&str>, query: Option<&str>, hits: &[&str]) -> LogRecord {
    let mut record = super::agent_record(n * 1000, topic, query);
    record.results = super::bare_results(hits);
    record
}

fn log() -> Vec<LogRecord> {
    let mut fetch = rec(2, Some("t1"), None, &[]);
    fetch.fetched_doc_id = Some("d1".into());
    vec![
        rec(1, Some("t1"), Some("first"), &["d3", "d1#0"]),
        fetch,
        rec(3, Some("t1"), Some("second"), &["d2"]),
        rec(4, Some("t2"), Some("other"), &["d6"]),
        rec(5, None, Some("no session"), &["d5", "d7"]),
    ]
}

#[test]
fn evaluate_scores_topics_by_hand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store_with(dir.path(), &log());
    let qrels = dir.path().join("qrels");
    std::fs::write(
        &qrels,
        "t1 0 d1 1\nt1 0 d2 2\nt1 0 d9 0\nt2 0 d5 1\nt3 0 d7 1\n",
    )
    .expect("qrels");
    let answers = dir.path().join("answers.jsonl");
    std::fs::write(
        &answers,
        "{\"topic_id\":\"t1\",\"correct\":true,\"cited_docids\":[\"d1\",\"d4\"]}\n\
         {\"topic_id\":\"t2\",\"correct\":false,\"cited_docids\":[]}\n",
    )
    .expect("answers");
    let (db, qrels, answers) = (
        db.to_str().expect("utf8"),
        qrels.to_str().expect("utf8"),
        answers.to_str().expect("utf8"),
    );
    let args = [
        "logs",
        "evaluate",
        "--db",
        db,
        "--qrels",
        qrels,
        "--answers",
        answers,
    ];
    let out = driftless(&[&args[..], &["--format", "json"]].concat());
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (&r["topics"], &r["topics_with_requests"]),
        (&json!(3), &json!(2))
    );
    assert_eq!(r["mean_search_calls"], json!(1.5));
    assert_eq!(r["mean_fetch_calls"], json!(0.5));
    assert_eq!(r["evidence_recall"], json!(1.0 / 3.0));
    assert_eq!(r["accuracy"], json!(0.5));
    assert_eq!(r["citation_precision"], json!(0.5));
    assert_eq!(r["citation_recall"], json!(0.25));
    let buckets: Vec<(Value, Value)> = r["accuracy_by_calls"]
        .as_array()
        .expect("buckets")
        .iter()
        .filter(|b| b["topics"] != json!(0))
        .map(|b| (b["calls"].clone(), b["accuracy"].clone()))
        .collect();
    assert_eq!(
        buckets,
        [(json!("1"), json!(0.0)), (json!("2"), json!(1.0))]
    );
    let t1 = &r["by_topic"][0];
    assert_eq!(
        t1["gold"],
        json!([
            {"doc_id": "d1", "retrieved_at": 1, "fetched_at": 2},
            {"doc_id": "d2", "retrieved_at": 2, "fetched_at": null}
        ])
    );
    assert_eq!(
        (&t1["search_calls"], &t1["fetch_calls"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(r["by_topic"][1]["citation_precision"], Value::Null);

    // The table names the same numbers; a malformed answers line is named.
    let table = String::from_utf8(driftless(&args).stdout).expect("utf8");
    assert!(table.contains("Accuracy by search calls"), "{table}");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"topic_id\":\"t1\"}\n").expect("bad");
    let bad = bad.to_str().expect("utf8");
    let error = driftless_fails(&[&args[..6], &["--answers", bad]].concat());
    assert!(error.contains("bad.jsonl:1"), "{error}");
}
