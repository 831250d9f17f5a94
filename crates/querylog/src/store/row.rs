//! Conversions between [`LogRecord`] and the column values both backends store. JSON
//! columns travel as text so neither backend needs sqlx's `json` feature; every string goes
//! through the reversible escape of `codec.rs` on the way in and out.
use super::codec::{decode, decode_json, decode_opt, encode, encode_json, encode_opt};
use crate::error::{QueryLogError, Result};
use crate::record::LogRecord;

/// The column values of one row as both backends store them, encoded: built from a
/// record to insert ([`Row::of`]) and read back from a `SELECT` ([`Row::into_record`]).
/// Fields in the column order of the `INSERT` and `SELECT` statements.
pub(crate) struct Row {
    pub request_id: String,
    pub ts_ms: i64,
    pub client: String,
    pub session_hint: Option<String>,
    pub step_hint: Option<i64>,
    pub endpoint: String,
    pub query: Option<String>,
    pub params: String,
    pub snapshot_id: String,
    pub results: String,
    pub fetched_doc_id: Option<String>,
    pub status: i64,
    pub latency_us: i64,
    pub log_id: String,
    pub replica: Option<String>,
}

impl Row {
    pub(crate) fn of(record: &LogRecord) -> Result<Self> {
        let corrupt = |e: serde_json::Error| QueryLogError::Corrupt {
            request_id: record.request_id.clone(),
            message: e.to_string(),
        };
        let results = serde_json::to_value(&record.results).map_err(corrupt)?;
        let owned = |o: Option<std::borrow::Cow<'_, str>>| o.map(std::borrow::Cow::into_owned);
        Ok(Self {
            log_id: encode(record.log_key()).into_owned(),
            request_id: encode(&record.request_id).into_owned(),
            ts_ms: record.ts_ms,
            client: encode(&record.client).into_owned(),
            session_hint: owned(encode_opt(record.session_hint.as_ref())),
            step_hint: record.step_hint,
            endpoint: encode(&record.endpoint).into_owned(),
            query: owned(encode_opt(record.query.as_ref())),
            params: serde_json::to_string(&encode_json(&record.params)).map_err(corrupt)?,
            snapshot_id: encode(&record.snapshot_id).into_owned(),
            results: serde_json::to_string(&encode_json(&results)).map_err(corrupt)?,
            fetched_doc_id: owned(encode_opt(record.fetched_doc_id.as_ref())),
            status: i64::from(record.status),
            // Latencies beyond i64::MAX µs (292,000 years) cannot happen; saturate, never fail.
            latency_us: i64::try_from(record.latency_us).unwrap_or(i64::MAX),
            replica: owned(encode_opt(record.replica.as_ref())),
        })
    }

    pub(crate) fn into_record(self) -> Result<LogRecord> {
        let id = self.log_id.clone();
        let corrupt = |message: String| QueryLogError::Corrupt {
            request_id: id.clone(),
            message,
        };
        let json = |text: &str, what: &str| {
            serde_json::from_str(text)
                .map_err(|e| e.to_string())
                .and_then(decode_json)
                .map_err(|e| corrupt(format!("{what}: {e}")))
        };
        let params = json(&self.params, "params")?;
        // Most rows hold no escaped string (only text with NUL is escaped): parse them
        // straight into results, skipping the generic JSON tree the escapes need.
        let results = if may_hold_escapes(&self.results) {
            serde_json::from_value(json(&self.results, "results")?)
        } else {
            serde_json::from_str(&self.results)
        }
        .map_err(|e| corrupt(format!("results: {e}")))?;
        let status =
            u16::try_from(self.status).map_err(|_| corrupt(format!("status {}", self.status)))?;
        let latency_us = u64::try_from(self.latency_us)
            .map_err(|_| corrupt(format!("latency_us {}", self.latency_us)))?;
        let text = |s: String| decode(s).map_err(&corrupt);
        let opt = |s: Option<String>| decode_opt(s).map_err(&corrupt);
        Ok(LogRecord {
            ts_ms: self.ts_ms,
            client: text(self.client)?,
            session_hint: opt(self.session_hint)?,
            step_hint: self.step_hint,
            endpoint: text(self.endpoint)?,
            query: opt(self.query)?,
            params,
            snapshot_id: text(self.snapshot_id)?,
            results,
            fetched_doc_id: opt(self.fetched_doc_id)?,
            status,
            latency_us,
            request_id: text(self.request_id)?,
            log_id: text(self.log_id)?,
            replica: opt(self.replica)?,
        })
    }
}

/// Binds a [`crate::RecordFilter`] as the four parameters (since, until, client, endpoint)
/// every filtered statement of both backends takes. A macro for the same reason as
/// [`raw_row`]: the two query types share no convenient generic bound.
macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {{
        let filter: &crate::record::RecordFilter = $filter;
        let encoded = |v: &Option<String>| {
            v.as_deref()
                .map(|text| crate::store::codec::encode(text).into_owned())
        };
        $query
            .bind(filter.since_ms)
            .bind(filter.until_ms)
            .bind(encoded(&filter.client))
            .bind(encoded(&filter.endpoint))
    }};
}
pub(crate) use bind_filter;

/// Binds a [`Row`] as the fifteen parameters of both backends' `INSERT`, in its
/// column order; `$status` is the status as the backend's column wants it (SQLite an
/// integer, Postgres an `int4`). A macro for the same reason as [`bind_filter`].
macro_rules! bind_row {
    ($query:expr, $values:expr, $status:expr) => {{
        let v: crate::store::row::Row = $values;
        $query
            .bind(v.request_id)
            .bind(v.ts_ms)
            .bind(v.client)
            .bind(v.session_hint)
            .bind(v.step_hint)
            .bind(v.endpoint)
            .bind(v.query)
            .bind(v.params)
            .bind(v.snapshot_id)
            .bind(v.results)
            .bind(v.fetched_doc_id)
            .bind($status)
            .bind(v.latency_us)
            .bind(v.log_id)
            .bind(v.replica)
    }};
}
pub(crate) use bind_row;

/// Whether stored JSON text may contain a string escaped by `codec.rs`: the marker starts
/// with U+FFFF, written either as the character or as a JSON `\uffff` escape.
fn may_hold_escapes(json: &str) -> bool {
    json.contains('\u{FFFF}') || json.contains("\\uffff") || json.contains("\\uFFFF")
}

/// Decodes a row selected with the column list of the backends' `SELECT` (same order in
/// both). A macro because the two `Row` types share no convenient generic bound.
macro_rules! raw_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        crate::store::row::Row {
            request_id: row.try_get(0)?,
            ts_ms: row.try_get(1)?,
            client: row.try_get(2)?,
            session_hint: row.try_get(3)?,
            step_hint: row.try_get(4)?,
            endpoint: row.try_get(5)?,
            query: row.try_get(6)?,
            params: row.try_get(7)?,
            snapshot_id: row.try_get(8)?,
            results: row.try_get(9)?,
            fetched_doc_id: row.try_get(10)?,
            status: row.try_get(11)?,
            latency_us: row.try_get(12)?,
            log_id: row.try_get(13)?,
            replica: row.try_get(14)?,
        }
    }};
}
pub(crate) use raw_row;
