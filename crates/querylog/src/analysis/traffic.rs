//! Traffic-shape metrics: sessions and steps, intervals, query length, `k`, top queries,
//! endpoint mix and latency.
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::stats::{Distribution, IntHistogram, ratio};
use super::text::{normalize, tokenize};
use crate::record::LogRecord;
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

/// Sessions, steps per session and durations.
pub fn session_report(sessions: &[Session]) -> SessionReport {
    let steps: Vec<u64> = sessions.iter().map(|s| s.steps() as u64).collect();
    let queries: Vec<u64> = sessions
        .iter()
        .map(|s| s.records.iter().filter(|r| r.query.is_some()).count() as u64)
        .collect();
    let durations: Vec<u64> = sessions
        .iter()
        .map(|s| (s.end_ms - s.start_ms).unsigned_abs())
        .collect();
    let explicit = sessions
        .iter()
        .filter(|s| s.kind == SessionKind::Explicit)
        .count() as u64;
    SessionReport {
        sessions: sessions.len() as u64,
        explicit,
        gap: sessions.len() as u64 - explicit,
        steps: IntHistogram::of(&steps),
        queries: IntHistogram::of(&queries),
        duration_ms: Distribution::of(&durations),
    }
}

fn intervals(sessions: &[Session]) -> Vec<u64> {
    sessions
        .iter()
        .flat_map(|s| {
            s.records
                .windows(2)
                .map(|w| (w[1].ts_ms - w[0].ts_ms).unsigned_abs())
        })
        .collect()
}

/// Milliseconds between consecutive steps of the same session (all records, any endpoint).
/// A session of n steps contributes n − 1 intervals.
pub fn inter_step_intervals(sessions: &[Session]) -> Distribution {
    Distribution::of(&intervals(sessions))
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

/// The interval histogram over [`INTERVAL_BOUNDS_MS`]; empty when there is no interval.
pub fn interval_buckets(sessions: &[Session]) -> Vec<IntervalBucket> {
    let values = intervals(sessions);
    if values.is_empty() {
        return Vec::new();
    }
    let total = values.len() as u64;
    let bounds = INTERVAL_BOUNDS_MS.iter().map(|&b| Some(b)).chain([None]);
    let (mut lower, mut cumulative) = (None::<u64>, 0u64);
    bounds
        .map(|le_ms| {
            let inside = |v: &&u64| lower.is_none_or(|l| **v > l) && le_ms.is_none_or(|u| **v <= u);
            let count = values.iter().filter(inside).count() as u64;
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

/// Query length over every record with a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryLengthReport {
    /// Tokens per query (see [`super::tokenize`]).
    pub tokens: IntHistogram,
    /// Unicode scalar values per query, as received.
    pub chars: Distribution,
}

/// Query lengths in tokens and characters.
pub fn query_length(records: &[LogRecord]) -> QueryLengthReport {
    let queries: Vec<&str> = records.iter().filter_map(|r| r.query.as_deref()).collect();
    let tokens: Vec<u64> = queries.iter().map(|q| tokenize(q).len() as u64).collect();
    let chars: Vec<u64> = queries.iter().map(|q| q.chars().count() as u64).collect();
    QueryLengthReport {
        tokens: IntHistogram::of(&tokens),
        chars: Distribution::of(&chars),
    }
}

/// `k` asked for by records with a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KReport {
    /// Distribution of `params.k` where present.
    pub k: IntHistogram,
    /// Queries without an integer `params.k` (the endpoint's default applied).
    pub missing: u64,
}

/// The `k` distribution.
pub fn k_distribution(records: &[LogRecord]) -> KReport {
    let with_query: Vec<&LogRecord> = records.iter().filter(|r| r.query.is_some()).collect();
    let ks: Vec<u64> = with_query.iter().filter_map(|r| r.k()).collect();
    KReport {
        missing: (with_query.len() - ks.len()) as u64,
        k: IntHistogram::of(&ks),
    }
}

/// One frequent query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopQuery {
    /// The normal form (see [`super::normalize`]).
    pub query: String,
    /// Records with this normal form.
    pub count: u64,
    /// Distinct clients that sent it.
    pub clients: u64,
}

/// The `n` most frequent normalised queries, by count descending then query ascending.
pub fn top_queries(records: &[LogRecord], n: usize) -> Vec<TopQuery> {
    let mut counts: BTreeMap<String, (u64, BTreeSet<&str>)> = BTreeMap::new();
    for record in records {
        if let Some(q) = &record.query {
            let entry = counts.entry(normalize(q)).or_default();
            entry.0 += 1;
            entry.1.insert(&record.client);
        }
    }
    let mut top: Vec<TopQuery> = counts
        .into_iter()
        .map(|(query, (count, clients))| TopQuery {
            query,
            count,
            clients: clients.len() as u64,
        })
        .collect();
    top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
    top.truncate(n);
    top
}

/// Requests of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointShare {
    /// Requests.
    pub count: u64,
    /// Share of all requests.
    pub share: f64,
    /// Latency of this endpoint's requests, microseconds.
    pub latency_us: Distribution,
}

/// Endpoint mix, statuses and latency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointReport {
    /// Per endpoint.
    pub endpoints: BTreeMap<String, EndpointShare>,
    /// Requests per HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Latency of all requests, microseconds.
    pub latency_us: Distribution,
}

/// Endpoint mix with per-endpoint latency percentiles.
pub fn endpoint_report(records: &[LogRecord]) -> EndpointReport {
    let mut latencies: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut statuses = BTreeMap::new();
    for r in records {
        latencies
            .entry(r.endpoint.as_str())
            .or_default()
            .push(r.latency_us);
        *statuses.entry(r.status).or_insert(0) += 1;
    }
    let total = records.len() as u64;
    let all: Vec<u64> = records.iter().map(|r| r.latency_us).collect();
    EndpointReport {
        endpoints: latencies
            .into_iter()
            .map(|(endpoint, lat)| {
                let count = lat.len() as u64;
                let share = EndpointShare {
                    count,
                    share: ratio(count, total).unwrap_or(0.0),
                    latency_us: Distribution::of(&lat),
                };
                (endpoint.to_string(), share)
            })
            .collect(),
        statuses,
        latency_us: Distribution::of(&all),
    }
}
