//! Tallies and the report of the loadmix example.
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::load::Latency;

/// The kinds of request in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Bm25K10,
    Bm25K100,
    Bm25K100Passage,
    HybridK10,
    HybridK100,
    DenseK100,
    Fetch,
    Retrieve32,
}

impl Kind {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "bm25" => Self::Bm25K10,
            "bm25_k100" => Self::Bm25K100,
            "bm25_k100_passage" => Self::Bm25K100Passage,
            "hybrid" => Self::HybridK10,
            "hybrid_k100" => Self::HybridK100,
            "dense_k100" => Self::DenseK100,
            "fetch" => Self::Fetch,
            "retrieve32" => Self::Retrieve32,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Bm25K10 => "bm25 k=10",
            Self::Bm25K100 => "bm25 k=100 doc",
            Self::Bm25K100Passage => "bm25 k=100 passage",
            Self::HybridK10 => "hybrid k=10",
            Self::HybridK100 => "hybrid k=100 passage",
            Self::DenseK100 => "dense k=100 passage",
            Self::Fetch => "fetch",
            Self::Retrieve32 => "/retrieve 32×3",
        }
    }
}

#[derive(Debug, Default)]
struct PerKind {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    /// 503s by error code: `overloaded` (refused at arrival) or `timeout` (admitted, then
    /// out of time), which tells shedding from work that was queued in vain.
    refusals: BTreeMap<String, u64>,
}

/// Everything the load saw.
#[derive(Debug, Default)]
pub struct Tally {
    kinds: Mutex<BTreeMap<Kind, PerKind>>,
    missing_retry_after: AtomicU64,
    transport_errors: AtomicU64,
    /// Summed `Server-Timing` engine time of answered requests, µs.
    engine_us: AtomicU64,
}

impl Tally {
    pub fn record(&self, kind: Kind, status: u16, retry_after: bool, took: Duration) {
        if matches!(status, 429 | 503) && !retry_after {
            self.missing_retry_after.fetch_add(1, Ordering::Relaxed);
        }
        let mut kinds = self.kinds.lock().expect("tally lock");
        let entry = kinds.entry(kind).or_default();
        *entry.statuses.entry(status).or_default() += 1;
        if status == 200 {
            entry
                .latencies_us
                .push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
        }
    }

    /// Records the error code of a 503.
    pub fn refusal(&self, kind: Kind, code: &str) {
        let mut kinds = self.kinds.lock().expect("tally lock");
        *kinds
            .entry(kind)
            .or_default()
            .refusals
            .entry(code.to_string())
            .or_default() += 1;
    }

    /// Adds an answered request's engine time.
    pub fn engine(&self, micros: u64) {
        self.engine_us.fetch_add(micros, Ordering::Relaxed);
    }

    /// Engine milliseconds of answered requests per second of the run.
    pub fn engine_ms_per_sec(&self, seconds: f64) -> f64 {
        self.engine_us.load(Ordering::Relaxed) as f64 / 1000.0 / seconds
    }

    pub fn transport_error(&self) {
        self.transport_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub fn answered_per_sec(&self, seconds: f64) -> f64 {
        let kinds = self.kinds.lock().expect("tally lock");
        kinds.values().map(|k| k.latencies_us.len()).sum::<usize>() as f64 / seconds
    }

    /// Prints the report; true when the run failed its checks.
    pub fn print(&self, label: &str, elapsed: f64, expect_no_503: bool) -> bool {
        let kinds = self.kinds.lock().expect("tally lock");
        let mut all = Vec::new();
        let (mut sent, mut shed, mut other_5xx) = (0u64, 0u64, 0u64);
        println!("{label}, {elapsed:.1} s");
        for (kind, per) in kinds.iter() {
            let mut latencies = per.latencies_us.clone();
            latencies.sort_unstable();
            all.extend_from_slice(&latencies);
            let mut statuses: Vec<String> = per
                .statuses
                .iter()
                .map(|(s, n)| format!("{s}:{n}"))
                .collect();
            if !per.refusals.is_empty() {
                let codes: Vec<String> = per
                    .refusals
                    .iter()
                    .map(|(c, n)| format!("{c}:{n}"))
                    .collect();
                statuses.push(format!("({})", codes.join(" ")));
            }
            sent += per.statuses.values().sum::<u64>();
            shed += per.statuses.get(&503).copied().unwrap_or(0);
            other_5xx += per
                .statuses
                .iter()
                .filter(|(s, _)| **s >= 500 && **s != 503)
                .map(|(_, n)| n)
                .sum::<u64>();
            let answered = latencies.len() as f64 / elapsed;
            let Latency { p50, p99, .. } = Latency::of(&latencies);
            println!(
                "  {:<16} {answered:>8.1} answered/s  p50 {p50:>8.2} ms  p99 {p99:>8.2} ms  statuses {}",
                kind.name(),
                statuses.join(" ")
            );
        }
        all.sort_unstable();
        let missing = self.missing_retry_after.load(Ordering::Relaxed);
        let transport = self.transport_errors.load(Ordering::Relaxed);
        let Latency { p50, p99, max } = Latency::of(&all);
        println!(
            "  all: sent {sent}, answered {} ({:.1}/s), p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms; 503 {shed}, other 5xx {other_5xx}, 503/429 without Retry-After {missing}, transport errors {transport}",
            all.len(),
            all.len() as f64 / elapsed,
        );
        other_5xx > 0 || missing > 0 || (expect_no_503 && (shed > 0 || transport > 0))
    }
}
