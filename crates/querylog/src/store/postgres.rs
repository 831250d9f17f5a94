//! Postgres backend: one store for several server replicas.
use std::str::FromStr;

use futures_util::TryStreamExt;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};

use super::row::{Row, bind_filter, bind_row, raw_row};
use super::shared::shared_store_methods;
use super::{StoreOptions, redact};
use crate::error::{QueryLogError, Result};
use crate::record::{LogRecord, RecordFilter};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

const INSERT: &str = "INSERT INTO query_log (request_id, ts_ms, client, session_hint, step_hint, \
    endpoint, query, params, snapshot_id, results, fetched_doc_id, status, latency_us, log_id, replica) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12, $13, $14, $15) \
    ON CONFLICT (log_id) DO NOTHING";

// Ordered by time only: `LogStore::for_each_canonical` sorts the records of one millisecond
// by bytes itself, so the index on `ts_ms` can stream the table in order (an ORDER BY on
// collated text would need a sort of the whole selection first).
const SELECT: &str = "SELECT request_id, ts_ms, client, session_hint, step_hint, endpoint, query, \
    params::text, snapshot_id, results::text, fetched_doc_id, status::bigint, latency_us, log_id, replica \
    FROM query_log \
    WHERE ($1::bigint IS NULL OR ts_ms >= $1) AND ($2::bigint IS NULL OR ts_ms < $2) \
    AND ($3::text IS NULL OR client = $3) AND ($4::text IS NULL OR endpoint = $4) \
    ORDER BY ts_ms";

/// Records per explicit session (the streaming sessionizer closes each at its last record).
const HINTED: &str = "SELECT client, session_hint, COUNT(*) FROM query_log \
    WHERE session_hint IS NOT NULL \
    AND ($1::bigint IS NULL OR ts_ms >= $1) AND ($2::bigint IS NULL OR ts_ms < $2) \
    AND ($3::text IS NULL OR client = $3) AND ($4::text IS NULL OR endpoint = $4) \
    GROUP BY client, session_hint";

/// A query log in a Postgres database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` and migrates the database. sqlx holds an advisory lock while
    /// migrating, so replicas starting at once do not race. TLS follows libpq's `sslmode`
    /// (and `sslrootcert`, `sslcert`, `sslkey`) in the URL, through rustls with the system
    /// trust store; the default, `prefer`, falls back to plain TCP when the server has no TLS.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let connect_error = |source| match source {
            // A refused certificate reaches us as an I/O error of kind InvalidData (rustls's
            // error inside), a server without TLS as `Error::Tls`.
            sqlx::Error::Tls(_) => QueryLogError::Tls {
                target: redact(url),
                source,
            },
            sqlx::Error::Io(ref e)
                if e.kind() == std::io::ErrorKind::InvalidData
                    && url.contains("sslmode=verify") =>
            {
                QueryLogError::Tls {
                    target: redact(url),
                    source,
                }
            }
            source => QueryLogError::Connect {
                target: redact(url),
                source,
            },
        };
        // See `SqliteStore::connect`: no per-statement log lines.
        let connect_options = PgConnectOptions::from_str(url)
            .map_err(connect_error)?
            .disable_statement_logging();
        let pool = options
            .pool_options::<sqlx::Postgres>()
            .connect_with(connect_options)
            .await
            .map_err(connect_error)?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// `pg_database_size` of the database the log lives in (other tables included).
    pub(crate) async fn size_bytes(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    // `for_each` streams in index order, never "read everything, sort, then send": for a
    // whole table the planner would pick a sequential scan and an on-disk sort as large as
    // the log. `enable_sort = off` for its transaction only makes the index scan win.
    shared_store_methods!(sqlx::Postgres, Some("SET LOCAL enable_sort = off"));
}

/// One `INSERT … ON CONFLICT (log_id) DO NOTHING`; returns 1 for a new row, 0 for a
/// record already stored.
async fn insert(conn: &mut sqlx::PgConnection, record: &LogRecord) -> Result<u64> {
    let v = Row::of(record)?;
    let status = i32::try_from(v.status).unwrap_or(i32::MAX);
    Ok(bind_row!(sqlx::query(INSERT), v, status)
        .execute(conn)
        .await?
        .rows_affected())
}
