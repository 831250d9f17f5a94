//! Query logs for driftless: capture every answered request, store it, sessionize agent
//! traffic, analyse it and export it.
//!
//! ```text
//! request handlers ──record()──▶ bounded channel ──▶ writer task ──batches──▶ LogStore
//!                        │ full / store down              │ store down       (SQLite | Postgres)
//!                        └────────────▶ spill file ◀───────┘        ▲
//!                                            └──── replay ──────────┘
//! LogStore::read_all ─▶ sessionize ─▶ analysis::analyse ─▶ serde reports
//!                  └──▶ export_jsonl / export_parquet (salted client hashes)
//! import_jsonl / import_lenient (JSONL, TSV, CSV, column map) ─▶ LogRecord
//! overlap::{jaccard_at_k, rbo_ext}: ranking agreement, for replays
//! ```
//!
//! - [`Capture::start`] gives a [`CaptureHandle`]: `record` never waits, `shutdown` flushes.
//! - [`LogStore::connect`] opens SQLite (a path) or Postgres (a `postgres://` URL) and runs
//!   the migrations of `migrations/`.
//! - [`sessionize`] and everything in [`analysis`] are pure functions of the records, so
//!   sessions and reports can be recomputed at any time, with any gap, from the raw rows.
#![warn(missing_docs)]

pub mod analysis;
pub mod annotate;
mod capture;
mod capture_stats;
mod error;
mod export;
mod export_parquet;
mod import;
mod journal;
pub mod overlap;
mod record;
mod rejected;
mod session;
mod session_stream;
mod spill;
mod store;
#[cfg(test)]
mod test_logs;
mod timestamp;
mod writer;

pub use capture::{Capture, CaptureConfig, CaptureHandle, CaptureStats, ShutdownReport};
pub use error::{QueryLogError, Result};
pub use export::{JsonlExport, anonymize_client, export_jsonl};
pub use export_parquet::{PARQUET_SCHEMA, ParquetExport, export_parquet};
pub use import::{
    ColumnMap, ImportFormat, ImportIssue, ImportReport, import_each, import_jsonl, import_lenient,
};
pub use record::{LogRecord, LoggedResult, RecordFilter, new_log_id, sort_canonical};
pub use rejected::read_rejected;
pub use session::{DEFAULT_SESSION_GAP, Session, SessionKind, sessionize};
pub use session_stream::{HintedSizes, SessionStream, hinted_key, hinted_sizes};
pub use store::{Backend, CachedLabel, LogStore, PostgresStore, SqliteStore, StoreOptions};
pub use timestamp::{format_utc, now_ms, parse_time};
