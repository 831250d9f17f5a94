//! Session-shape metrics: sessions, steps per session, durations and inter-step intervals
//! (the per-request metrics are in `requests.rs`).

use serde::Serialize;

use super::stats::{Counts, Distribution, IntHistogram, ratio};
use crate::session::{Session, SessionKind};

/// Sessions and their lengths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionReport {
    /// Number of sessions.
    pub sessions: u64,
    /// Sessions delimited by `x-session-id`.
    pub explicit: u64,
    /// Sessions inferred from the inactivity gap.
    pub gap: u64,
    /// Steps (all records) per session.
    pub steps: IntHistogram,
    /// Query steps (records with a query) per session.
    pub queries: IntHistogram,
    /// Session duration, `end_ms − start_ms`, in milliseconds.
    pub duration_ms: Distribution,
}

/// Sessions, their lengths and the intervals between their steps, one session at a time.
#[derive(Debug, Default)]
pub struct SessionTally {
    sessions: u64,
    explicit: u64,
    steps: Counts,
    queries: Counts,
    durations: Counts,
    intervals: Counts,
}

impl SessionTally {
    /// Counts one session (or trajectory).
    pub fn add(&mut self, s: &Session) {
        self.sessions += 1;
        self.explicit += u64::from(s.kind == SessionKind::Explicit);
        self.steps.push(s.steps() as u64);
        self.queries
            .push(s.records.iter().filter(|r| r.query.is_some()).count() as u64);
        self.durations.push((s.end_ms - s.start_ms).unsigned_abs());
        // Milliseconds between consecutive steps (all records, any endpoint): a session of
        // n steps contributes n − 1 intervals.
        for w in s.records.windows(2) {
            self.intervals
                .push((w[1].ts_ms - w[0].ts_ms).unsigned_abs());
        }
    }

    /// Sessions, steps per session and durations.
    pub fn report(&self) -> SessionReport {
        SessionReport {
            sessions: self.sessions,
            explicit: self.explicit,
            gap: self.sessions - self.explicit,
            steps: self.steps.int_histogram(),
            queries: self.queries.int_histogram(),
            duration_ms: self.durations.distribution(),
        }
    }

    /// Inter-step intervals.
    pub fn intervals(&self) -> Distribution {
        self.intervals.distribution()
    }

    /// The interval histogram over [`INTERVAL_BOUNDS_MS`]; empty when there is no interval.
    pub fn buckets(&self) -> Vec<IntervalBucket> {
        let total = self.intervals.len();
        if total == 0 {
            return Vec::new();
        }
        let bounds = INTERVAL_BOUNDS_MS.iter().map(|&b| Some(b)).chain([None]);
        let (mut lower, mut cumulative) = (None::<u64>, 0u64);
        bounds
            .map(|le_ms| {
                let count = self.intervals.count_in(lower, le_ms);
                cumulative += count;
                lower = le_ms;
                IntervalBucket {
                    le_ms,
                    count,
                    share: ratio(count, total).unwrap_or(0.0),
                    cumulative_share: ratio(cumulative, total).unwrap_or(0.0),
                }
            })
            .collect()
    }
}

/// Upper bounds (inclusive, ms) of the interval buckets: 1 s, 5 s, 10 s, 30 s, 1 min, 5 min
/// (the default session gap) and 30 min; a last bucket holds everything longer.
pub const INTERVAL_BOUNDS_MS: [u64; 7] = [1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 1_800_000];

/// Inter-step intervals in `(previous bound, le_ms]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalBucket {
    /// Inclusive upper bound, ms; `None` for the open-ended last bucket.
    pub le_ms: Option<u64>,
    /// Intervals in the bucket.
    pub count: u64,
    /// `count` / all intervals.
    pub share: f64,
    /// Share of intervals ≤ `le_ms` (this bucket and all shorter ones).
    pub cumulative_share: f64,
}
