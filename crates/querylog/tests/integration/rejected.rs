//! A record the store refuses as data goes to the rejected file with the store's reason; the
//! rest of its batch is stored, the store is not marked failing, nothing spills.
//!
//! The refusals are real: Postgres cannot index a client id far beyond a btree entry's
//! ~2.7 kB (SQLSTATE 54000), and on SQLite a trigger raises a constraint error (SQLite has
//! no natural size or type limit that a log record reaches).
use std::path::Path;
use std::time::Duration;

use driftless_querylog::{
    Capture, CaptureConfig, LogRecord, LogStore, QueryLogError, RecordFilter, read_rejected,
};
use driftless_rng::XorShift64Star;

use super::support::{load_record, on_postgres, sqlite_in};

fn config(spill: &Path) -> CaptureConfig {
    CaptureConfig {
        batch_size: 16,
        flush_interval: Duration::from_millis(20),
        replay_interval: Duration::from_millis(50),
        spill_path: spill.to_path_buf(),
        ..CaptureConfig::default()
    }
}

/// 40 kB of text pglz cannot shrink under the index limit (seeded draws over 64 symbols).
fn incompressible(seed: u64) -> String {
    let mut rng = XorShift64Star::seeded(seed);
    (0..40_000)
        .map(|_| {
            char::from(
                b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
                    [rng.below(64) as usize],
            )
        })
        .collect()
}

/// Records 0..100 through a capture, with `poison` applied to every 25th; checks rows,
/// counters and the rejected file. Returns the store's reason for the first rejection.
async fn reject_and_go_on(store: LogStore, dir: &Path, poison: fn(&mut LogRecord)) -> String {
    let spill = dir.join("log.spill.jsonl");
    let handle = Capture::start(store.clone(), config(&spill)).expect("start");
    let mut poisoned = Vec::new();
    for i in 0..100 {
        let mut record = load_record(i);
        if i % 25 == 7 {
            poison(&mut record);
            poisoned.push(record.log_id.clone());
        }
        handle.record(record);
        if i % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            !handle.store_failing(),
            "a data error marked the store failing"
        );
    }
    let report = handle.shutdown().await;
    assert_eq!(report.stats.rejected, 4, "{report:?}");
    assert_eq!(report.stats.written, 96, "{report:?}");
    assert_eq!(
        (report.stats.spilled, report.stats.dropped),
        (0, 0),
        "{report:?}"
    );
    assert_eq!(report.pending_spill, 0);
    assert_eq!(store.count().await.expect("count"), 96);
    let rows = store
        .read_all(&RecordFilter::default())
        .await
        .expect("read");
    assert!(rows.iter().all(|r| !poisoned.contains(&r.log_id)));

    let path = handle.rejected_path().to_path_buf();
    assert_eq!(path, dir.join("log.rejected.jsonl"));
    let rejected = read_rejected(&path).expect("rejected file");
    let ids: Vec<&str> = rejected.iter().map(|(r, _)| r.log_id.as_str()).collect();
    assert_eq!(ids, poisoned.iter().map(String::as_str).collect::<Vec<_>>());
    rejected[0].1.clone()
}

#[tokio::test]
async fn postgres_refused_records_are_rejected_not_spilled() {
    on_postgres(async |store: &LogStore| {
        let dir = tempfile::tempdir().expect("tempdir");
        let reason = reject_and_go_on(store.clone(), dir.path(), |r| {
            r.client = incompressible(r.ts_ms as u64);
        })
        .await;
        assert!(reason.contains("index row"), "{reason}");
    })
    .await;
}

#[tokio::test]
async fn sqlite_refused_records_are_rejected_not_spilled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = sqlite_in(dir.path()).await;
    let db = dir.path().join("log.db");
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", db.display()))
            .await
            .expect("raw connection");
        sqlx::query(
            "CREATE TRIGGER no_poison BEFORE INSERT ON query_log WHEN NEW.query = 'poison' \
             BEGIN SELECT RAISE(ABORT, 'poisoned query refused'); END",
        )
        .execute(&mut conn)
        .await
        .expect("trigger");
        conn.close().await.expect("close");
    }
    let reason = reject_and_go_on(store.clone(), dir.path(), |r| {
        r.query = Some("poison".into());
    })
    .await;
    assert!(reason.contains("poisoned query refused"), "{reason}");
    store.close().await;
}

#[test]
fn outages_are_not_data_errors() {
    let io = QueryLogError::Database(sqlx::Error::Io(std::io::Error::other("reset")));
    assert!(!io.is_data_error());
    assert!(!QueryLogError::Database(sqlx::Error::PoolTimedOut).is_data_error());
}
