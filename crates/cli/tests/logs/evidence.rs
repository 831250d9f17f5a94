//! The evidence CTAR and the search-step lines on a five-record session whose values are
//! computed by hand below, with a real snapshot rebuilding what a fetch and a `/retrieve`
//! call delivered.
//!
//! Corpus: d1 "Alpha" = "Vacuum reclaims storage from dead tuples. Autovacuum daemon runs
//! periodically." (chars 42..78 are the second sentence), d2 "Beta" = "Indexes speed lookups.
//! Partial indexes cover filtered rows.", d3 "Gamma" = "Replication streams changes to
//! standby servers." Terms are the engine's (stemmed, stop words out).
//!
//! | t (s) | request                                  | delivered beyond titles/snippets    |
//! |-------|------------------------------------------|-------------------------------------|
//! | 0     | search "vacuum" → d1 Alpha / "Vacuum reclaims storage" |                          |
//! | 10    | fetch d2, offset 0, 22 chars             | "Indexes speed lookups."            |
//! | 20    | /retrieve "autovacuum storage lookups" → d1 span 42..78 | "Autovacuum daemon runs periodically." |
//! | 30    | search "autovacuum daemon replication" → d3 Gamma / "Replication streams changes" | |
//! | 40    | search "speed replication"               |                                     |
//!
//! Query step 2 (t 20): new {autovacuum, storag, lookup}; recent evidence (t 0 results and
//! the t 10 fetch) holds storag and lookup → 3 new, 2 adopted, 2 recent.
//! Step 3 (t 30): new {daemon, replic}; daemon came with t 20's passage → 2, 1, 1 recent.
//! Step 4 (t 40): new {speed} (replic was asked at t 30); speed only in the t 10 fetch,
//! before the previous query step → 1, 1, 0 recent, 1 earlier only.
//! Overall 4 / 6; adopted from earlier steps only 1 / 4. Without the snapshot, only titles
//! and snippets count: step 2 adopts storag (1), steps 3 and 4 nothing → 1 / 6, and two
//! records (the fetch, the /retrieve) could not be rebuilt.
use driftless_querylog::{LogRecord, LoggedResult};
use serde_json::{Value, json};

use super::{driftless, store_with};

const D1: &str = "Vacuum reclaims storage from dead tuples. Autovacuum daemon runs periodically.";

fn corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let docs = [
        ("d1", "Alpha", D1),
        (
            "d2",
            "Beta",
            "Indexes speed lookups. Partial indexes cover filtered rows.",
        ),
        (
            "d3",
            "Gamma",
            "Replication streams changes to standby servers.",
        ),
    ];
    let lines: Vec<String> = docs
        .iter()
        .map(|(id, title, text)| {
            json!({"id": id, "url": format!("https://example.org/{id}"), "title": title, "text": text})
                .to_string()
        })
        .collect();
    let path = dir.join("corpus.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").expect("corpus");
    path
}

fn hit(doc_id: &str, title: &str, snippet: &str, span: Option<[u64; 2]>) -> LoggedResult {
    LoggedResult {
        doc_id: doc_id.into(),
        score: 1.0,
        title: title.into(),
        snippet: snippet.into(),
        span,
    }
}

fn record(n: i64, snapshot: &str, endpoint: &str, query: Option<&str>) -> LogRecord {
    let mut record = super::agent_record(n * 10_000, Some("topic-1"), query);
    record.endpoint = endpoint.into();
    record.params = json!({"k": 3, "mode": "bm25"});
    record.snapshot_id = snapshot.into();
    record
}

fn session(snapshot: &str) -> Vec<LogRecord> {
    let mut r0 = record(0, snapshot, "/v1/search", Some("vacuum"));
    r0.results = vec![hit("d1", "Alpha", "Vacuum reclaims storage", None)];
    let mut r1 = record(1, snapshot, "/v1/fetch", None);
    r1.params = json!({"doc_id": "d2", "url": null, "offset": 0, "max_chars": 22});
    r1.fetched_doc_id = Some("d2".into());
    let mut r2 = record(2, snapshot, "/retrieve", Some("autovacuum storage lookups"));
    r2.params["delivered"] = json!("unit_text");
    r2.results = vec![hit("d1", "Alpha", "", Some([42, 78]))];
    let mut r3 = record(
        3,
        snapshot,
        "/v1/search",
        Some("autovacuum daemon replication"),
    );
    r3.results = vec![hit("d3", "Gamma", "Replication streams changes", None)];
    let r4 = record(4, snapshot, "/v1/search", Some("speed replication"));
    vec![r0, r1, r2, r3, r4]
}

fn analyse(db: &str, snapshot: Option<&str>) -> Value {
    let mut extra = vec!["--section", "ctar_evidence,search_steps,ctar_steps"];
    if let Some(dir) = snapshot {
        extra.extend(["--snapshot", dir]);
    }
    super::analyse_json(db, &extra)
}

fn step(n: usize, new: u64, adopted: u64, recent: u64) -> Value {
    json!({
        "step": n, "queries": 1, "new_terms": new, "adopted_terms": adopted,
        "adopted_recent": recent, "adopted_earlier_only": adopted - recent,
        "ctar": if new == 0 { Value::Null } else { json!(adopted as f64 / new as f64) },
    })
}

/// Checks the `ctar_evidence` section: evidence kind, `(step, new, adopted, recent)` rows,
/// overall rate and records without texts; returns the section.
fn check_ctar<'a>(
    report: &'a Value,
    evidence: &str,
    steps: [(usize, u64, u64, u64); 4],
    overall: f64,
    without_texts: u64,
) -> &'a Value {
    let c = &report["ctar_evidence"];
    assert_eq!(c["evidence"], evidence);
    let rows: Vec<Value> = steps
        .iter()
        .map(|&(n, new, a, r)| step(n, new, a, r))
        .collect();
    assert_eq!(c["by_step"], json!(rows), "{c:#}");
    assert_eq!(c["overall"], json!(overall));
    assert_eq!(c["records_without_texts"], without_texts);
    c
}

#[test]
fn evidence_ctar_counts_fetched_windows_and_retrieved_passages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap");
    let s = |p: &std::path::Path| p.to_str().expect("utf8").to_string();
    driftless(&[
        "build",
        "--progress",
        "none",
        "--no-dense",
        "--corpus",
        &s(&corpus(dir.path())),
        "--out",
        &s(&snap),
    ]);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(snap.join("manifest.json")).expect("manifest"))
            .expect("json");
    let id = manifest["snapshot_id"].as_str().expect("id");
    let db = store_with(dir.path(), &session(id));
    let db = s(&db);

    let r = analyse(&db, Some(&s(&snap)));
    let steps = [(1, 1, 0, 0), (2, 3, 2, 2), (3, 2, 1, 1), (4, 1, 1, 0)];
    let c = check_ctar(&r, "delivered", steps, 4.0 / 6.0, 0);
    assert_eq!(c["session_mean"], json!(4.0 / 6.0));
    assert_eq!(c["earlier_share"], json!(0.25));

    // Steps over searches: 4 search steps, the fetch apart; intervals 20 s, 10 s, 10 s.
    let steps = &r["search_steps"];
    assert_eq!(
        (&steps["sessions"], &steps["multi_turn"], &steps["fetches"]),
        (&json!(1), &json!(1), &json!(1))
    );
    assert_eq!(steps["steps"]["histogram"], json!({"4": 1}));
    assert_eq!(steps["multi_turn_at_most_10_steps"], json!(1.0));
    assert_eq!(steps["intervals_under_1_min"], json!(1.0));
    assert_eq!(
        (&steps["intervals_ms"]["min"], &steps["intervals_ms"]["max"]),
        (&json!(10_000), &json!(20_000))
    );

    // Without the snapshot: titles and snippets only, and the two records it could not
    // rebuild are counted.
    let r = analyse(&db, None);
    let steps = [(1, 1, 0, 0), (2, 3, 1, 1), (3, 2, 0, 0), (4, 1, 0, 0)];
    check_ctar(&r, "titles_snippets", steps, 1.0 / 6.0, 2);
    // The lexical variant (exact tokens, no stems) stays as it was: "storage" adopted once.
    assert_eq!(r["ctar"]["overall"], json!(1.0 / 6.0));
}
