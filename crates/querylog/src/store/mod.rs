//! The durable side of the query log: one table, `query_log`, in SQLite (the embedded
//! default, one file) or Postgres (one store shared by several server replicas).
//!
//! Both backends run the embedded migrations of `migrations/<backend>/` on connect, key rows
//! on the server-made `log_id` (`INSERT … ON CONFLICT DO NOTHING`, so spill replays and
//! re-imports are idempotent; the client's `x-request-id` is an ordinary column), store every
//! string through the reversible escape of `codec.rs` (Postgres cannot hold NUL), and read
//! back in the canonical `(ts_ms, request_id, log_id)` byte order, so the same rows give the
//! same sessions and reports on either backend.
use std::time::Duration;

use crate::error::Result;
use crate::record::{LogRecord, RecordFilter, sort_canonical};

mod annotations;
mod codec;
mod postgres;
mod row;
mod shared;
mod sqlite;

pub use annotations::CachedLabel;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Which database a [`LogStore`] writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A Postgres database.
    Postgres,
}

/// Connection settings shared by both backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Pool size. SQLite serialises writers anyway; Postgres benefits from a few.
    pub max_connections: u32,
    /// How long a statement may wait for a connection before failing. Kept short (default
    /// 5 s) because a down store must turn into spilled records quickly, not into a writer
    /// that hangs while the capture channel fills.
    pub acquire_timeout: Duration,
}

impl StoreOptions {
    /// The pool settings both backends open their pool with.
    pub(crate) fn pool_options<DB: sqlx::Database>(&self) -> sqlx::pool::PoolOptions<DB> {
        sqlx::pool::PoolOptions::new()
            .max_connections(self.max_connections.max(1))
            .acquire_timeout(self.acquire_timeout)
    }
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 4,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// A query-log store. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub enum LogStore {
    /// SQLite backend.
    Sqlite(SqliteStore),
    /// Postgres backend.
    Postgres(PostgresStore),
}

impl LogStore {
    /// Opens a store with [`StoreOptions::default`]: a `postgres://` or `postgresql://` URL
    /// selects Postgres, anything else is an SQLite file path (created if missing, an
    /// `sqlite:` prefix is accepted). Migrations run before this returns.
    pub async fn connect(target: &str) -> Result<Self> {
        Self::connect_with(target, &StoreOptions::default()).await
    }

    /// [`LogStore::connect`] with explicit pool settings.
    pub async fn connect_with(target: &str, options: &StoreOptions) -> Result<Self> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            Ok(Self::Postgres(
                PostgresStore::connect(target, options).await?,
            ))
        } else {
            let path = target
                .strip_prefix("sqlite://")
                .or_else(|| target.strip_prefix("sqlite:"));
            Ok(Self::Sqlite(
                SqliteStore::connect(path.unwrap_or(target), options).await?,
            ))
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Inserts `records` in one transaction (all or none). Records whose log key
    /// ([`LogRecord::log_key`]) is already stored are skipped; returns how many rows were new.
    pub async fn insert_batch(&self, records: &[LogRecord]) -> Result<u64> {
        if records.is_empty() {
            return Ok(0);
        }
        match self {
            Self::Sqlite(s) => s.insert_batch(records).await,
            Self::Postgres(s) => s.insert_batch(records).await,
        }
    }

    /// Inserts one record outside any transaction; returns 1 if new, 0 if already stored.
    /// The capture writer retries a refused batch row by row with it, so one record the
    /// store rejects (a data error) does not take the rest of its batch down with it.
    pub async fn insert_one(&self, record: &LogRecord) -> Result<u64> {
        match self {
            Self::Sqlite(s) => s.insert_one(record).await,
            Self::Postgres(s) => s.insert_one(record).await,
        }
    }

    /// Number of stored records.
    pub async fn count(&self) -> Result<u64> {
        match self {
            Self::Sqlite(s) => s.count().await,
            Self::Postgres(s) => s.count().await,
        }
    }

    /// Bytes the store takes: the SQLite file with its WAL, or `pg_database_size` of the
    /// Postgres database (shown by `/metrics` and `logs analyse`: a log on by default grows).
    pub async fn size_bytes(&self) -> Result<u64> {
        match self {
            Self::Sqlite(s) => Ok(s.size_bytes()),
            Self::Postgres(s) => s.size_bytes().await,
        }
    }

    /// Records passing `filter`, ordered by `(ts_ms, request_id, log_id)` (byte order),
    /// the order every analysis assumes.
    pub async fn read_all(&self, filter: &RecordFilter) -> Result<Vec<LogRecord>> {
        let mut records = Vec::new();
        self.for_each_canonical(filter, &mut |r| {
            records.push(r);
            Ok(())
        })
        .await?;
        Ok(records)
    }

    /// Calls `each` with every record passing `filter`, in canonical order, holding only
    /// the records of one timestamp at a time: the way to analyse a log larger than memory.
    pub async fn for_each_canonical(
        &self,
        filter: &RecordFilter,
        each: &mut (dyn FnMut(LogRecord) -> Result<()> + Send),
    ) -> Result<()> {
        // The SQL already orders; the records of one millisecond are sorted again in Rust
        // so the order cannot depend on collations or query plans.
        let mut same_ms: Vec<LogRecord> = Vec::new();
        let mut emit = |batch: &mut Vec<LogRecord>| -> Result<()> {
            sort_canonical(batch);
            batch.drain(..).try_for_each(&mut *each)
        };
        let mut collect = |record: LogRecord| -> Result<()> {
            if same_ms
                .first()
                .is_some_and(|first| first.ts_ms != record.ts_ms)
            {
                emit(&mut same_ms)?;
            }
            same_ms.push(record);
            Ok(())
        };
        match self {
            Self::Sqlite(s) => s.for_each(filter, &mut collect).await?,
            Self::Postgres(s) => s.for_each(filter, &mut collect).await?,
        }
        emit(&mut same_ms)
    }

    /// Calls `each` with every session of the records passing `filter` (the rules of
    /// [`crate::sessionize`] with inactivity gap `gap`), as soon as it closes: memory holds
    /// the sessions in progress, never the log. Sessions come in closing order; sort what
    /// you keep by `(start_ms, id)` for [`crate::sessionize`]'s order. Returns the number
    /// of records read.
    pub async fn for_each_session(
        &self,
        filter: &RecordFilter,
        gap: std::time::Duration,
        each: &mut (dyn FnMut(crate::Session) -> Result<()> + Send),
    ) -> Result<u64> {
        let sizes = self.hinted_sizes(filter).await?;
        let mut stream = crate::SessionStream::new(gap, Some(sizes));
        let (mut closed, mut records) = (Vec::new(), 0u64);
        self.for_each_canonical(filter, &mut |record| {
            records += 1;
            stream.push(record, &mut closed);
            closed.drain(..).try_for_each(&mut *each)
        })
        .await?;
        stream.finish(&mut closed);
        closed.into_iter().try_for_each(each)?;
        Ok(records)
    }

    /// Records per explicit session (`x-session-id`) under `filter`, keyed by
    /// [`crate::hinted_key`]: what lets [`crate::SessionStream`] close explicit sessions as
    /// soon as their last record has streamed by. One `GROUP BY` in the store.
    pub async fn hinted_sizes(&self, filter: &RecordFilter) -> Result<crate::HintedSizes> {
        let mut sizes = crate::HintedSizes::default();
        let mut add = |client: String, hint: String, n: i64| -> Result<()> {
            let bad = |m: String| crate::QueryLogError::Corrupt {
                request_id: format!("session {hint:?}"),
                message: m,
            };
            let client = codec::decode(client).map_err(bad)?;
            let hint = codec::decode(hint.clone()).map_err(bad)?;
            let key = crate::hinted_key(&client, &hint);
            *sizes.entry(key).or_insert(0) += u64::try_from(n).unwrap_or(0);
            Ok(())
        };
        match self {
            Self::Sqlite(s) => s.hinted_counts(filter, &mut add).await?,
            Self::Postgres(s) => s.hinted_counts(filter, &mut add).await?,
        }
        Ok(sizes)
    }

    /// Closes the pool, waiting for in-flight statements.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(s) => s.close().await,
        }
    }
}

/// Removes the password from a URL before it appears in an error message or a log line.
pub(crate) fn redact(target: &str) -> String {
    match (target.find("://"), target.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &target[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &target[..scheme + 3], user, &target[at + 1..])
        }
        _ => target.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_drops_only_the_password() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("/tmp/log.db"), "/tmp/log.db");
    }
}
