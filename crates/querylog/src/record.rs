//! What one logged request looks like, in memory, in the store and in JSONL exports.
use serde::{Deserialize, Serialize};

/// One answered request to a search or fetch endpoint.
///
/// The same shape is written to the spill file, exported as JSONL and read back by
/// [`crate::import_jsonl`], so every field that a minimal import cannot provide has a serde
/// default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// When the request arrived, Unix milliseconds (UTC).
    pub ts_ms: i64,
    /// Who asked: API key id, `x-client-id`, or the peer address. Stored in clear; exports
    /// replace it with a salted hash (see [`crate::anonymize_client`]).
    pub client: String,
    /// The `x-session-id` header, when the agent sent one. It wins over gap sessionizing.
    #[serde(default)]
    pub session_hint: Option<String>,
    /// A step number the agent sent along (stored and exported; analysis orders steps by time).
    #[serde(default)]
    pub step_hint: Option<i64>,
    /// Route or tool that answered, e.g. `/v1/search`, `/v1/fetch`, `mcp:search`, `/retrieve`.
    pub endpoint: String,
    /// Query text as received (search-like endpoints); `None` for fetches.
    #[serde(default)]
    pub query: Option<String>,
    /// Request parameters other than the query (`k`, `offset`, `mode`, `unit`, …).
    #[serde(default = "empty_object")]
    pub params: serde_json::Value,
    /// Snapshot that answered (empty when unknown, e.g. imported logs).
    #[serde(default)]
    pub snapshot_id: String,
    /// Ranked results as returned, best first.
    #[serde(default)]
    pub results: Vec<LoggedResult>,
    /// Document returned by a fetch.
    #[serde(default)]
    pub fetched_doc_id: Option<String>,
    /// HTTP status (or its equivalent for MCP).
    #[serde(default = "ok_status")]
    pub status: u16,
    /// Time spent answering, microseconds.
    #[serde(default)]
    pub latency_us: u64,
    /// Unique id of the request (the `x-request-id` header). The store keys on it, so
    /// re-inserting a record (spill replay, re-import) never duplicates it.
    pub request_id: String,
}

/// One ranked result as the client saw it. Title and snippet are kept because CTAR asks
/// which words the agent had actually been shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedResult {
    /// Document (or passage) id.
    pub doc_id: String,
    /// Score as returned (already rounded by the engine).
    pub score: f64,
    /// Title shown.
    #[serde(default)]
    pub title: String,
    /// Snippet shown, highlight marks included.
    #[serde(default)]
    pub snippet: String,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

fn ok_status() -> u16 {
    200
}

impl LogRecord {
    /// `params.k` when it is a non-negative integer (the `k` distribution reads it).
    pub fn k(&self) -> Option<u64> {
        self.params.get("k").and_then(serde_json::Value::as_u64)
    }
}

/// Which rows [`crate::LogStore::read_all`] returns. Every bound is optional; the default
/// filter returns everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Only records with `ts_ms >= since_ms`.
    pub since_ms: Option<i64>,
    /// Only records with `ts_ms < until_ms`.
    pub until_ms: Option<i64>,
    /// Only this client (in clear, as stored).
    pub client: Option<String>,
    /// Only this endpoint.
    pub endpoint: Option<String>,
}

impl RecordFilter {
    /// Whether `record` passes the filter: the in-memory twin of the SQL `WHERE` clause,
    /// used for imported records and in tests.
    pub fn matches(&self, record: &LogRecord) -> bool {
        self.since_ms.is_none_or(|s| record.ts_ms >= s)
            && self.until_ms.is_none_or(|u| record.ts_ms < u)
            && self.client.as_ref().is_none_or(|c| *c == record.client)
            && self.endpoint.as_ref().is_none_or(|e| *e == record.endpoint)
    }
}

/// Sorts records into the canonical analysis order: `(ts_ms, request_id)`.
pub fn sort_canonical(records: &mut [LogRecord]) {
    records.sort_by(|a, b| (a.ts_ms, &a.request_id).cmp(&(b.ts_ms, &b.request_id)));
}
