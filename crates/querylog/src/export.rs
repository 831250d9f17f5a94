//! JSONL export with anonymised clients, and import of our exports or of minimal
//! third-party logs.
use std::io::{BufRead, Write};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{QueryLogError, Result};
use crate::record::LogRecord;
use crate::timestamp::parse_timestamp;

/// The exported form of a client: the first 16 hex digits of `sha256(salt ‖ client)`.
/// Stable for one salt (sessions and per-client counts survive export), unlinkable to the
/// API key or address without the salt. Keep the salt secret and constant per dataset.
pub fn anonymize_client(salt: &str, client: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(client.as_bytes());
    let mut hex = hex::encode(hasher.finalize());
    hex.truncate(16);
    hex
}

/// Writes one JSON object per line, in the given order, with `client` anonymised (see
/// [`anonymize_client`]); every other field is exported as stored. Returns the line count.
pub fn export_jsonl<W: Write>(records: &[LogRecord], salt: &str, mut writer: W) -> Result<u64> {
    for record in records {
        let mut out = record.clone();
        out.client = anonymize_client(salt, &record.client);
        serde_json::to_writer(&mut writer, &out).map_err(std::io::Error::from)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(records.len() as u64)
}

const QUERY_KEYS: [&str; 3] = ["query", "q", "Query"];
const TIME_KEYS: [&str; 6] = [
    "timestamp",
    "ts_ms",
    "ts",
    "time",
    "QueryTime",
    "query_time",
];
const CLIENT_KEYS: [&str; 6] = [
    "client",
    "client_id",
    "user",
    "user_id",
    "AnonID",
    "anon_id",
];
const SESSION_KEYS: [&str; 3] = ["session_hint", "session_id", "session"];

/// Reads a JSONL log. Each non-empty line is either a full record (our export: it has
/// `ts_ms`, `endpoint` and `request_id`) or a minimal object with at least a query, a
/// timestamp and a client under one of these names:
/// - query: `query`, `q`, `Query`;
/// - timestamp: `timestamp`, `ts_ms`, `ts`, `time`, `QueryTime`, `query_time` — Unix seconds
///   or milliseconds (number or string), or RFC 3339 (see the `timestamp` module);
/// - client: `client`, `client_id`, `user`, `user_id`, `AnonID`, `anon_id` (numbers allowed).
///
/// Optional: a session id (`session_hint`, `session_id`, `session`), `endpoint` (default
/// `/v1/search`) and `k` (kept as `params.k`). A minimal line gets the request id
/// `import:<line>:<first 12 hex of sha256(line)>`, so importing the same file twice stores
/// each record once. Fails on the first line that is neither shape.
pub fn import_jsonl<R: BufRead>(reader: R) -> Result<Vec<LogRecord>> {
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let number = index + 1;
        let bad = |message: String| QueryLogError::Import {
            line: number,
            message,
        };
        let value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let Value::Object(object) = value else {
            return Err(bad("expected a JSON object".into()));
        };
        let full = ["ts_ms", "endpoint", "request_id"]
            .iter()
            .all(|k| object.contains_key(*k));
        let record = if full {
            serde_json::from_value(Value::Object(object)).map_err(|e| bad(e.to_string()))?
        } else {
            minimal(&object, number, text).map_err(bad)?
        };
        records.push(record);
    }
    Ok(records)
}

fn first<'a>(object: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| object.get(*k).filter(|v| !v.is_null()))
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn minimal(object: &Map<String, Value>, line: usize, text: &str) -> Result<LogRecord, String> {
    let query = first(object, &QUERY_KEYS)
        .and_then(as_text)
        .ok_or("missing query (query, q or Query)")?;
    let ts_ms = parse_timestamp(first(object, &TIME_KEYS).ok_or("missing timestamp")?)?;
    let client = first(object, &CLIENT_KEYS)
        .and_then(as_text)
        .ok_or("missing client (client, client_id, user, user_id, AnonID)")?;
    let mut params = Map::new();
    if let Some(k) = object.get("k").filter(|k| k.is_u64()) {
        params.insert("k".into(), k.clone());
    }
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    Ok(LogRecord {
        ts_ms,
        client,
        session_hint: first(object, &SESSION_KEYS).and_then(as_text),
        step_hint: None,
        endpoint: object
            .get("endpoint")
            .and_then(Value::as_str)
            .unwrap_or("/v1/search")
            .to_string(),
        query: Some(query),
        params: Value::Object(params),
        snapshot_id: String::new(),
        results: Vec::new(),
        fetched_doc_id: None,
        status: 200,
        latency_us: 0,
        request_id: format!("import:{line}:{}", &digest[..12]),
    })
}
