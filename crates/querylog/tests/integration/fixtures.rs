//! A scripted agent-like log small enough to compute every metric by hand (the expected
//! values are derived in `metrics.rs`).
//!
//! | id  | t (ms)    | client | hint | endpoint   | query                             | k  | results shown (title / snippet)          |
//! |-----|-----------|--------|------|------------|-----------------------------------|----|------------------------------------------|
//! | r01 | 0         | A      |      | /v1/search | rust async runtime                | 10 | Tokio runtime / An async runtime for Rust |
//! | r02 | 10 000    | A      |      | /v1/search | tokio runtime                     | 10 | Tokio tutorial / spawn tasks with tokio  |
//! | r03 | 40 000    | A      |      | /v1/fetch  | (fetch d2)                        |    |                                          |
//! | r04 | 100 000   | A      |      | /v1/search | tokio runtime spawn               | 5  |                                          |
//! | r05 | 401 000   | A      |      | /v1/search | tokio runtime spawn  (gap 301 s)  | 10 |                                          |
//! | r06 | 402 000   | A      |      | /v1/search | Tokio Runtime, spawn!             | –  |                                          |
//! | r07 | 5 000     | B      | s1   | /v1/search | python asyncio                    | 10 | asyncio event loop / the event loop runs coroutines |
//! | r08 | 1 000 000 | B      | s1   | /v1/search | python asyncio event loop         | 10 |                                          |
//! | r09 | 1 000 500 | B      | s1   | /v1/search | python asyncio event loops (400)  | 10 |                                          |
//! | r10 | 2 000     | B      |      | /v1/search | django orm query filter tutorial  | 20 |                                          |
//! | r11 | 3 000     | B      |      | /v1/search | django orm query filter           | 20 |                                          |
//! | r12 | 403 000   | A      |      | mcp:search | python asyncio gather             | 10 |                                          |
//!
//! Latency of rNN is NN × 1000 µs.
use driftless_querylog::{LogRecord, LoggedResult};
use serde_json::json;

fn result(doc_id: &str, title: &str, snippet: &str) -> LoggedResult {
    LoggedResult {
        doc_id: doc_id.into(),
        score: 12.3456,
        title: title.into(),
        snippet: snippet.into(),
        span: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn rec(
    n: u32,
    ts_ms: i64,
    client: &str,
    hint: Option<&str>,
    endpoint: &str,
    query: Option<&str>,
    k: Option<u64>,
    results: Vec<LoggedResult>,
) -> LogRecord {
    LogRecord {
        session_hint: hint.map(str::to_string),
        query: query.map(str::to_string),
        params: k.map_or_else(
            || json!({"mode": "bm25"}),
            |k| json!({"k": k, "mode": "bm25"}),
        ),
        snapshot_id: "snap-1".into(),
        results,
        latency_us: u64::from(n) * 1000,
        log_id: format!("log-{n:02}"),
        ..LogRecord::new(ts_ms, client, endpoint, format!("r{n:02}"))
    }
}

/// The twelve records, deliberately not in time order.
pub fn agent_log() -> Vec<LogRecord> {
    let s = "/v1/search";
    let mut fetch = rec(3, 40_000, "A", None, "/v1/fetch", None, None, vec![]);
    fetch.fetched_doc_id = Some("d2".into());
    fetch.params = json!({"doc_id": "d2"});
    let mut bad = rec(
        9,
        1_000_500,
        "B",
        Some("s1"),
        s,
        Some("python asyncio event loops"),
        Some(10),
        vec![],
    );
    bad.status = 400;
    vec![
        rec(
            12,
            403_000,
            "A",
            None,
            "mcp:search",
            Some("python asyncio gather"),
            Some(10),
            vec![],
        ),
        rec(
            1,
            0,
            "A",
            None,
            s,
            Some("rust async runtime"),
            Some(10),
            vec![result(
                "d1",
                "Tokio runtime",
                "An **async** runtime for Rust",
            )],
        ),
        rec(
            2,
            10_000,
            "A",
            None,
            s,
            Some("tokio runtime"),
            Some(10),
            vec![result("d2", "Tokio tutorial", "spawn tasks with tokio")],
        ),
        fetch,
        rec(
            4,
            100_000,
            "A",
            None,
            s,
            Some("tokio runtime spawn"),
            Some(5),
            vec![],
        ),
        rec(
            5,
            401_000,
            "A",
            None,
            s,
            Some("tokio runtime spawn"),
            Some(10),
            vec![],
        ),
        rec(
            6,
            402_000,
            "A",
            None,
            s,
            Some("Tokio Runtime, spawn!"),
            None,
            vec![],
        ),
        rec(
            7,
            5_000,
            "B",
            Some("s1"),
            s,
            Some("python asyncio"),
            Some(10),
            vec![result(
                "d3",
                "asyncio event loop",
                "the event loop runs coroutines",
            )],
        ),
        rec(
            8,
            1_000_000,
            "B",
            Some("s1"),
            s,
            Some("python asyncio event loop"),
            Some(10),
            vec![],
        ),
        bad,
        rec(
            10,
            2_000,
            "B",
            None,
            s,
            Some("django orm query filter tutorial"),
            Some(20),
            vec![],
        ),
        rec(
            11,
            3_000,
            "B",
            None,
            s,
            Some("django orm query filter"),
            Some(20),
            vec![],
        ),
    ]
}
