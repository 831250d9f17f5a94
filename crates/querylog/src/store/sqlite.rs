//! SQLite backend: the embedded default, one file next to the server.
use std::path::{Path, PathBuf};

use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};

use futures_util::TryStreamExt;

use super::StoreOptions;
use super::row::{Row, bind_filter, bind_row, raw_row};
use super::shared::shared_store_methods;
use crate::error::{QueryLogError, Result};
use crate::record::{LogRecord, RecordFilter};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

const INSERT: &str = "INSERT INTO query_log (request_id, ts_ms, client, session_hint, step_hint, \
    endpoint, query, params, snapshot_id, results, fetched_doc_id, status, latency_us, log_id, replica) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
    ON CONFLICT (log_id) DO NOTHING";

const SELECT: &str = "SELECT request_id, ts_ms, client, session_hint, step_hint, endpoint, query, \
    params, snapshot_id, results, fetched_doc_id, status, latency_us, log_id, replica FROM query_log \
    WHERE (?1 IS NULL OR ts_ms >= ?1) AND (?2 IS NULL OR ts_ms < ?2) \
    AND (?3 IS NULL OR client = ?3) AND (?4 IS NULL OR endpoint = ?4) \
    ORDER BY ts_ms, request_id, log_id";

/// Records per explicit session (the streaming sessionizer closes each at its last record).
const HINTED: &str = "SELECT client, session_hint, COUNT(*) FROM query_log \
    WHERE session_hint IS NOT NULL \
    AND (?1 IS NULL OR ts_ms >= ?1) AND (?2 IS NULL OR ts_ms < ?2) \
    AND (?3 IS NULL OR client = ?3) AND (?4 IS NULL OR endpoint = ?4) \
    GROUP BY client, session_hint";

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
        let pool = options
            .pool_options::<sqlx::Sqlite>()
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

    /// Bytes of the database file and its `-wal` / `-shm` companions (0 for a missing one).
    pub(crate) fn size_bytes(&self) -> u64 {
        ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                std::fs::metadata(name).map_or(0, |m| m.len())
            })
            .sum()
    }

    // A streaming read holds one read snapshot either way; no setup is needed.
    shared_store_methods!(sqlx::Sqlite, None);
}

/// One `INSERT … ON CONFLICT (log_id) DO NOTHING`; returns 1 for a new row, 0 for a
/// record already stored.
async fn insert(conn: &mut sqlx::SqliteConnection, record: &LogRecord) -> Result<u64> {
    let v = Row::of(record)?;
    let status = v.status;
    Ok(bind_row!(sqlx::query(INSERT), v, status)
        .execute(conn)
        .await?
        .rows_affected())
}
