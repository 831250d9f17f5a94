//! One request of the loadmix example: what each kind sends, and how its answer is tallied
//! (and recorded with `--record`).
use std::sync::Arc;
use std::time::Instant;

use crate::report::{Kind, Tally};

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
pub struct Plan {
    pub base: String,
    pub kinds: Vec<Kind>,
    pub deadline_ms: Option<u64>,
    pub doc_ids: Vec<String>,
    /// `--record FILE`: one line per request (request id, status, replica, kind), for
    /// checking afterwards that every answered request reached the query log.
    pub record: Option<Arc<Recorder>>,
}

/// The `--record` file. Request ids are `lm-<run>-<i>`, unique per request of the run.
pub struct Recorder {
    pub run: String,
    pub lines: std::sync::Mutex<std::io::BufWriter<std::fs::File>>,
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

pub async fn one(client: &reqwest::Client, plan: &Plan, i: u64, tally: &Tally) {
    let kind = plan.kinds[(i % plan.kinds.len() as u64) as usize];
    let q = QUERIES[((i / plan.kinds.len() as u64) % QUERIES.len() as u64) as usize];
    let base = &plan.base;
    let request = match kind {
        Kind::Bm25K10 => client.get(format!("{base}/v1/search")).query(&[
            ("q", q),
            ("mode", "bm25"),
            ("k", "10"),
        ]),
        Kind::Bm25K100 | Kind::Bm25K100Passage => {
            let unit = if kind == Kind::Bm25K100 {
                "doc"
            } else {
                "passage"
            };
            client.get(format!("{base}/v1/search")).query(&[
                ("q", q),
                ("mode", "bm25"),
                ("k", "100"),
                ("unit", unit),
            ])
        }
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
