//! Import of our own JSONL exports and of third-party query logs (JSONL, or TSV/CSV with a
//! header line, e.g. the AOL log's `AnonID  Query  QueryTime …`).
//!
//! Two entry points: [`import_jsonl`] is strict (first bad line is an error, for callers that
//! must not lose anything silently), [`import_lenient`] skips, counts and describes bad lines
//! so one malformed line of a million-line public dump does not stop the import.
use std::io::BufRead;
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{QueryLogError, Result};
use crate::record::LogRecord;
use crate::timestamp::parse_timestamp;

mod delimited;

use delimited::{continue_record, fields_to_object, inside_quotes, split_fields};

const QUERY_KEYS: &[&str] = &["query", "q", "Query"];
const TIME_KEYS: &[&str] = &[
    "timestamp",
    "ts_ms",
    "ts",
    "time",
    "QueryTime",
    "query_time",
];
const CLIENT_KEYS: &[&str] = &[
    "client",
    "client_id",
    "user",
    "user_id",
    "AnonID",
    "anon_id",
];
const SESSION_KEYS: &[&str] = &["session_hint", "session_id", "session"];

/// Bad lines described in an [`ImportReport`] (all are counted).
const MAX_ISSUES: usize = 100;

/// Which column holds what, for logs whose names differ from the defaults; parsed from
/// `query=col,ts=col,client=col[,session=col]`. A mapped field is looked up under that name
/// only; an unmapped one under the default names listed at [`import_jsonl`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Column of the query text.
    pub query: Option<String>,
    /// Column of the timestamp.
    pub ts: Option<String>,
    /// Column of the client / user id.
    pub client: Option<String>,
    /// Column of an explicit session id.
    pub session: Option<String>,
}

impl FromStr for ColumnMap {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut map = Self::default();
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, column) = pair
                .split_once('=')
                .ok_or_else(|| format!("expected field=column, got {pair:?}"))?;
            let slot = match field.trim() {
                "query" | "q" => &mut map.query,
                "ts" | "time" | "timestamp" => &mut map.ts,
                "client" | "user" => &mut map.client,
                "session" => &mut map.session,
                other => {
                    return Err(format!(
                        "unknown field {other:?}; expected query, ts, client or session"
                    ));
                }
            };
            *slot = Some(column.trim().to_string());
        }
        Ok(map)
    }
}

/// Input layout of [`import_lenient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// One JSON object per line.
    Jsonl,
    /// Tab-separated, header line first, no quoting (AOL-style dumps).
    Tsv,
    /// Comma-separated, header line first, RFC 4180 quotes within a line.
    Csv,
}

/// One skipped line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportIssue {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// What [`import_lenient`] read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// The records of the good lines, in file order.
    #[serde(skip)]
    pub records: Vec<LogRecord>,
    /// Non-empty lines read (header excluded).
    pub lines: u64,
    /// Lines skipped as malformed.
    pub bad: u64,
    /// The first 100 skipped lines and why.
    pub issues: Vec<ImportIssue>,
}

/// Reads a JSONL log, strictly. Each non-empty line is either a full record (our export: it
/// has `ts_ms`, `endpoint` and `request_id`) or a minimal object with at least a query, a
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
    read_lines(
        reader,
        ImportFormat::Jsonl,
        &ColumnMap::default(),
        true,
        &mut |r| {
            records.push(r);
            Ok(())
        },
    )?;
    Ok(records)
}

/// Like [`import_jsonl`] but any [`ImportFormat`], with a column mapping, and bad lines
/// (invalid UTF-8 or JSON, missing fields, bad timestamps) skipped and counted instead of
/// failing. Only an I/O error stops it.
pub fn import_lenient<R: BufRead>(
    reader: R,
    format: ImportFormat,
    map: &ColumnMap,
) -> Result<ImportReport> {
    let mut records = Vec::new();
    let mut report = read_lines(reader, format, map, false, &mut |r| {
        records.push(r);
        Ok(())
    })?;
    report.records = records;
    Ok(report)
}

/// [`import_lenient`] for logs larger than memory: each good record goes to `each` as it
/// is read (the report's `records` stays empty). An error from `each` stops the import.
pub fn import_each<R: BufRead>(
    reader: R,
    format: ImportFormat,
    map: &ColumnMap,
    each: &mut dyn FnMut(LogRecord) -> Result<()>,
) -> Result<ImportReport> {
    read_lines(reader, format, map, false, each)
}

fn read_lines<R: BufRead>(
    mut reader: R,
    format: ImportFormat,
    map: &ColumnMap,
    strict: bool,
    each: &mut dyn FnMut(LogRecord) -> Result<()>,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut header: Option<Vec<String>> = None;
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        number += 1;
        let first = number;
        let parsed = match std::str::from_utf8(&buf) {
            Ok(text) => {
                let text = text.trim_end_matches(['\n', '\r']);
                // A CSV field may hold line breaks inside quotes: the record goes on.
                if format == ImportFormat::Csv && inside_quotes(text) {
                    continue_record(&mut reader, text, &mut number)
                } else {
                    Ok(std::borrow::Cow::Borrowed(text))
                }
            }
            Err(e) => Err(format!("invalid UTF-8: {e}")),
        };
        let outcome = match parsed {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) if format == ImportFormat::Jsonl => parse_json_line(&text, first, map),
            Ok(text) => match &header {
                None => {
                    header = Some(split_fields(&text, format));
                    continue;
                }
                Some(names) => fields_to_object(names, &text, format)
                    .and_then(|object| minimal(&object, first, &text, map)),
            },
            Err(message) => Err(message),
        };
        let number = first;
        report.lines += 1;
        match outcome {
            Ok(record) => each(record)?,
            Err(message) if strict => {
                return Err(QueryLogError::Import {
                    line: number as usize,
                    message,
                });
            }
            Err(message) => {
                report.bad += 1;
                if report.issues.len() < MAX_ISSUES {
                    report.issues.push(ImportIssue {
                        line: number,
                        message,
                    });
                }
            }
        }
    }
    Ok(report)
}

fn parse_json_line(text: &str, number: u64, map: &ColumnMap) -> Result<LogRecord, String> {
    // Our own export parses straight into a record; anything else takes the general path
    // below (which also words the error of a line that is neither shape).
    if let Ok(record) = serde_json::from_str::<LogRecord>(text.trim()) {
        return Ok(record);
    }
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| e.to_string())?;
    let Value::Object(object) = value else {
        return Err("expected a JSON object".into());
    };
    let full = ["ts_ms", "endpoint", "request_id"]
        .iter()
        .all(|k| object.contains_key(*k));
    if full {
        serde_json::from_value(Value::Object(object)).map_err(|e| e.to_string())
    } else {
        minimal(&object, number, text.trim(), map)
    }
}

fn lookup<'a>(
    object: &'a Map<String, Value>,
    mapped: Option<&String>,
    defaults: &[&str],
) -> Option<&'a Value> {
    match mapped {
        Some(column) => object.get(column),
        None => defaults.iter().find_map(|k| object.get(*k)),
    }
    .filter(|v| !v.is_null())
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn minimal(
    object: &Map<String, Value>,
    line: u64,
    text: &str,
    map: &ColumnMap,
) -> Result<LogRecord, String> {
    let name = |mapped: &Option<String>, default: &str| {
        mapped.clone().unwrap_or_else(|| default.to_string())
    };
    let query = lookup(object, map.query.as_ref(), QUERY_KEYS)
        .and_then(as_text)
        .ok_or_else(|| format!("missing query ({})", name(&map.query, "query, q or Query")))?;
    let ts_ms = parse_timestamp(
        lookup(object, map.ts.as_ref(), TIME_KEYS)
            .ok_or_else(|| format!("missing timestamp ({})", name(&map.ts, "timestamp, ts…")))?,
    )?;
    let client = lookup(object, map.client.as_ref(), CLIENT_KEYS)
        .and_then(as_text)
        .ok_or_else(|| {
            let default = "client, client_id, user, user_id, AnonID";
            format!("missing client ({})", name(&map.client, default))
        })?;
    let mut params = Map::new();
    if let Some(k) = object.get("k").filter(|k| k.is_u64()) {
        params.insert("k".into(), k.clone());
    }
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let id = format!("import:{line}:{}", &digest[..12]);
    let endpoint = object
        .get("endpoint")
        .and_then(Value::as_str)
        .unwrap_or("/v1/search");
    // Everything a plain query log cannot say keeps the defaults of `LogRecord::new`.
    Ok(LogRecord {
        session_hint: lookup(object, map.session.as_ref(), SESSION_KEYS).and_then(as_text),
        query: Some(query),
        params: Value::Object(params),
        log_id: id.clone(),
        ..LogRecord::new(ts_ms, client, endpoint, id)
    })
}
