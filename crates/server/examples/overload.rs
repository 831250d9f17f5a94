//! Overload test: measure a running server's capacity, then offer it twice that, open loop.
//!
//! `cargo run --release -p driftless-server --example overload -- http://127.0.0.1:8080 --pid <server pid>`
//! (benches/overload.sh starts the server and runs this).
//!
//! Phase 1 (closed loop, 32 connections, 10 s) measures capacity in answered searches per
//! second. Phase 2 offers `factor` × capacity for `seconds`, open loop: requests are sent
//! on a fixed schedule whether or not earlier ones were answered, which is what a fleet of
//! RL rollouts does, and what a closed-loop tool like wrk cannot show (it slows down with
//! the server). Reported: p50/p99 of admitted (200) requests, counts by status, whether
//! every 503/429 carried `Retry-After`, any other 5xx, and the server's peak RSS.
#[path = "load/mod.rs"]
mod load;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use load::{Latency, RssSampler, parsed};
use tokio::sync::Mutex;
const QUERIES: [&str; 12] = [
    "create index concurrently",
    "vacuum full lock",
    "python subprocess timeout",
    "json decode error",
    "foreign key on delete cascade",
    "asyncio gather exceptions",
    "git rebase interactive",
    "logging configuration file handler",
    "unique constraint",
    "pg_stat_activity",
    "dataclass default factory",
    "explain analyze buffers",
];

#[derive(Default)]
struct Tally {
    ok_latency_us: Mutex<Vec<u64>>,
    shed: AtomicU64,
    limited: AtomicU64,
    missing_retry_after: AtomicU64,
    other_5xx: AtomicU64,
    other: AtomicU64,
    transport_errors: AtomicU64,
}

/// BM25 searches against `base`, tallied.
struct Searches {
    client: reqwest::Client,
    base: String,
    tally: Tally,
}

impl load::Load for Searches {
    async fn request(&self, i: u64) {
        one(&self.client, &self.base, i, &self.tally).await;
    }
}

async fn one(client: &reqwest::Client, base: &str, i: u64, tally: &Tally) {
    let q = QUERIES[(i % QUERIES.len() as u64) as usize];
    let started = Instant::now();
    let response = client
        .get(format!("{base}/v1/search"))
        .query(&[("q", q), ("mode", "bm25")])
        .send()
        .await;
    let Ok(response) = response else {
        tally.transport_errors.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let _ = response.bytes().await;
    match status {
        200 => tally
            .ok_latency_us
            .lock()
            .await
            .push(started.elapsed().as_micros() as u64),
        503 | 429 => {
            let counter = if status == 503 {
                &tally.shed
            } else {
                &tally.limited
            };
            counter.fetch_add(1, Ordering::Relaxed);
            if !retry_after {
                tally.missing_retry_after.fetch_add(1, Ordering::Relaxed);
            }
        }
        500..=599 => {
            tally.other_5xx.fetch_add(1, Ordering::Relaxed);
        }
        _ => {
            tally.other.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Answered searches per second over 10 s at 32 connections, and how many were answered.
async fn capacity(client: &reqwest::Client, base: &str) -> (f64, usize) {
    let searches = Arc::new(Searches {
        client: client.clone(),
        base: base.to_string(),
        tally: Tally::default(),
    });
    load::closed_loop(&searches, 32, 10.0).await;
    let answered = searches.tally.ok_latency_us.lock().await.len();
    (answered as f64 / 10.0, answered)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = load::base_url(&args);
    let pid: Option<u32> = parsed(&args, "--pid");
    let seconds: u64 = parsed(&args, "--seconds").unwrap_or(60);
    let factor: f64 = parsed(&args, "--factor").unwrap_or(2.0);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .expect("HTTP client");

    let capacity = match parsed(&args, "--capacity") {
        Some(given) => given,
        None => {
            let (capacity, answered) = capacity(&client, &base).await;
            // benches/overload.sh adds these to the expected query-log rows.
            println!("capacity-answered {answered}");
            capacity
        }
    };
    let rate = capacity * factor;
    println!(
        "capacity {capacity:.0} req/s (closed loop, 32 connections); offering {rate:.0} req/s for {seconds} s"
    );

    let searches = Arc::new(Searches {
        client,
        base,
        tally: Tally::default(),
    });
    let sampler = RssSampler::start(pid);
    let started = Instant::now();
    let total = load::open_loop(&searches, rate, seconds as f64).await;
    let elapsed = started.elapsed().as_secs_f64();
    sampler.stop();

    let tally = &searches.tally;
    let mut ok = tally.ok_latency_us.lock().await.clone();
    ok.sort_unstable();
    let Latency { p50, p99, max } = Latency::of(&ok);
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    println!(
        "offered {total} in {elapsed:.1} s ({:.0} req/s): 200 {} ({:.0}/s), 503 {}, 429 {}, \
         without Retry-After {}, other 5xx {}, other {}, transport errors {}",
        total as f64 / elapsed,
        ok.len(),
        ok.len() as f64 / elapsed,
        load(&tally.shed),
        load(&tally.limited),
        load(&tally.missing_retry_after),
        load(&tally.other_5xx),
        load(&tally.other),
        load(&tally.transport_errors),
    );
    println!("admitted latency: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");
    if let Some(rss) = sampler.report() {
        println!("{rss}");
    }
    let failed = load(&tally.other_5xx) > 0 || load(&tally.missing_retry_after) > 0;
    std::process::exit(i32::from(failed));
}
