//! Sessions and every metric of the fixture log, computed by hand (see `fixtures.rs`).
use std::collections::BTreeMap;
use std::time::Duration;

use driftless_querylog::analysis::{AnalysisConfig, Reformulation, analyse};
use driftless_querylog::{DEFAULT_SESSION_GAP, SessionKind, sessionize};

use super::fixtures::agent_log;

fn ids(records: &[driftless_querylog::LogRecord]) -> Vec<&str> {
    records.iter().map(|r| r.request_id.as_str()).collect()
}

#[test]
fn sessions_of_the_scripted_agents() {
    let sessions = sessionize(&agent_log(), DEFAULT_SESSION_GAP);
    let got: Vec<(&str, SessionKind, Vec<&str>)> = sessions
        .iter()
        .map(|s| (s.id.as_str(), s.kind, ids(&s.records)))
        .collect();
    assert_eq!(
        got,
        vec![
            // r05 comes 301 s after r04: more than the 300 s gap, a new session.
            (
                "A|gap:1",
                SessionKind::Gap,
                vec!["r01", "r02", "r03", "r04"]
            ),
            ("B|gap:1", SessionKind::Gap, vec!["r10", "r11"]),
            // The explicit id holds r08 together with r07 although 995 s apart.
            (
                "B|hint:s1",
                SessionKind::Explicit,
                vec!["r07", "r08", "r09"]
            ),
            ("A|gap:2", SessionKind::Gap, vec!["r05", "r06", "r12"]),
        ]
    );
    // Deterministic: input order does not matter.
    let mut reversed = agent_log();
    reversed.reverse();
    assert_eq!(sessionize(&reversed, DEFAULT_SESSION_GAP), sessions);
}

#[test]
fn gap_boundary_is_inclusive_and_configurable() {
    let log = agent_log();
    // A gap of exactly 301 s keeps r04 → r05 (301 s apart) in one session.
    let wide = sessionize(&log, Duration::from_secs(301));
    assert_eq!(wide.iter().filter(|s| s.client == "A").count(), 1);
    // A 5 s gap splits A's first session at every pause longer than 5 s.
    let narrow = sessionize(&log, Duration::from_secs(5));
    let a: Vec<Vec<&str>> = narrow
        .iter()
        .filter(|s| s.client == "A")
        .map(|s| ids(&s.records))
        .collect();
    assert_eq!(
        a,
        vec![
            vec!["r01"],
            vec!["r02"],
            vec!["r03"],
            vec!["r04"],
            vec!["r05", "r06", "r12"]
        ]
    );
}

#[test]
fn traffic_metrics_by_hand() {
    let report = analyse(
        &agent_log(),
        &AnalysisConfig {
            top_n: 3,
            ..AnalysisConfig::default()
        },
    );
    assert_eq!(
        (report.records, report.clients, report.gap_ms),
        (12, 2, 300_000)
    );

    let s = &report.sessions;
    assert_eq!((s.sessions, s.explicit, s.gap), (4, 1, 3));
    // Steps per session 4, 2, 3, 3.
    assert_eq!(s.steps.histogram, BTreeMap::from([(2, 1), (3, 2), (4, 1)]));
    assert_eq!(
        (
            s.steps.summary.mean,
            s.steps.summary.p50,
            s.steps.summary.p90
        ),
        (3.0, 3, 4)
    );
    assert_eq!(s.queries.histogram, BTreeMap::from([(2, 1), (3, 3)]));

    // Intervals: A1 10 000, 30 000, 60 000; B-gap 1 000; B-s1 995 000, 500; A2 1 000, 1 000.
    let i = &report.inter_step_ms;
    assert_eq!((i.count, i.min, i.max), (8, 500, 995_000));
    assert_eq!(i.mean, 1_098_500.0 / 8.0);
    assert_eq!((i.p50, i.p90, i.p95), (1_000, 995_000, 995_000));
    // Buckets (upper bound inclusive): ≤1 s: 500, 1 000 ×3; ≤10 s: 10 000; ≤30 s: 30 000;
    // ≤1 min: 60 000; ≤30 min: 995 000. Seven of eight intervals are at most a minute.
    let buckets: Vec<(Option<u64>, u64)> = report
        .inter_step_buckets
        .iter()
        .map(|b| (b.le_ms, b.count))
        .collect();
    assert_eq!(
        buckets,
        vec![
            (Some(1_000), 4),
            (Some(5_000), 0),
            (Some(10_000), 1),
            (Some(30_000), 1),
            (Some(60_000), 1),
            (Some(300_000), 0),
            (Some(1_800_000), 1),
            (None, 0)
        ]
    );
    assert_eq!(report.inter_step_buckets[4].cumulative_share, 0.875);
    assert_eq!(report.inter_step_buckets[7].cumulative_share, 1.0);

    // Query tokens: 3 2 3 3 3 2 4 5 4 3 (ten answered queries; the fetch has none and r09,
    // refused with 400, ran no search).
    let q = &report.query_length.tokens;
    assert_eq!(
        q.histogram,
        BTreeMap::from([(2, 2), (3, 5), (4, 2), (5, 1)])
    );
    assert_eq!((q.summary.count, q.summary.p50, q.summary.p90), (10, 3, 4));
    assert_eq!(q.summary.mean, 32.0 / 10.0);

    assert_eq!(
        report.k.k.histogram,
        BTreeMap::from([(5, 1), (10, 6), (20, 2)])
    );
    assert_eq!(report.k.missing, 1);

    let top: Vec<(&str, u64, u64)> = report
        .top_queries
        .iter()
        .map(|t| (t.query.as_str(), t.count, t.clients))
        .collect();
    assert_eq!(
        top,
        vec![
            ("tokio runtime spawn", 3, 1),
            ("django orm query filter", 1, 1),
            ("django orm query filter tutorial", 1, 1),
        ]
    );

    let e = &report.endpoints;
    let mix: Vec<(&str, u64)> = e
        .endpoints
        .iter()
        .map(|(k, v)| (k.as_str(), v.count))
        .collect();
    assert_eq!(
        mix,
        vec![("/v1/fetch", 1), ("/v1/search", 10), ("mcp:search", 1)]
    );
    assert_eq!(e.endpoints["/v1/search"].share, 10.0 / 12.0);
    assert_eq!(e.statuses, BTreeMap::from([(200, 11), (400, 1)]));
    // Latencies 1 000 … 12 000 µs.
    assert_eq!(
        (e.latency_us.p50, e.latency_us.p90, e.latency_us.p99),
        (6_000, 11_000, 12_000)
    );
    assert_eq!(e.latency_us.mean, 6_500.0);
    let search = &e.endpoints["/v1/search"].latency_us;
    assert_eq!((search.mean, search.p50), (6_300.0, 6_000));
}

#[test]
fn repetition_and_reformulation_by_hand() {
    let report = analyse(&agent_log(), &AnalysisConfig::default());
    let rep: Vec<(usize, u64, u64, u64)> = report
        .repetition
        .by_step
        .iter()
        .map(|r| (r.step, r.queries, r.exact, r.near))
        .collect();
    // Step 2: r06 repeats r05 exactly; r11 is a near-duplicate of r10 (Jaccard 4/5 = 0.8).
    // r09 was refused (400): no query step (issue 20).
    assert_eq!(rep, vec![(1, 4, 0, 0), (2, 4, 1, 2), (3, 2, 0, 0)]);
    assert_eq!(report.repetition.exact_rate, Some(1.0 / 6.0));
    assert_eq!(report.repetition.near_rate, Some(2.0 / 6.0));

    use Reformulation::*;
    let step = |n: usize| -> Vec<(Reformulation, u64)> {
        let row = report
            .reformulation
            .by_step
            .iter()
            .find(|r| r.step == n)
            .expect("step present");
        row.counts
            .iter()
            .filter(|(_, c)| **c > 0)
            .map(|(k, c)| (*k, *c))
            .collect()
    };
    // Step 2: r02 other (keeps 1 of 2 terms), r11 generalization, r08 specialization, r06 repetition.
    assert_eq!(
        step(2),
        vec![
            (Repetition, 1),
            (Specialization, 1),
            (Generalization, 1),
            (Other, 1)
        ]
    );
    // Step 3: r04 specialization, r12 exploration (r09 was refused: no reformulation).
    assert_eq!(step(3), vec![(Specialization, 1), (Exploration, 1)]);
    let totals: Vec<u64> = Reformulation::ALL
        .iter()
        .map(|c| report.reformulation.totals[c])
        .collect();
    assert_eq!(totals, vec![1, 2, 1, 1, 1]);
}

#[test]
fn ctar_by_hand() {
    let report = analyse(&agent_log(), &AnalysisConfig::default());
    let c = &report.ctar;
    let steps: Vec<(usize, u64, u64, u64, Option<f64>)> = c
        .by_step
        .iter()
        .map(|s| (s.step, s.queries, s.new_terms, s.adopted_terms, s.ctar))
        .collect();
    assert_eq!(
        steps,
        vec![
            // Step 1: 3 + 5 + 2 + 3 new terms, nothing shown yet.
            (1, 4, 13, 0, Some(0.0)),
            // r02 adopts "tokio" (title of r01's result); r08 adopts "event", "loop".
            (2, 2, 3, 3, Some(1.0)),
            // r04 adopts "spawn" (r02's snippet); r12's terms were never shown in A2; r09 was
            // refused, so it is no step.
            (3, 2, 4, 1, Some(0.25)),
        ]
    );
    let sessions: Vec<(&str, u64, u64, Option<f64>)> = c
        .by_session
        .iter()
        .map(|s| (s.session_id.as_str(), s.new_terms, s.adopted_terms, s.ctar))
        .collect();
    assert_eq!(
        sessions,
        vec![
            ("A|gap:1", 2, 2, Some(1.0)),
            ("B|gap:1", 0, 0, None),
            ("B|hint:s1", 2, 2, Some(1.0)),
            ("A|gap:2", 3, 0, Some(0.0)),
        ]
    );
    assert_eq!(c.overall, Some(4.0 / 7.0));
    assert_eq!(c.session_mean, Some((1.0 + 1.0 + 0.0) / 3.0));
}

#[test]
fn report_serializes_and_is_deterministic() {
    let a =
        serde_json::to_string(&analyse(&agent_log(), &AnalysisConfig::default())).expect("json");
    let mut shuffled = agent_log();
    shuffled.rotate_left(5);
    let b = serde_json::to_string(&analyse(&shuffled, &AnalysisConfig::default())).expect("json");
    assert_eq!(a, b);
    assert!(a.contains("\"specialization\":"));
}
