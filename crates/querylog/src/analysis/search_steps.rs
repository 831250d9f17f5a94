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

use super::stats::{Distribution, IntHistogram, ratio};
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
    let (mut steps, mut intervals, mut fetch_counts) = (Vec::new(), Vec::new(), Vec::new());
    let mut fetches = 0u64;
    for session in sessions {
        let answered = answered(&session.records);
        let (mut searches, mut session_fetches, mut last) = (0u64, 0u64, None::<i64>);
        for group in request_groups(&answered) {
            if group.iter().any(|r| r.query.is_some()) {
                searches += 1;
                let at = group[0].ts_ms;
                if let Some(previous) = last {
                    intervals.push((at - previous).unsigned_abs());
                }
                last = Some(at);
            } else {
                session_fetches += group.len() as u64;
            }
        }
        fetches += session_fetches;
        if searches > 0 {
            steps.push(searches);
            fetch_counts.push(session_fetches);
        }
    }
    let multi: Vec<u64> = steps.iter().copied().filter(|&n| n >= 2).collect();
    let short = multi.iter().filter(|&&n| n <= PAPER_MAX_STEPS).count() as u64;
    let quick = intervals.iter().filter(|&&i| i < PAPER_INTERVAL_MS).count() as u64;
    SearchStepReport {
        sessions: steps.len() as u64,
        steps: IntHistogram::of(&steps),
        multi_turn: multi.len() as u64,
        multi_turn_at_most_10_steps: ratio(short, multi.len() as u64),
        intervals_ms: Distribution::of(&intervals),
        intervals_under_1_min: ratio(quick, intervals.len() as u64),
        fetches,
        fetches_per_session: Distribution::of(&fetch_counts),
    }
}
