//! Prometheus metrics: request counts by route and status, latency histograms by route, and
//! the gauges an operator sizes a deployment with (queue depth, shed requests, log backlog).
//!
//! Counters are plain atomics behind one short mutex-guarded map lookup per request (route
//! and status are few, so the map stays tiny); the text exposition format (version 0.0.4) is
//! rendered on scrape. No global registry: the metrics live in [`AppState`], so tests and
//! several servers in one process never share counters.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds: dense around our 0.5–10 ms answers,
/// then coarse up to the request timeout.
const BUCKETS: [f64; 14] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Latency histogram of one route (cumulative buckets are computed on render).
#[derive(Debug, Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    overflow: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        match BUCKETS.iter().position(|bound| seconds <= *bound) {
            Some(i) => self.counts[i].fetch_add(1, Ordering::Relaxed),
            None => self.overflow.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// Everything `/metrics` reports that the server counts itself.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Arc<Histogram>>>,
    shed: AtomicU64,
    rate_limited: AtomicU64,
    /// Bytes of the query-log store, as last measured by the serving process (0 = unknown).
    querylog_store_bytes: AtomicU64,
}

impl Metrics {
    fn observe(&self, route: &str, status: StatusCode, took: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((route.to_string(), status.as_u16()))
                .or_default() += 1;
        }
        let histogram = match self.latency.lock() {
            Ok(mut latency) => Arc::clone(latency.entry(route.to_string()).or_default()),
            Err(_) => return,
        };
        histogram.observe(took);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            self.shed.fetch_add(1, Ordering::Relaxed);
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records the query-log store's size (`LogStore::size_bytes`): measured by whoever owns
    /// the store (serve refreshes it every minute), since a scrape must not wait on Postgres.
    pub fn set_querylog_store_bytes(&self, bytes: u64) {
        self.querylog_store_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Requests answered 503 (queue full, not ready, timed out) so far.
    pub fn shed(&self) -> u64 {
        self.shed.load(Ordering::Relaxed)
    }
}

/// Middleware counting every request under its route template (`/v1/search`, not the raw
/// path, so scanners probing random URLs cannot grow the label set: they are `unmatched`).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics()
        .observe(&route, response.status(), started.elapsed());
    response
}

/// Prometheus metrics (text exposition format 0.0.4).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "probes",
    responses(
        (status = 200, description = "Request counts by route and status, latency histograms, queue depth, shed and rate-limited counts, query-log backlog.",
            content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
    )
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = render(&state);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Escapes a label value per the exposition format.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render(state: &AppState) -> String {
    let metrics = state.metrics();
    let mut out = String::with_capacity(4096);
    out.push_str(
        "# HELP driftless_requests_total Requests answered, by route template and status.\n",
    );
    out.push_str("# TYPE driftless_requests_total counter\n");
    if let Ok(requests) = metrics.requests.lock() {
        for ((route, status), count) in requests.iter() {
            let _ = writeln!(
                out,
                "driftless_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
                label(route)
            );
        }
    }
    out.push_str("# HELP driftless_request_duration_seconds Time from request to response head.\n");
    out.push_str("# TYPE driftless_request_duration_seconds histogram\n");
    let histograms: Vec<(String, Arc<Histogram>)> = match metrics.latency.lock() {
        Ok(latency) => latency
            .iter()
            .map(|(route, h)| (route.clone(), Arc::clone(h)))
            .collect(),
        Err(_) => Vec::new(),
    };
    for (route, histogram) in histograms {
        let route = label(&route);
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&histogram.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "driftless_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += histogram.overflow.load(Ordering::Relaxed);
        let sum = histogram.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "driftless_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}\n\
             driftless_request_duration_seconds_sum{{route=\"{route}\"}} {sum}\n\
             driftless_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}"
        );
    }
    let gauge = |out: &mut String, name: &str, kind: &str, help: &str, value: u64| {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        );
    };
    let pool = state.pool();
    gauge(
        &mut out,
        "driftless_queue_depth",
        "gauge",
        "Requests waiting for a CPU permit.",
        pool.waiting() as u64,
    );
    gauge(
        &mut out,
        "driftless_queue_capacity",
        "gauge",
        "Requests allowed to wait before 503.",
        pool.queue_capacity() as u64,
    );
    gauge(
        &mut out,
        "driftless_queue_predicted_wait_microseconds",
        "gauge",
        "Predicted wait for a CPU permit of a request arriving now (admission compares it with the request's deadline).",
        u64::try_from(pool.predicted_queue_wait().as_micros()).unwrap_or(u64::MAX),
    );
    gauge(
        &mut out,
        "driftless_in_flight",
        "gauge",
        "Engine jobs running now.",
        pool.running() as u64,
    );
    gauge(
        &mut out,
        "driftless_shed_total",
        "counter",
        "Requests answered 503 (queue full, not ready, timeout).",
        metrics.shed(),
    );
    gauge(
        &mut out,
        "driftless_rate_limited_total",
        "counter",
        "Requests answered 429 (quota exhausted).",
        metrics.rate_limited.load(Ordering::Relaxed),
    );
    gauge(
        &mut out,
        "driftless_snapshot_ready",
        "gauge",
        "1 once the snapshot is loaded and verified.",
        u64::from(state.snapshot().is_ok()),
    );
    if let Some(capture) = state.capture() {
        let store_bytes = metrics.querylog_store_bytes.load(Ordering::Relaxed);
        if store_bytes > 0 {
            gauge(
                &mut out,
                "driftless_querylog_store_bytes",
                "gauge",
                "Bytes of the query-log store (SQLite file + WAL, or the Postgres database).",
                store_bytes,
            );
        }
        let stats = capture.stats();
        // At rest recorded = written + spilled + dropped; the difference is in the channel.
        let backlog = stats
            .recorded
            .saturating_sub(stats.written + stats.spilled + stats.dropped);
        let spill_pending = stats.spilled.saturating_sub(stats.replayed);
        gauge(
            &mut out,
            "driftless_querylog_recorded_total",
            "counter",
            "Log records handed to the capture.",
            stats.recorded,
        );
        gauge(
            &mut out,
            "driftless_querylog_written_total",
            "counter",
            "Log records stored.",
            stats.written,
        );
        gauge(
            &mut out,
            "driftless_querylog_spilled_total",
            "counter",
            "Log records spilled to the local file while the store was slow or down.",
            stats.spilled,
        );
        gauge(
            &mut out,
            "driftless_querylog_replayed_total",
            "counter",
            "Spilled log records replayed into the store.",
            stats.replayed,
        );
        gauge(
            &mut out,
            "driftless_querylog_dropped_total",
            "counter",
            "Log records lost (spill file unwritable too).",
            stats.dropped,
        );
        gauge(
            &mut out,
            "driftless_querylog_backlog",
            "gauge",
            "Log records in the channel or writer, not yet stored nor spilled.",
            backlog,
        );
        gauge(
            &mut out,
            "driftless_querylog_spill_pending",
            "gauge",
            "Spilled log records not yet replayed into the store.",
            spill_pending,
        );
        gauge(
            &mut out,
            "driftless_querylog_store_failing",
            "gauge",
            "1 while the log store is unreachable.",
            u64::from(capture.store_failing()),
        );
    }
    out
}
