//! Postgres backend: one store for several server replicas.
use std::str::FromStr;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::row::{RowValues, raw_row};
use super::{StoreOptions, redact};
use crate::error::{QueryLogError, Result};
use crate::record::{LogRecord, RecordFilter};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

const INSERT: &str = "INSERT INTO query_log (request_id, ts_ms, client, session_hint, step_hint, \
    endpoint, query, params, snapshot_id, results, fetched_doc_id, status, latency_us) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12, $13) \
    ON CONFLICT (request_id) DO NOTHING";

// `COLLATE "C"` orders ids by bytes, as SQLite and Rust do, whatever the database's locale.
const SELECT: &str = "SELECT request_id, ts_ms, client, session_hint, step_hint, endpoint, query, \
    params::text, snapshot_id, results::text, fetched_doc_id, status::bigint, latency_us \
    FROM query_log \
    WHERE ($1::bigint IS NULL OR ts_ms >= $1) AND ($2::bigint IS NULL OR ts_ms < $2) \
    AND ($3::text IS NULL OR client = $3) AND ($4::text IS NULL OR endpoint = $4) \
    ORDER BY ts_ms, request_id COLLATE \"C\"";

/// A query log in a Postgres database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` and migrates the database. sqlx holds an advisory lock while
    /// migrating, so replicas starting at once do not race.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let connect_error = |source| QueryLogError::Connect {
            target: redact(url),
            source,
        };
        // See `SqliteStore::connect`: no per-statement log lines.
        let connect_options = PgConnectOptions::from_str(url)
            .map_err(connect_error)?
            .disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect_options)
            .await
            .map_err(connect_error)?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
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
                .bind(i32::try_from(v.status).unwrap_or(i32::MAX))
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
