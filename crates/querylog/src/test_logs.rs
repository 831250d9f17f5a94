//! Random logs for the tests that compare the streaming analysis with the in-memory one:
//! several clients, explicit and gap sessions, multi-query requests, refusals, fetches and
//! equal timestamps, from a seeded generator (no random-number dependency).
use crate::record::{LogRecord, LoggedResult};

pub use driftless_rng::XorShift64Star as Rng;

const WORDS: [&str; 12] = [
    "vacuum", "index", "btree", "wal", "replica", "lock", "query", "plan", "join", "hash", "The",
    "of",
];

fn words(rng: &mut Rng, n: u64) -> String {
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` records in canonical order with timestamps from `start`, steps 0-400 s apart (the
/// tests use gaps of a few minutes, so sessions both continue and break).
pub fn random_log(seed: u64, n: usize) -> Vec<LogRecord> {
    let mut rng = Rng::seeded(seed);
    let mut out: Vec<LogRecord> = Vec::with_capacity(n);
    let mut ts = 1_700_000_000_000i64;
    let mut i = 0;
    while out.len() < n {
        ts += (rng.below(5) * rng.below(100_000)) as i64; // often equal, sometimes far
        let client = format!("c{}", rng.below(4));
        let hint = (rng.below(3) == 0).then(|| format!("s{}", rng.below(5)));
        let items = if rng.below(6) == 0 {
            2 + rng.below(2)
        } else {
            1
        };
        i += 1;
        for item in 0..items {
            let fetch = items == 1 && rng.below(4) == 0;
            let request_id = if items > 1 {
                format!("r{i:04}#{item}")
            } else {
                format!("r{i:04}")
            };
            let results = if fetch {
                Vec::new()
            } else {
                (0..rng.below(4))
                    .map(|d| LoggedResult {
                        doc_id: format!("d{}", rng.below(30)),
                        score: 10.0 - d as f64,
                        title: words(&mut rng, 3),
                        snippet: words(&mut rng, 6),
                        span: None,
                    })
                    .collect()
            };
            let query_words = 1 + rng.below(4);
            out.push(LogRecord {
                ts_ms: ts,
                client: client.clone(),
                session_hint: hint.clone(),
                step_hint: None,
                endpoint: if fetch { "/v1/fetch" } else { "/v1/search" }.into(),
                query: (!fetch).then(|| words(&mut rng, query_words)),
                params: if rng.below(5) == 0 {
                    serde_json::json!({})
                } else {
                    serde_json::json!({"k": 1 + rng.below(3) * 5})
                },
                snapshot_id: "s".into(),
                results,
                fetched_doc_id: fetch.then(|| format!("d{}", rng.below(30))),
                status: if rng.below(10) == 0 {
                    400 + rng.below(104) as u16
                } else {
                    200
                },
                latency_us: rng.below(5_000),
                request_id,
                log_id: format!("l{}", out.len()),
                replica: None,
            });
        }
    }
    out.truncate(n);
    crate::record::sort_canonical(&mut out);
    out
}
