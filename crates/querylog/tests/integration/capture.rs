//! Capture under load: overflow, store outages (SQLite file unwritable, Postgres cut off),
//! shutdown flush and restart. The invariant everywhere: nothing recorded is lost.
use std::path::Path;
use std::time::Duration;

use driftless_querylog::{
    Capture, CaptureConfig, CaptureHandle, CaptureStats, LogStore, StoreOptions,
};

use super::support::{CuttableProxy, PG_ADDR, PgDatabase, eventually, load_record, sqlite_in};

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

/// A store on `target` with a small pool and a short acquire timeout, so an outage turns
/// into spilled records quickly.
async fn connect_quick(target: &str) -> LogStore {
    let quick = StoreOptions {
        max_connections: 2,
        acquire_timeout: Duration::from_millis(500),
    };
    LogStore::connect_with(target, &quick)
        .await
        .expect("connect")
}

/// A capture on a new SQLite store in `dir`, spilling to `dir`, with `tune` applied to
/// [`config`].
async fn capture_in(
    dir: &Path,
    tune: impl FnOnce(&mut CaptureConfig),
) -> (LogStore, CaptureHandle) {
    let store = sqlite_in(dir).await;
    let mut cfg = config(&dir.join("spill.jsonl"));
    tune(&mut cfg);
    let handle = Capture::start(store.clone(), cfg).expect("start");
    (store, handle)
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

/// Waits up to `secs` seconds for the capture's counters to satisfy `done`; panics with
/// `what` and the counters when they never do.
async fn wait_for(
    handle: &CaptureHandle,
    secs: u64,
    what: &str,
    done: impl Fn(&CaptureStats) -> bool,
) {
    assert!(
        eventually(Duration::from_secs(secs), || async {
            done(&handle.stats())
        })
        .await,
        "{what}: {:?}",
        handle.stats()
    );
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
    let store = connect_quick(db.to_str().expect("utf8")).await;
    let handle = Capture::start(store.clone(), config(&spill_dir.path().join("spill.jsonl")))
        .expect("start");

    let outage = SqliteOutage::begin(&db);
    burst(&handle, 0..BURST);
    let what = "all records spill while the file is unwritable";
    wait_for(&handle, 20, what, |s| s.spilled == BURST as u64).await;
    assert!(handle.store_failing());
    assert_eq!(handle.stats().written, 0);

    outage.end();
    let what = "replay after the store is back";
    wait_for(&handle, 20, what, |s| s.replayed == BURST as u64).await;
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
    let via_proxy = connect_quick(&db.url_via(&proxy.addr)).await;
    let direct = LogStore::connect(&db.url()).await.expect("direct");
    let handle =
        Capture::start(via_proxy, config(&spill_dir.path().join("spill.jsonl"))).expect("start");

    // A burst larger than the channel: some records spill even with the store up.
    burst(&handle, 0..100);
    let stored = |s: &CaptureStats| s.written + s.replayed;
    wait_for(&handle, 10, "stored while the store is up", |s| {
        stored(s) == 100
    })
    .await;
    let spilled_before = handle.stats().spilled;

    proxy.cut().await;
    burst(&handle, 100..100 + BURST);
    let total = (100 + BURST) as u64;
    let what = "everything recorded during the cut spills";
    wait_for(&handle, 30, what, |s| {
        s.spilled == spilled_before + BURST as u64
    })
    .await;
    assert_eq!(direct.count().await.expect("count"), 100);

    proxy.restore();
    wait_for(&handle, 30, "replay after reconnect", |s| {
        stored(s) == total
    })
    .await;
    assert_nothing_lost(&handle, &direct, total).await;
    direct.close().await;
    db.drop_now().await;
}

#[tokio::test]
async fn channel_overflow_spills_without_loss() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, handle) = capture_in(dir.path(), |cfg| cfg.channel_capacity = 1).await;
    // No await between records: the writer cannot drain a one-slot channel this fast.
    burst(&handle, 0..BURST);
    assert!(handle.stats().spilled > 0, "{:?}", handle.stats());
    assert_nothing_lost(&handle, &store, BURST as u64).await;
}

#[tokio::test]
async fn shutdown_flushes_partial_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, handle) = capture_in(dir.path(), |cfg| {
        cfg.channel_capacity = 1_000;
        cfg.batch_size = 1_000;
        cfg.flush_interval = Duration::from_secs(3_600);
    })
    .await;
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
    let store = connect_quick(db.to_str().expect("utf8")).await;

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
    let store = sqlite_in(dir.path()).await;
    let mut cfg = config(&dir.path().join("spill.jsonl"));
    cfg.batch_size = 0;
    assert!(Capture::start(store.clone(), cfg).is_err());
    let cfg = config(&dir.path().join("missing-dir").join("spill.jsonl"));
    assert!(
        Capture::start(store, cfg).is_err(),
        "unusable spill path reported at start"
    );
}
