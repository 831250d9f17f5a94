use std::time::Duration;

use super::{SessionStream, hinted_sizes};
use crate::session::{Session, sessionize};
use crate::test_logs::random_log;

fn streamed(records: &[crate::LogRecord], gap: Duration, counted: bool) -> Vec<Session> {
    let sizes = counted.then(|| hinted_sizes(records));
    let mut stream = SessionStream::new(gap, sizes);
    let mut out = Vec::new();
    for r in records {
        stream.push(r.clone(), &mut out);
    }
    stream.finish(&mut out);
    out.sort_by(|a, b| (a.start_ms, &a.id).cmp(&(b.start_ms, &b.id)));
    out
}

#[test]
fn streaming_sessions_equal_the_in_memory_ones() {
    for seed in 0..40 {
        let records = random_log(seed, 300);
        for gap_s in [0, 60, 150, 400] {
            let gap = Duration::from_secs(gap_s);
            let expected = sessionize(&records, gap);
            assert_eq!(
                streamed(&records, gap, true),
                expected,
                "seed {seed} gap {gap_s}"
            );
            assert_eq!(
                streamed(&records, gap, false),
                expected,
                "seed {seed} gap {gap_s}"
            );
        }
    }
}

#[test]
fn sessions_close_while_the_log_streams() {
    // 20,000 records over 4 clients and a 60 s gap: with explicit sessions counted, what is
    // held open at any moment is a handful of sessions, not the log.
    let records = random_log(7, 20_000);
    let mut stream = SessionStream::new(Duration::from_secs(60), Some(hinted_sizes(&records)));
    let (mut out, mut most) = (Vec::new(), 0);
    for r in &records {
        stream.push(r.clone(), &mut out);
        most = most.max(stream.open_sessions());
    }
    stream.finish(&mut out);
    assert!(out.len() > 1_000, "{} sessions", out.len());
    assert!(most <= 4 + 20, "at most {most} sessions open at once");
}

#[test]
fn one_client_across_replicas_is_one_session() {
    // Behind a load balancer without sticky sessions, consecutive requests of one agent land
    // on different replicas; the replica is not part of a session's key, so the agent's
    // episode stays whole (gap and explicit sessions alike, in memory and streamed).
    let mut records = random_log(3, 200);
    for (i, record) in records.iter_mut().enumerate() {
        record.replica = Some(format!("replica-{}", i % 3 + 1));
    }
    let gap = Duration::from_secs(150);
    let without: Vec<crate::LogRecord> = records
        .iter()
        .cloned()
        .map(|mut r| {
            r.replica = None;
            r
        })
        .collect();
    let strip = |sessions: Vec<Session>| -> Vec<(String, Vec<String>)> {
        sessions
            .into_iter()
            .map(|s| (s.id, s.records.into_iter().map(|r| r.log_id).collect()))
            .collect()
    };
    let spread = strip(sessionize(&records, gap));
    assert_eq!(spread, strip(sessionize(&without, gap)));
    assert_eq!(spread, strip(streamed(&records, gap, true)));
    let sessions = sessionize(&records, gap);
    assert!(
        sessions.iter().any(|s| {
            let replicas: std::collections::BTreeSet<_> =
                s.records.iter().map(|r| r.replica.clone()).collect();
            replicas.len() == 3
        }),
        "some session spans all three replicas"
    );
}
