//! Steps and intervals counted over *searches*, the unit of "Agentic Search in the Wild",
//! with fetches reported apart (the `steps` and `intervals` sections count every request).
//!
//! A **search step** is an answered request with a query; the queries of one multi-query
//! request share one step. A **multi-turn** trajectory has two or more search steps. A
//! **search interval** is the time from one search step to the next of the same trajectory.
//! The paper's summary lines are `multi_turn_at_most_10_steps` ("over 90% of multi-turn
//! sessions contain at most ten steps") and `intervals_under_1_min` ("89% of inter-step
//! intervals fall under one minute"; strictly under 60,000 ms here).
use serde::Serialize;

use super::stats::{Counts, Distribution, IntHistogram, ratio};
use super::trajectory::{answered, request_groups};
use crate::session::Session;

/// Longest multi-turn trajectory the paper's first summary line counts.
pub const PAPER_MAX_STEPS: u64 = 10;
/// The paper's interval bound, ms (exclusive).
pub const PAPER_INTERVAL_MS: u64 = 60_000;

/// Search steps, search intervals and fetches per trajectory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchStepReport {
    /// Trajectories with at least one search step.
    pub sessions: u64,
    /// Search steps per such trajectory.
    pub steps: IntHistogram,
    /// Trajectories with two or more search steps.
    pub multi_turn: u64,
    /// Share of multi-turn trajectories with at most [`PAPER_MAX_STEPS`] search steps.
    pub multi_turn_at_most_10_steps: Option<f64>,
    /// Time between consecutive search steps, ms.
    pub intervals_ms: Distribution,
    /// Share of search intervals under [`PAPER_INTERVAL_MS`].
    pub intervals_under_1_min: Option<f64>,
    /// Answered fetches (records without a query) in all trajectories.
    pub fetches: u64,
    /// Fetches per trajectory with at least one search step.
    pub fetches_per_session: Distribution,
}

/// Counts search steps and fetches per trajectory.
pub fn search_steps(sessions: &[Session]) -> SearchStepReport {
    let mut tally = SearchStepTally::default();
    sessions.iter().for_each(|s| tally.add(s));
    tally.report()
}

/// Search steps and fetches, one trajectory at a time.
#[derive(Debug, Default)]
pub struct SearchStepTally {
    steps: Counts,
    intervals: Counts,
    fetch_counts: Counts,
    fetches: u64,
}

impl SearchStepTally {
    /// Walks one trajectory.
    pub fn add(&mut self, session: &Session) {
        let answered = answered(&session.records);
        let (mut searches, mut session_fetches, mut last) = (0u64, 0u64, None::<i64>);
        for group in request_groups(&answered) {
            if group.iter().any(|r| r.query.is_some()) {
                searches += 1;
                let at = group[0].ts_ms;
                if let Some(previous) = last {
                    self.intervals.push((at - previous).unsigned_abs());
                }
                last = Some(at);
            } else {
                session_fetches += group.len() as u64;
            }
        }
        self.fetches += session_fetches;
        if searches > 0 {
            self.steps.push(searches);
            self.fetch_counts.push(session_fetches);
        }
    }

    /// The report.
    pub fn report(&self) -> SearchStepReport {
        let multi = self.steps.count_in(Some(1), None);
        let short = self.steps.count_in(Some(1), Some(PAPER_MAX_STEPS));
        let quick = self.intervals.count_in(None, Some(PAPER_INTERVAL_MS - 1));
        SearchStepReport {
            sessions: self.steps.len(),
            steps: self.steps.int_histogram(),
            multi_turn: multi,
            multi_turn_at_most_10_steps: ratio(short, multi),
            intervals_ms: self.intervals.distribution(),
            intervals_under_1_min: ratio(quick, self.intervals.len()),
            fetches: self.fetches,
            fetches_per_session: self.fetch_counts.distribution(),
        }
    }
}
