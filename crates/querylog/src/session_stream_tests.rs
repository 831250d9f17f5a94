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
