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
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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
    let tally = Arc::new(Tally::default());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut workers = Vec::new();
    for w in 0..32u64 {
        let (client, base, tally) = (client.clone(), base.to_string(), Arc::clone(&tally));
        workers.push(tokio::spawn(async move {
            let mut i = w;
            while Instant::now() < deadline {
                one(&client, &base, i, &tally).await;
                i += 32;
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let answered = tally.ok_latency_us.lock().await.len();
    (answered as f64 / 10.0, answered)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .filter(|a| a.starts_with("http"))
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_string());
    let pid: Option<u32> = arg(&args, "--pid").and_then(|p| p.parse().ok());
    let seconds: u64 = arg(&args, "--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let factor: f64 = arg(&args, "--factor")
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .expect("HTTP client");

    let capacity = match arg(&args, "--capacity").and_then(|c| c.parse().ok()) {
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

    let tally = Arc::new(Tally::default());
    let peak_rss = Arc::new(AtomicU64::new(0));
    let rss_start = pid.and_then(rss_kib);
    let sampler = pid.map(|pid| {
        let peak = Arc::clone(&peak_rss);
        tokio::spawn(async move {
            loop {
                if let Some(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    });
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let total = (rate * seconds as f64) as u64;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (client, base, tally) = (client.clone(), base.clone(), Arc::clone(&tally));
        tasks.spawn(async move { one(&client, &base, i, &tally).await });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(sampler) = sampler {
        sampler.abort();
    }

    let mut ok = tally.ok_latency_us.lock().await.clone();
    ok.sort_unstable();
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
    println!(
        "admitted latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&ok, 50.0),
        percentile(&ok, 99.0),
        percentile(&ok, 100.0)
    );
    if let Some(start) = rss_start {
        println!(
            "server RSS: {} MiB at start, peak {} MiB",
            start / 1024,
            load(&peak_rss) / 1024
        );
    }
    let failed = load(&tally.other_5xx) > 0 || load(&tally.missing_retry_after) > 0;
    std::process::exit(i32::from(failed));
}
