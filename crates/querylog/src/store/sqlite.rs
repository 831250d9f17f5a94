//! SQLite backend: the embedded default, one file next to the server.
use std::path::{Path, PathBuf};

use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::StoreOptions;
use super::row::{RowValues, raw_row};
use crate::error::{QueryLogError, Result};
use crate::record::{LogRecord, RecordFilter};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

const INSERT: &str = "INSERT INTO query_log (request_id, ts_ms, client, session_hint, step_hint, \
    endpoint, query, params, snapshot_id, results, fetched_doc_id, status, latency_us) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
    ON CONFLICT (request_id) DO NOTHING";

const SELECT: &str = "SELECT request_id, ts_ms, client, session_hint, step_hint, endpoint, query, \
    params, snapshot_id, results, fetched_doc_id, status, latency_us FROM query_log \
    WHERE (?1 IS NULL OR ts_ms >= ?1) AND (?2 IS NULL OR ts_ms < ?2) \
    AND (?3 IS NULL OR client = ?3) AND (?4 IS NULL OR endpoint = ?4) \
    ORDER BY ts_ms, request_id";

/// A query log in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if missing) the file at `path` and migrates it.
    ///
    /// The rollback journal (`journal_mode=DELETE`) is used rather than WAL so the store
    /// stays exactly one file that can be copied or shipped at any moment, with no `-wal`
    /// and `-shm` companions; log writes are batched, so WAL's write speed is not needed.
    pub async fn connect(path: impl AsRef<Path>, options: &StoreOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let connect_options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Delete)
            .busy_timeout(options.acquire_timeout)
            // Full-log reads for analysis are slow by nature; sqlx's per-statement and
            // slow-statement lines would only flood the terminal of `driftless logs`.
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect_options)
            .await
            .map_err(|source| QueryLogError::Connect {
                target: path.display().to_string(),
                source,
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) async fn insert_batch(&self, records: &[LogRecord]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut inserted = 0;
        for record in records {
            let v = RowValues::of(record)?;
            inserted += sqlx::query(INSERT)
                .bind(&record.request_id)
                .bind(record.ts_ms)
                .bind(&record.client)
                .bind(&record.session_hint)
                .bind(record.step_hint)
                .bind(&record.endpoint)
                .bind(&record.query)
                .bind(v.params)
                .bind(&record.snapshot_id)
                .bind(v.results)
                .bind(&record.fetched_doc_id)
                .bind(v.status)
                .bind(v.latency_us)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    pub(crate) async fn count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM query_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(crate) async fn read_all(&self, filter: &RecordFilter) -> Result<Vec<LogRecord>> {
        let rows = sqlx::query(SELECT)
            .bind(filter.since_ms)
            .bind(filter.until_ms)
            .bind(&filter.client)
            .bind(&filter.endpoint)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| -> Result<LogRecord> { raw_row!(row).into_record() })
            .collect()
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}
