//! Per-request metrics: query length, `k`, endpoint mix, statuses and latency, counted one
//! record at a time so a log of any length is summarised in memory bounded by its distinct
//! values (see [`Counts`]).
use super::FastHashSet;
use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::{Counts, Distribution, IntHistogram, ratio};
use super::text::tokenize;
use crate::record::LogRecord;

/// Query length over every answered record with a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryLengthReport {
    /// Tokens per query (see [`super::tokenize`]).
    pub tokens: IntHistogram,
    /// Unicode scalar values per query, as received.
    pub chars: Distribution,
}

/// `k` asked for by answered records with a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KReport {
    /// Distribution of `params.k` where present.
    pub k: IntHistogram,
    /// Queries without an integer `params.k` (the endpoint's default applied).
    pub missing: u64,
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

/// Endpoint mix, statuses and latency (every request, answered or refused).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointReport {
    /// Per endpoint.
    pub endpoints: BTreeMap<String, EndpointShare>,
    /// Requests per HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Latency of all requests, microseconds.
    pub latency_us: Distribution,
}

/// The per-request counters.
#[derive(Debug, Default)]
pub struct RequestTally {
    records: u64,
    clients: FastHashSet<String>,
    tokens: Counts,
    chars: Counts,
    k: Counts,
    k_missing: u64,
    endpoints: BTreeMap<String, Counts>,
    statuses: BTreeMap<u16, u64>,
    latency: Counts,
}

impl RequestTally {
    /// Counts one record; `answered` says whether the query metrics take it.
    pub fn add(&mut self, r: &LogRecord, answered: bool) {
        self.records += 1;
        if !self.clients.contains(&r.client) {
            self.clients.insert(r.client.clone());
        }
        match self.endpoints.get_mut(&r.endpoint) {
            Some(counts) => counts.push(r.latency_us),
            None => {
                let mut counts = Counts::default();
                counts.push(r.latency_us);
                self.endpoints.insert(r.endpoint.clone(), counts);
            }
        }
        *self.statuses.entry(r.status).or_insert(0) += 1;
        self.latency.push(r.latency_us);
        if let (true, Some(q)) = (answered, &r.query) {
            self.tokens.push(tokenize(q).len() as u64);
            self.chars.push(q.chars().count() as u64);
            match r.k() {
                Some(k) => self.k.push(k),
                None => self.k_missing += 1,
            }
        }
    }

    /// Records counted.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Distinct clients.
    pub fn clients(&self) -> u64 {
        self.clients.len() as u64
    }

    /// Query lengths in tokens and characters.
    pub fn query_length(&self) -> QueryLengthReport {
        QueryLengthReport {
            tokens: self.tokens.int_histogram(),
            chars: self.chars.distribution(),
        }
    }

    /// The `k` distribution.
    pub fn k(&self) -> KReport {
        KReport {
            k: self.k.int_histogram(),
            missing: self.k_missing,
        }
    }

    /// Endpoint mix with per-endpoint latency percentiles.
    pub fn endpoints(&self) -> EndpointReport {
        let total = self.records;
        EndpointReport {
            endpoints: self
                .endpoints
                .iter()
                .map(|(endpoint, lat)| {
                    let count = lat.len();
                    let share = EndpointShare {
                        count,
                        share: ratio(count, total).unwrap_or(0.0),
                        latency_us: lat.distribution(),
                    };
                    (endpoint.clone(), share)
                })
                .collect(),
            statuses: self.statuses.clone(),
            latency_us: self.latency.distribution(),
        }
    }
}
