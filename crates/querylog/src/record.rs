//! What one logged request looks like, in memory, in the store and in JSONL exports.
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Request parameters other than the query (`k`, `offset`, `mode`, `unit`, …), and
    /// `delivered` when the response carried more than titles and snippets: `"unit_text"`
    /// (each hit's whole passage or document, as `/retrieve` returns) or
    /// `{"window_chars": n}` (each hit's document from offset 0, as Tavily's raw content).
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
    /// The request id the client saw: its own `x-request-id` when it sent a valid one, else
    /// the server's. Chosen by the client, so it is *not* unique and never the store's key
    /// (two clients may send the same id; neither can hide or replace the other's row).
    pub request_id: String,
    /// The store's key, made by the server when the record is captured ([`new_log_id`]), so
    /// re-inserting a record (spill replay, re-import of an export) never duplicates it.
    /// Empty in records written before it existed: [`LogRecord::log_key`] then falls back to
    /// `request_id`, the key those versions used.
    #[serde(default)]
    pub log_id: String,
    /// Which server replica answered (`serve --replica-id`), when the server named one.
    /// Absent from exports of records without one, so older exports read back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica: Option<String>,
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
    /// For a passage hit: the passage's `[first, one past last]` character in the document
    /// text. With the record's snapshot id it gives the passage text back byte for byte
    /// (`/v1/fetch?doc_id=…&offset=first&max_chars=last-first`) without storing it: what
    /// `/retrieve` delivered, for CTAR's evidence. Absent for document hits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<[u64; 2]>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

fn ok_status() -> u16 {
    200
}

impl LogRecord {
    /// An answered (status 200) request of `client` to `endpoint` at `ts_ms`, every other
    /// field as a minimal import leaves it (the serde defaults): no query, hints, results or
    /// snapshot, empty `params`, no latency, no `log_id` (so [`Self::log_key`] is
    /// `request_id`). Callers fill in the rest with struct update syntax.
    pub fn new(
        ts_ms: i64,
        client: impl Into<String>,
        endpoint: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        Self {
            ts_ms,
            client: client.into(),
            session_hint: None,
            step_hint: None,
            endpoint: endpoint.into(),
            query: None,
            params: empty_object(),
            snapshot_id: String::new(),
            results: Vec::new(),
            fetched_doc_id: None,
            status: ok_status(),
            latency_us: 0,
            request_id: request_id.into(),
            log_id: String::new(),
            replica: None,
        }
    }

    /// The key the store uses: `log_id`, or `request_id` for records from before `log_id`.
    pub fn log_key(&self) -> &str {
        if self.log_id.is_empty() {
            &self.request_id
        } else {
            &self.log_id
        }
    }

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

/// Sorts records into the canonical analysis order: `(ts_ms, request_id, log key)`. The
/// log key only breaks ties between records that share a client-chosen request id.
pub fn sort_canonical(records: &mut [LogRecord]) {
    records.sort_by(|a, b| {
        (a.ts_ms, &a.request_id, a.log_key()).cmp(&(b.ts_ms, &b.request_id, b.log_key()))
    });
}

/// 128 random bits drawn once per process (`RandomState` is seeded by the OS, which spares
/// a random-number dependency), so replicas sharing one store never mint the same key.
static LOG_ID_PREFIX: LazyLock<String> = LazyLock::new(|| {
    let state = RandomState::new();
    format!(
        "{:016x}{:016x}",
        state.hash_one("driftless-log-id-a"),
        state.hash_one("driftless-log-id-b")
    )
});
static LOG_ID_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh store key: the process's random prefix and a counter, e.g. `3f2a…9c-42`.
pub fn new_log_id() -> String {
    let n = LOG_ID_COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n}", *LOG_ID_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::LogRecord;

    /// `LogRecord::new` and a minimal JSONL import agree on every field left out.
    #[test]
    fn new_leaves_what_serde_defaults() {
        let line = r#"{"ts_ms":5,"client":"c","endpoint":"/v1/fetch","request_id":"r"}"#;
        let parsed: LogRecord = serde_json::from_str(line).expect("minimal record");
        assert_eq!(parsed, LogRecord::new(5, "c", "/v1/fetch", "r"));
    }
}
