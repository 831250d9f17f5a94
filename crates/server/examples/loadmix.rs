//! Mixed load against a running server, closed loop or open loop (benches/load.sh runs it).
//!
//! `loadmix http://127.0.0.1:8080 --clients 8 --seconds 30 [--dense] [--pid N]`: a closed
//! loop, `clients` connections each sending the next request as soon as the last one is
//! answered; `--rate R` (or `--factor F` × the capacity measured by a 10 s closed loop of
//! 32 clients first) makes it an open loop instead: requests leave on a fixed schedule
//! whether or not earlier ones were answered, as a fleet of rollouts does.
//!
//! The mix rotates over BM25 k=10, BM25 k=100, hybrid k=10 (`--dense`), fetch, and a
//! `/retrieve` batch of 32 queries (topk 3), or one kind with `--only KIND` (also
//! `bm25_k100_passage`, and `hybrid_k100` and `dense_k100`, passage unit, the heavy dense
//! cases).
//! `--deadline-ms D` sends `x-request-timeout-ms: D` with every request. `--record FILE`
//! gives each request a unique `x-request-id` and writes `id, status, replica, kind` per
//! request (benches/cluster-failover.sh checks them against the query log);
//! `--local-address IP` connects from that address. Reported: counts
//! by status per kind, answered per second, p50/p99 of answered requests, 503s with and
//! without `Retry-After`, other 5xx, transport errors, and the server's peak RSS (`--pid`).
//! Exits non-zero on any 5xx other than 503, a 503 without `Retry-After`, or, with
//! `--expect-no-503`, any 503 at all.
#[path = "load/mod.rs"]
mod load;
#[path = "loadmix/report.rs"]
mod report;
#[path = "loadmix/request.rs"]
mod request;

use std::sync::Arc;
use std::time::Instant;

use load::{arg, parsed};
use report::{Kind, Tally};
use request::{Plan, Recorder, one};

/// The mix sent by one loop (closed or open), tallied.
struct Mix {
    client: reqwest::Client,
    plan: Arc<Plan>,
    tally: Tally,
}

impl load::Load for Mix {
    async fn request(&self, i: u64) {
        one(&self.client, &self.plan, i, &self.tally).await;
    }
}

impl Mix {
    fn new(client: &reqwest::Client, plan: &Arc<Plan>) -> Arc<Self> {
        Arc::new(Self {
            client: client.clone(),
            plan: Arc::clone(plan),
            tally: Tally::default(),
        })
    }
}

/// Document ids for the fetch requests, from one BM25 search.
async fn doc_ids(client: &reqwest::Client, base: &str) -> Vec<String> {
    let url = format!("{base}/v1/search?q=index&mode=bm25&k=100");
    let body: serde_json::Value = client
        .get(url)
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    let ids: Vec<String> = body["results"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|h| h["doc_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !ids.is_empty(),
        "the snapshot answered no document for `index`"
    );
    ids
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = load::base_url(&args);
    let seconds: f64 = parsed(&args, "--seconds").unwrap_or(30.0);
    let pid: Option<u32> = parsed(&args, "--pid");
    let mut kinds = vec![Kind::Bm25K10, Kind::Bm25K100, Kind::Fetch, Kind::Retrieve32];
    if args.iter().any(|a| a == "--dense") {
        kinds.insert(2, Kind::HybridK10);
    }
    if let Some(only) = arg(&args, "--only") {
        // One kind, or several comma-separated (rotated like the default mix).
        kinds = only
            .split(',')
            .map(|kind| {
                Kind::parse(kind).expect(
                    "--only bm25|bm25_k100|bm25_k100_passage|hybrid|hybrid_k100|dense_k100|fetch|retrieve32[,…]",
                )
            })
            .collect();
    }
    let mut builder = reqwest::Client::builder().pool_max_idle_per_host(4096);
    // `--local-address 127.0.0.2`: connect from another loopback address, so a test can
    // tell the client's address from a load balancer's (X-Forwarded-For).
    if let Some(local) = arg(&args, "--local-address") {
        builder = builder.local_address(
            local
                .parse::<std::net::IpAddr>()
                .expect("--local-address IP"),
        );
    }
    let client = builder.build().expect("HTTP client");
    let record = arg(&args, "--record").map(|path| {
        let file = std::fs::File::create(&path).expect("--record file");
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Arc::new(Recorder {
            run: run.to_string(),
            lines: std::sync::Mutex::new(std::io::BufWriter::new(file)),
        })
    });
    let plan = Arc::new(Plan {
        // Only a mix with fetches needs document ids (a synthetic corpus may not have `index`).
        doc_ids: if kinds.contains(&Kind::Fetch) {
            doc_ids(&client, &base).await
        } else {
            Vec::new()
        },
        base,
        kinds,
        deadline_ms: parsed(&args, "--deadline-ms"),
        record: record.clone(),
    });
    let sampler = load::RssSampler::start(pid);
    // Capacity: a closed loop without the deadline (with it, quick refusals would let the
    // loop send more cheap requests and inflate the rate).
    let mut capacity_work = None;
    let rate = match (arg(&args, "--rate"), arg(&args, "--factor")) {
        (Some(rate), _) => rate.parse::<f64>().ok(),
        (None, Some(factor)) => {
            let unbounded = Arc::new(Plan {
                deadline_ms: None,
                ..(*plan).clone()
            });
            let mix = Mix::new(&client, &unbounded);
            load::closed_loop(&mix, 32, 10.0).await;
            let tally = &mix.tally;
            let capacity = tally.answered_per_sec(10.0);
            capacity_work = Some(tally.engine_ms_per_sec(10.0));
            println!(
                "capacity {capacity:.0} answered/s, {:.0} engine-ms/s (closed loop, 32 clients, 10 s, no deadline)",
                tally.engine_ms_per_sec(10.0)
            );
            factor.parse::<f64>().ok().map(|f| f * capacity)
        }
        (None, None) => None,
    };
    let mix = Mix::new(&client, &plan);
    let started = Instant::now();
    let label = match rate {
        Some(rate) => {
            load::open_loop(&mix, rate, seconds).await;
            format!("open loop {rate:.0} req/s")
        }
        None => {
            let clients: u64 = parsed(&args, "--clients").unwrap_or(8);
            load::closed_loop(&mix, clients, seconds).await;
            format!("closed loop {clients} clients")
        }
    };
    let tally = &mix.tally;
    let elapsed = started.elapsed().as_secs_f64();
    sampler.stop();
    let failed = tally.print(&label, elapsed, args.iter().any(|a| a == "--expect-no-503"));
    if let Some(capacity) = capacity_work {
        let goodput = tally.engine_ms_per_sec(elapsed);
        println!(
            "  goodput {goodput:.0} engine-ms/s of answered searches = {:.0}% of capacity's {capacity:.0} (same unit, same mix sent)",
            100.0 * goodput / capacity
        );
    }
    if let Some(rss) = sampler.report() {
        println!("  {rss}");
    }
    if let Some(recorder) = record {
        use std::io::Write as _;
        let mut lines = recorder
            .lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        lines.flush().expect("flush --record");
    }
    std::process::exit(i32::from(failed));
}
