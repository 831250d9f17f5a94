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
//! `hybrid_k100` and `dense_k100`, passage unit, the heavy dense cases).
//! `--deadline-ms D` sends `x-request-timeout-ms: D` with every request. `--record FILE`
//! gives each request a unique `x-request-id` and writes `id, status, replica, kind` per
//! request (benches/cluster-failover.sh checks them against the query log);
//! `--local-address IP` connects from that address. Reported: counts
//! by status per kind, answered per second, p50/p99 of answered requests, 503s with and
//! without `Retry-After`, other 5xx, transport errors, and the server's peak RSS (`--pid`).
//! Exits non-zero on any 5xx other than 503, a 503 without `Retry-After`, or, with
//! `--expect-no-503`, any 503 at all.
#[path = "loadmix/report.rs"]
mod report;

use std::sync::Arc;
use std::time::{Duration, Instant};

use report::{Kind, Tally};

const QUERIES: [&str; 16] = [
    "create index concurrently",
    "vacuum full lock",
    "foreign key on delete cascade",
    "unique constraint violation",
    "pg_stat_activity idle in transaction",
    "explain analyze buffers",
    "logical replication slot",
    "window function rank over partition",
    "json operators jsonb",
    "transaction isolation serializable",
    "autovacuum tuning",
    "partitioned table attach",
    "copy from csv header",
    "row level security policy",
    "recursive common table expression",
    "point in time recovery wal archive",
];

#[derive(Clone)]
struct Plan {
    base: String,
    kinds: Vec<Kind>,
    deadline_ms: Option<u64>,
    doc_ids: Vec<String>,
    /// `--record FILE`: one line per request (request id, status, replica, kind), for
    /// checking afterwards that every answered request reached the query log.
    record: Option<Arc<Recorder>>,
}

/// The `--record` file. Request ids are `lm-<run>-<i>`, unique per request of the run.
struct Recorder {
    run: String,
    lines: std::sync::Mutex<std::io::BufWriter<std::fs::File>>,
}

impl Recorder {
    fn write(&self, id: &str, status: Option<u16>, replica: &str, kind: Kind) {
        use std::io::Write as _;
        let status = status.map_or_else(|| "error".to_string(), |s| s.to_string());
        let mut lines = self
            .lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(lines, "{id}\t{status}\t{replica}\t{kind:?}");
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

async fn one(client: &reqwest::Client, plan: &Plan, i: u64, tally: &Tally) {
    let kind = plan.kinds[(i % plan.kinds.len() as u64) as usize];
    let q = QUERIES[((i / plan.kinds.len() as u64) % QUERIES.len() as u64) as usize];
    let base = &plan.base;
    let request = match kind {
        Kind::Bm25K10 => client.get(format!("{base}/v1/search")).query(&[
            ("q", q),
            ("mode", "bm25"),
            ("k", "10"),
        ]),
        Kind::Bm25K100 => client.get(format!("{base}/v1/search")).query(&[
            ("q", q),
            ("mode", "bm25"),
            ("k", "100"),
            ("unit", "doc"),
        ]),
        Kind::HybridK10 => client.get(format!("{base}/v1/search")).query(&[
            ("q", q),
            ("mode", "hybrid"),
            ("k", "10"),
        ]),
        Kind::HybridK100 | Kind::DenseK100 => client.get(format!("{base}/v1/search")).query(&[
            ("q", q),
            (
                "mode",
                if kind == Kind::HybridK100 {
                    "hybrid"
                } else {
                    "dense"
                },
            ),
            ("k", "100"),
            ("unit", "passage"),
        ]),
        Kind::Fetch => {
            let doc = &plan.doc_ids[(i as usize / plan.kinds.len()) % plan.doc_ids.len()];
            client
                .get(format!("{base}/v1/fetch"))
                .query(&[("doc_id", doc.as_str()), ("max_chars", "4000")])
        }
        Kind::Retrieve32 => {
            let queries: Vec<&str> = (0..32)
                .map(|j| QUERIES[(i as usize + j) % QUERIES.len()])
                .collect();
            client
                .post(format!("{base}/retrieve"))
                .json(&serde_json::json!({"queries": queries, "topk": 3, "return_scores": true}))
        }
    };
    let request = match plan.deadline_ms {
        Some(ms) => request.header("x-request-timeout-ms", ms.to_string()),
        None => request,
    };
    let id = plan.record.as_ref().map(|r| format!("lm-{}-{i}", r.run));
    let request = match &id {
        Some(id) => request.header("x-request-id", id.as_str()),
        None => request,
    };
    let started = Instant::now();
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            if let (Some(recorder), Some(id)) = (&plan.record, &id) {
                let replica = response
                    .headers()
                    .get("x-driftless-replica")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                recorder.write(id, Some(status), replica, kind);
            }
            let retry_after = response.headers().contains_key("retry-after");
            let engine = engine_micros(response.headers());
            match response.bytes().await {
                Ok(body) => {
                    tally.record(kind, status, retry_after, started.elapsed());
                    if status == 200 {
                        tally.engine(engine);
                    }
                    if status == 503 {
                        let code = serde_json::from_slice::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
                            .unwrap_or_else(|| "unreadable".to_string());
                        tally.refusal(kind, &code);
                    }
                }
                Err(_) => tally.transport_error(),
            }
        }
        Err(_) => {
            if let (Some(recorder), Some(id)) = (&plan.record, &id) {
                recorder.write(id, None, "-", kind);
            }
            tally.transport_error();
        }
    }
}

/// The engine time of a response (`Server-Timing: engine;dur=<ms>`), in µs: the CPU work of
/// its searches, the unit goodput is compared in (a shed mix answers more cheap requests).
fn engine_micros(headers: &reqwest::header::HeaderMap) -> u64 {
    headers
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|part| part.trim().strip_prefix("engine;dur="))
        })
        .and_then(|ms| ms.parse::<f64>().ok())
        .map_or(0, |ms| (ms * 1000.0) as u64)
}

/// `clients` closed-loop connections for `seconds`.
async fn closed_loop(
    client: &reqwest::Client,
    plan: &Arc<Plan>,
    clients: u64,
    seconds: f64,
) -> Arc<Tally> {
    let tally = Arc::new(Tally::default());
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for w in 0..clients {
        let (client, plan, tally) = (client.clone(), Arc::clone(plan), Arc::clone(&tally));
        workers.push(tokio::spawn(async move {
            let mut i = w;
            while Instant::now() < until {
                one(&client, &plan, i, &tally).await;
                i += clients;
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    tally
}

/// `rate` requests per second on a fixed schedule for `seconds`.
async fn open_loop(
    client: &reqwest::Client,
    plan: &Arc<Plan>,
    rate: f64,
    seconds: f64,
) -> Arc<Tally> {
    let tally = Arc::new(Tally::default());
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let total = (rate * seconds) as u64;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        tokio::time::sleep_until((started + interval.mul_f64(i as f64)).into()).await;
        let (client, plan, tally) = (client.clone(), Arc::clone(plan), Arc::clone(&tally));
        tasks.spawn(async move { one(&client, &plan, i, &tally).await });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    tally
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
    let base = args
        .get(1)
        .filter(|a| a.starts_with("http"))
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let seconds: f64 = arg(&args, "--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(30.0);
    let pid: Option<u32> = arg(&args, "--pid").and_then(|p| p.parse().ok());
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
                    "--only bm25|bm25_k100|hybrid|hybrid_k100|dense_k100|fetch|retrieve32[,…]",
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
        deadline_ms: arg(&args, "--deadline-ms").and_then(|d| d.parse().ok()),
        record: record.clone(),
    });
    let sampler = report::RssSampler::start(pid);
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
            let tally = closed_loop(&client, &unbounded, 32, 10.0).await;
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
    let started = Instant::now();
    let (tally, label) = match rate {
        Some(rate) => (
            open_loop(&client, &plan, rate, seconds).await,
            format!("open loop {rate:.0} req/s"),
        ),
        None => {
            let clients: u64 = arg(&args, "--clients")
                .and_then(|c| c.parse().ok())
                .unwrap_or(8);
            (
                closed_loop(&client, &plan, clients, seconds).await,
                format!("closed loop {clients} clients"),
            )
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let failed = tally.print(&label, elapsed, args.iter().any(|a| a == "--expect-no-503"));
    if let Some(capacity) = capacity_work {
        let goodput = tally.engine_ms_per_sec(elapsed);
        println!(
            "  goodput {goodput:.0} engine-ms/s of answered searches = {:.0}% of capacity's {capacity:.0} (same unit, same mix sent)",
            100.0 * goodput / capacity
        );
    }
    sampler.print();
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
