//! A database created before `log_id` existed upgrades in place: its rows keep their data and
//! get their request id as log id, and from then on a client-chosen request id no longer
//! collides with a stored one.
use std::path::PathBuf;

use driftless_querylog::{LogStore, RecordFilter};
use sqlx::migrate::Migrator;

use super::support::{PgDatabase, load_record};

/// A migrations directory holding only the first migration of `backend`.
fn first_migration_only(backend: &str) -> tempfile::TempDir {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend)
        .join("20260601000000_query_log.sql");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&src, dir.path().join("20260601000000_query_log.sql")).expect("copy");
    dir
}

const LEGACY_ROW: &str = "INSERT INTO query_log (request_id, ts_ms, client, endpoint, query, \
    params, snapshot_id, results, status, latency_us) \
    VALUES ('old-1', 5, 'agent', '/v1/search', 'old query', '{\"k\":3}', 'snap', '[]', 200, 7)";

/// Brings the empty database of `pool` to the first migration of `backend` and stores one
/// row in it, as a database made before `log_id` existed; closes the pool.
async fn create_legacy<DB>(pool: sqlx::Pool<DB>, backend: &str)
where
    DB: sqlx::Database,
    DB::Connection: sqlx::migrate::Migrate,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
{
    let migrations = first_migration_only(backend);
    Migrator::new(migrations.path())
        .await
        .expect("migrator")
        .run(&pool)
        .await
        .expect("v1");
    sqlx::query(LEGACY_ROW)
        .execute(&pool)
        .await
        .expect("legacy row");
    pool.close().await;
}

/// Opens the legacy database at `target` as a store (which upgrades it) and checks the
/// upgrade.
async fn upgrade_and_check(target: &str) {
    let store = LogStore::connect(target).await.expect("upgrade");
    let rows = store
        .read_all(&RecordFilter::default())
        .await
        .expect("read");
    assert_eq!(rows.len(), 1);
    let old = &rows[0];
    assert_eq!(
        (old.request_id.as_str(), old.log_id.as_str()),
        ("old-1", "old-1")
    );
    assert_eq!(
        (old.query.as_deref(), old.k()),
        (Some("old query"), Some(3))
    );
    // A new request reusing the old id is a new row.
    let mut again = load_record(1);
    again.request_id = "old-1".into();
    assert_eq!(store.insert_batch(&[again]).await.expect("insert"), 1);
    // A record from an old spill file (no log id) maps to the key it had: no duplicate.
    let mut replayed = old.clone();
    replayed.log_id.clear();
    assert_eq!(store.insert_batch(&[replayed]).await.expect("replay"), 0);
    assert_eq!(store.count().await.expect("count"), 2);
    store.close().await;
}

#[tokio::test]
async fn sqlite_database_from_before_log_id_upgrades() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("old db");
    create_legacy(pool, "sqlite").await;
    upgrade_and_check(path.to_str().expect("utf8")).await;
}

#[tokio::test]
async fn postgres_database_from_before_log_id_upgrades() {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    let pool = sqlx::PgPool::connect(&db.url()).await.expect("old db");
    create_legacy(pool, "postgres").await;
    upgrade_and_check(&db.url()).await;
    db.drop_now().await;
}
