//! Fixtures for trajectory.rs: Search-R1 batches and refused requests, as seen in issue 20.
use super::*;
use crate::record::{LogRecord, LoggedResult};

/// A `/retrieve`-style record: `request_id` is `<request>#<index>` for multi-query items.
fn rec(ts_ms: i64, request_id: &str, query: &str, status: u16, shown: &[&str]) -> LogRecord {
    LogRecord {
        query: Some(query.into()),
        params: serde_json::json!({"k": 3}),
        snapshot_id: "snap".into(),
        results: shown
            .iter()
            .map(|t| LoggedResult {
                doc_id: format!("doc-{t}"),
                score: 1.0,
                title: (*t).to_string(),
                snippet: String::new(),
                span: None,
            })
            .collect(),
        status,
        latency_us: 100,
        log_id: format!("log-{request_id}"),
        ..LogRecord::new(ts_ms, "trainer", "/retrieve", request_id)
    }
}

fn report(records: &[LogRecord]) -> Report {
    analyse(records, &AnalysisConfig::default())
}

/// The case: one `/retrieve` call with two rollouts' queries, each query's terms in
/// the other's results. Before, one session with CTAR 1.0; now two trajectories, no
/// reformulation, and nothing adopted.
#[test]
fn two_queries_of_one_retrieve_call_are_two_trajectories() {
    let records = vec![
        rec(1_000, "r1#0", "vacuum freeze", 200, &["autovacuum tuning"]),
        rec(1_000, "r1#1", "autovacuum tuning", 200, &["vacuum freeze"]),
    ];
    let r = report(&records);
    assert_eq!(r.sessions.sessions, 2, "{:?}", r.sessions);
    assert_eq!(r.ctar.overall, None, "no query step 2 exists");
    assert!(r.ctar.by_session.iter().all(|s| s.ctar.is_none()));
    assert!(r.reformulation.totals.values().all(|n| *n == 0));
    assert_eq!(r.repetition.by_step.len(), 1);
    assert_eq!(r.repetition.by_step[0].queries, 2);
}

/// A single-query `/retrieve` per turn (one rollout per client) keeps its multi-step session,
/// and adoption from an *earlier* request still counts.
#[test]
fn single_query_calls_still_form_one_session_with_adoption() {
    let records = vec![
        rec(1_000, "a#0", "vacuum", 200, &["autovacuum daemon"]),
        rec(2_000, "b#0", "autovacuum", 200, &[]),
    ];
    let r = report(&records);
    assert_eq!(r.sessions.sessions, 1);
    assert_eq!(r.ctar.overall, Some(1.0));
}

/// With `x-session-id` the client says the batch is one episode: one session, the two queries
/// share step 1, and a sibling's results are still no evidence; a later request's are.
#[test]
fn an_explicit_session_keeps_a_batch_together_without_self_evidence() {
    let mut records = vec![
        rec(1_000, "r1#0", "vacuum freeze", 200, &["autovacuum tuning"]),
        rec(1_000, "r1#1", "autovacuum tuning", 200, &["wraparound"]),
        rec(2_000, "r2", "wraparound", 200, &[]),
    ];
    for r in &mut records {
        r.session_hint = Some("episode-7".into());
    }
    let r = report(&records);
    assert_eq!(r.sessions.sessions, 1);
    let steps: Vec<(usize, u64)> = r
        .repetition
        .by_step
        .iter()
        .map(|s| (s.step, s.queries))
        .collect();
    assert_eq!(steps, vec![(1, 2), (2, 1)]);
    // Step 2's one new term, "wraparound", was shown by r1#1: adopted, from an earlier request.
    assert_eq!(r.ctar.overall, Some(1.0));
    let step1 = &r.ctar.by_step[0];
    assert_eq!((step1.new_terms, step1.adopted_terms), (4, 0));
}

/// `-vacuum` is refused (400): it is no top query "vacuum", no reformulation step, and is
/// reported apart, as sent.
#[test]
fn a_refused_request_is_reported_apart() {
    let records = vec![
        rec(1_000, "q1", "vacuum analyze", 200, &["vacuum"]),
        rec(2_000, "q2", "-vacuum", 400, &[]),
        rec(3_000, "q3", "-vacuum", 400, &[]),
    ];
    let r = report(&records);
    assert_eq!(
        r.top_queries
            .iter()
            .map(|q| q.query.as_str())
            .collect::<Vec<_>>(),
        vec!["vacuum analyze"]
    );
    assert!(r.reformulation.by_step.is_empty(), "{:?}", r.reformulation);
    assert_eq!(r.refused.requests, 2);
    assert_eq!(r.refused.by_status.get(&400), Some(&2));
    assert_eq!(r.refused.top_queries[0].query, "-vacuum");
    assert_eq!(r.refused.top_queries[0].count, 2);
    // Still requests of the session: three steps, all counted by status.
    assert_eq!(r.sessions.steps.summary.max, 3);
    assert_eq!(r.query_length.tokens.summary.count, 1);
}

#[test]
fn request_ids_split_into_request_and_item() {
    let r = rec(0, "abc#12", "q", 200, &[]);
    assert_eq!(request_of(&r), ("abc", Some(12)));
    let r = rec(0, "abc#x", "q", 200, &[]);
    assert_eq!(request_of(&r), ("abc#x", None));
    let r = rec(0, "#3", "q", 200, &[]);
    assert_eq!(request_of(&r), ("#3", None));
}
