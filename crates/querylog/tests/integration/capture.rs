//! Capture under load: overflow, store outages (SQLite file unwritable, Postgres cut off),
//! shutdown flush and restart. The invariant everywhere: nothing recorded is lost.
use std::path::Path;
use std::time::Duration;

use driftless_querylog::{Capture, CaptureConfig, CaptureHandle, LogStore, StoreOptions};

use super::support::{CuttableProxy, PG_ADDR, PgDatabase, eventually, load_record};

const BURST: usize = 2_000;

fn config(spill: &Path) -> CaptureConfig {
    CaptureConfig {
        channel_capacity: 64,
        batch_size: 100,
        flush_interval: Duration::from_millis(20),
        spill_path: spill.to_path_buf(),
        replay_interval: Duration::from_millis(50),
        journal: true,
    }
}

fn quick() -> StoreOptions {
    StoreOptions {
        max_connections: 2,
        acquire_timeout: Duration::from_millis(500),
    }
}

/// Makes an SQLite store unwritable while leaving it readable. chmod alone does not stop
/// root, so a directory is also put where SQLite must create its rollback journal.
struct SqliteOutage<'a> {
    db: &'a Path,
}

impl<'a> SqliteOutage<'a> {
    fn begin(db: &'a Path) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let journal = db.with_extension("db-journal");
        std::fs::create_dir(&journal).expect("journal blocker");
        std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o444)).expect("chmod db");
        let dir = db.parent().expect("db dir");
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).expect("chmod dir");
        Self { db }
    }

    fn end(self) {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.db.parent().expect("db dir");
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
        std::fs::set_permissions(self.db, std::fs::Permissions::from_mode(0o644))
            .expect("chmod db");
        std::fs::remove_dir(self.db.with_extension("db-journal")).expect("remove blocker");
    }
}

fn burst(handle: &CaptureHandle, range: std::ops::Range<usize>) {
    for i in range {
        handle.record(load_record(i));
    }
}

async fn assert_nothing_lost(handle: &CaptureHandle, store: &LogStore, n: u64) {
    let report = handle.shutdown().await;
    let s = report.stats;
    assert_eq!(s.recorded, n);
    assert_eq!(s.dropped, 0, "{s:?}");
    assert_eq!(s.written + s.replayed, n, "{s:?}");
    assert_eq!(s.spilled, s.replayed, "{s:?}");
    assert_eq!(report.pending_spill, 0);
    assert_eq!(store.count().await.expect("count"), n);
}

#[tokio::test]
async fn sqlite_outage_spills_then_replays_everything() {
    let db_dir = tempfile::tempdir().expect("tempdir");
    let spill_dir = tempfile::tempdir().expect("tempdir");
    let db = db_dir.path().join("log.db");
    let store = LogStore::connect_with(db.to_str().expect("utf8"), &quick())
        .await
        .expect("connect");
    let handle = Capture::start(store.clone(), config(&spill_dir.path().join("spill.jsonl")))
        .expect("start");

    let outage = SqliteOutage::begin(&db);
    burst(&handle, 0..BURST);
    assert!(
        eventually(Duration::from_secs(20), || async {
            handle.stats().spilled == BURST as u64
        })
        .await,
        "all records spill while the file is unwritable: {:?}",
        handle.stats()
    );
    assert!(handle.store_failing());
    assert_eq!(handle.stats().written, 0);

    outage.end();
    assert!(
        eventually(Duration::from_secs(20), || async {
            handle.stats().replayed == BURST as u64
        })
        .await,
        "replay after the store is back: {:?}",
        handle.stats()
    );
    assert_nothing_lost(&handle, &store, BURST as u64).await;
    assert!(!spill_dir.path().join("spill.jsonl.replaying").exists());
}

#[tokio::test]
async fn postgres_outage_spills_then_replays_everything() {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    let proxy = CuttableProxy::start(PG_ADDR).await;
    let spill_dir = tempfile::tempdir().expect("tempdir");
    let via_proxy = LogStore::connect_with(&db.url_via(&proxy.addr), &quick())
        .await
        .expect("connect");
    let direct = LogStore::connect(&db.url()).await.expect("direct");
    let handle =
        Capture::start(via_proxy, config(&spill_dir.path().join("spill.jsonl"))).expect("start");

    // A burst larger than the channel: some records spill even with the store up.
    burst(&handle, 0..100);
    let stored = |h: &CaptureHandle| h.stats().written + h.stats().replayed;
    assert!(
        eventually(Duration::from_secs(10), || async { stored(&handle) == 100 }).await,
        "{:?}",
        handle.stats()
    );
    let spilled_before = handle.stats().spilled;

    proxy.cut().await;
    burst(&handle, 100..100 + BURST);
    let total = (100 + BURST) as u64;
    assert!(
        eventually(Duration::from_secs(30), || async {
            handle.stats().spilled == spilled_before + BURST as u64
        })
        .await,
        "everything recorded during the cut spills: {:?}",
        handle.stats()
    );
    assert_eq!(direct.count().await.expect("count"), 100);

    proxy.restore();
    assert!(
        eventually(Duration::from_secs(30), || async {
            stored(&handle) == total
        })
        .await,
        "replay after reconnect: {:?}",
        handle.stats()
    );
    assert_nothing_lost(&handle, &direct, total).await;
    direct.close().await;
    db.drop_now().await;
}

#[tokio::test]
async fn channel_overflow_spills_without_loss() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::connect(dir.path().join("log.db").to_str().expect("utf8"))
        .await
        .expect("connect");
    let mut cfg = config(&dir.path().join("spill.jsonl"));
    cfg.channel_capacity = 1;
    let handle = Capture::start(store.clone(), cfg).expect("start");
    // No await between records: the writer cannot drain a one-slot channel this fast.
    burst(&handle, 0..BURST);
    assert!(handle.stats().spilled > 0, "{:?}", handle.stats());
    assert_nothing_lost(&handle, &store, BURST as u64).await;
}

#[tokio::test]
async fn shutdown_flushes_partial_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::connect(dir.path().join("log.db").to_str().expect("utf8"))
        .await
        .expect("connect");
    let mut cfg = config(&dir.path().join("spill.jsonl"));
    cfg.channel_capacity = 1_000;
    cfg.batch_size = 1_000;
    cfg.flush_interval = Duration::from_secs(3_600);
    let handle = Capture::start(store.clone(), cfg).expect("start");
    burst(&handle, 0..150);
    let clone = handle.clone();
    assert_nothing_lost(&clone, &store, 150).await;
    assert_eq!(handle.stats().written, 150);
    // After shutdown, records still land in the spill file, for the next start.
    handle.record(load_record(150));
    assert_eq!(handle.shutdown().await.pending_spill, 1);
}

#[tokio::test]
async fn spill_left_at_shutdown_is_replayed_by_the_next_start() {
    let db_dir = tempfile::tempdir().expect("tempdir");
    let spill_dir = tempfile::tempdir().expect("tempdir");
    let db = db_dir.path().join("log.db");
    let spill = spill_dir.path().join("spill.jsonl");
    let store = LogStore::connect_with(db.to_str().expect("utf8"), &quick())
        .await
        .expect("connect");

    let outage = SqliteOutage::begin(&db);
    let first = Capture::start(store.clone(), config(&spill)).expect("start");
    burst(&first, 0..300);
    let report = first.shutdown().await;
    assert_eq!(
        (
            report.stats.spilled,
            report.stats.dropped,
            report.pending_spill
        ),
        (300, 0, 300)
    );
    outage.end();

    let second = Capture::start(store.clone(), config(&spill)).expect("restart");
    let report = second.shutdown().await;
    assert_eq!((report.stats.replayed, report.pending_spill), (300, 0));
    assert_eq!(store.count().await.expect("count"), 300);
}

#[tokio::test]
async fn bad_configuration_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::connect(dir.path().join("log.db").to_str().expect("utf8"))
        .await
        .expect("connect");
    let mut cfg = config(&dir.path().join("spill.jsonl"));
    cfg.batch_size = 0;
    assert!(Capture::start(store.clone(), cfg).is_err());
    let cfg = config(&dir.path().join("missing-dir").join("spill.jsonl"));
    assert!(
        Capture::start(store, cfg).is_err(),
        "unusable spill path reported at start"
    );
}
