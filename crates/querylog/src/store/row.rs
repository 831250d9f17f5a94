//! Conversions between [`LogRecord`] and the column values both backends store. JSON
//! columns travel as text so neither backend needs sqlx's `json` feature.
use crate::error::{QueryLogError, Result};
use crate::record::LogRecord;

/// The values of one row, in column order of the `INSERT` statements.
pub(crate) struct RowValues {
    pub params: String,
    pub results: String,
    pub status: i64,
    pub latency_us: i64,
}

impl RowValues {
    pub(crate) fn of(record: &LogRecord) -> Result<Self> {
        let corrupt = |e: serde_json::Error| QueryLogError::Corrupt {
            request_id: record.request_id.clone(),
            message: e.to_string(),
        };
        Ok(Self {
            params: serde_json::to_string(&record.params).map_err(corrupt)?,
            results: serde_json::to_string(&record.results).map_err(corrupt)?,
            status: i64::from(record.status),
            // Latencies beyond i64::MAX µs (292,000 years) cannot happen; saturate, never fail.
            latency_us: i64::try_from(record.latency_us).unwrap_or(i64::MAX),
        })
    }
}

/// Raw column values read back from either backend.
pub(crate) struct RawRow {
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
}

impl RawRow {
    pub(crate) fn into_record(self) -> Result<LogRecord> {
        let corrupt = |message: String| QueryLogError::Corrupt {
            request_id: self.request_id.clone(),
            message,
        };
        let params =
            serde_json::from_str(&self.params).map_err(|e| corrupt(format!("params: {e}")))?;
        let results =
            serde_json::from_str(&self.results).map_err(|e| corrupt(format!("results: {e}")))?;
        let status =
            u16::try_from(self.status).map_err(|_| corrupt(format!("status {}", self.status)))?;
        let latency_us = u64::try_from(self.latency_us)
            .map_err(|_| corrupt(format!("latency_us {}", self.latency_us)))?;
        Ok(LogRecord {
            ts_ms: self.ts_ms,
            client: self.client,
            session_hint: self.session_hint,
            step_hint: self.step_hint,
            endpoint: self.endpoint,
            query: self.query,
            params,
            snapshot_id: self.snapshot_id,
            results,
            fetched_doc_id: self.fetched_doc_id,
            status,
            latency_us,
            request_id: self.request_id,
        })
    }
}

/// Decodes a row selected with the column list of `SELECT_COLUMNS` (same order in both
/// backends). A macro because the two `Row` types share no convenient generic bound.
macro_rules! raw_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        crate::store::row::RawRow {
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
        }
    }};
}
pub(crate) use raw_row;
