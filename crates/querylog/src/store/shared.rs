//! The store methods whose bodies are the same for SQLite and Postgres, written once.
//!
//! A macro expanded inside each backend's `impl` rather than one generic function: sqlx's
//! pool, connection and query types are generic over the database, but the bounds a generic
//! body needs (executor, encode and decode of every bound type) are longer than the bodies.
//! Each backend supplies its `insert` (its status column type differs) and the `HINTED`
//! statement in its placeholder syntax.

/// Expands to `insert_batch`, `insert_one`, `count`, `hinted_counts`, `for_each`, `pool`
/// and `close` for a backend struct with a `pool` field of `sqlx::Pool<$db>`. `$stream_setup`
/// runs first in `for_each`'s transaction (Postgres turns sorting off there; see its file).
macro_rules! shared_store_methods {
    ($db:ty, $stream_setup:expr) => {
        /// Calls `each` with every record passing `filter`, in the `SELECT`'s order, decoding
        /// rows as the driver streams them: nothing is held but the current row.
        pub(crate) async fn for_each(
            &self,
            filter: &RecordFilter,
            each: &mut (dyn FnMut(LogRecord) -> Result<()> + Send),
        ) -> Result<()> {
            let mut tx = self.pool.begin().await?;
            let setup: Option<&str> = $stream_setup;
            if let Some(statement) = setup {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            {
                let mut rows = bind_filter!(sqlx::query(SELECT), filter).fetch(&mut *tx);
                while let Some(row) = rows.try_next().await? {
                    each(raw_row!(&row).into_record()?)?;
                }
            }
            tx.commit().await?;
            Ok(())
        }

        /// The connection pool (the annotation cache queries it directly).
        pub(crate) fn pool(&self) -> &sqlx::Pool<$db> {
            &self.pool
        }

        pub(crate) async fn insert_batch(&self, records: &[LogRecord]) -> Result<u64> {
            let mut tx = self.pool.begin().await?;
            let mut inserted = 0;
            for record in records {
                inserted += insert(&mut tx, record).await?;
            }
            tx.commit().await?;
            Ok(inserted)
        }

        /// Inserts one record on its own (no transaction around it): the row-by-row retry
        /// of a batch the store refused.
        pub(crate) async fn insert_one(&self, record: &LogRecord) -> Result<u64> {
            let mut conn = self.pool.acquire().await?;
            insert(&mut conn, record).await
        }

        pub(crate) async fn count(&self) -> Result<u64> {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM query_log")
                .fetch_one(&self.pool)
                .await?;
            Ok(u64::try_from(n).unwrap_or(0))
        }

        /// `(client, session_hint, records)` of every explicit session under `filter`,
        /// still encoded, streamed to `each`.
        pub(crate) async fn hinted_counts(
            &self,
            filter: &RecordFilter,
            each: &mut (dyn FnMut(String, String, i64) -> Result<()> + Send),
        ) -> Result<()> {
            let mut rows = bind_filter!(sqlx::query(HINTED), filter).fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                use sqlx::Row as _;
                each(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)?;
            }
            Ok(())
        }

        pub(crate) async fn close(&self) {
            self.pool.close().await;
        }
    };
}
pub(crate) use shared_store_methods;
