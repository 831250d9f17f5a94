//! The crash journal: a capture whose process dies before its writer stored anything (the
//! runtime is torn down without `shutdown`, as SIGKILL would) loses no recorded request; the
//! next capture on the same spill path stores every one of them exactly once.
use std::path::{Path, PathBuf};
use std::time::Duration;

use driftless_querylog::{Capture, CaptureConfig, CaptureHandle, LogStore, RecordFilter};

use super::support::load_record;

fn config(spill: &Path, journal: bool) -> CaptureConfig {
    CaptureConfig {
        // Nothing reaches the store before the "kill": the records are all in flight.
        batch_size: 100_000,
        flush_interval: Duration::from_secs(3600),
        spill_path: spill.to_path_buf(),
        journal,
        ..CaptureConfig::default()
    }
}

/// Records `range` in a one-thread runtime that is then dropped without a shutdown: the
/// writer task is never polled, so every record dies in flight, as under SIGKILL.
fn record_then_die(db: &str, spill: &Path, journal: bool, range: std::ops::Range<usize>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = LogStore::connect(db).await.expect("store");
        let handle = Capture::start(store, config(spill, journal)).expect("capture");
        for i in range {
            handle.record(load_record(i));
        }
        // No await after the records: the writer never runs.
    });
    runtime.shutdown_background();
}

/// A temporary directory where a capture recorded and was killed, with the store and spill
/// paths it used.
struct Killed {
    dir: tempfile::TempDir,
    db: String,
    spill: PathBuf,
}

impl Killed {
    /// Records `range` (with or without the journal) and dies, as [`record_then_die`].
    fn after(journal: bool, range: std::ops::Range<usize>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("log.db").display().to_string();
        let spill = dir.path().join("spill.jsonl");
        record_then_die(&db, &spill, journal, range);
        Self { dir, db, spill }
    }

    /// Starts the next capture on the same store and spill path, in a new runtime, and
    /// hands `then` the store and the capture.
    fn restart(&self, journal: bool, then: impl AsyncFnOnce(&LogStore, CaptureHandle)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let store = LogStore::connect(&self.db).await.expect("store");
            let config = config(&self.spill, journal);
            let handle = Capture::start(store.clone(), config).expect("restart");
            then(&store, handle).await;
        });
    }
}

/// The journal segment files in `dir`.
fn journal_segments(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".journal."))
        .map(|e| e.path())
        .collect()
}

#[test]
fn a_killed_capture_loses_nothing_it_recorded() {
    // 20,000 records: more than two journal segments, so rotation is exercised too.
    let killed = Killed::after(true, 0..20_000);
    let dir = &killed.dir;
    let segments = journal_segments(dir.path());
    assert!(segments.len() >= 3, "the dead process left its journal");
    // Append a torn half line, as a kill in the middle of a write(2) could.
    let last = segments.into_iter().max().expect("a segment");
    let mut torn = std::fs::read(&last).expect("read");
    torn.extend_from_slice(b"{\"ts_ms\":1,\"client\":\"half");
    std::fs::write(&last, torn).expect("write");

    killed.restart(true, async |store, handle| {
        for i in 20_000..20_100 {
            handle.record(load_record(i));
        }
        let report = handle.shutdown().await;
        assert_eq!(
            report.stats.dropped, 1,
            "only the torn line: {:?}",
            report.stats
        );
        assert_eq!(report.pending_spill, 0);
        let stored = store
            .read_all(&RecordFilter::default())
            .await
            .expect("read");
        assert_eq!(stored.len(), 20_100);
        let mut ids: Vec<String> = stored.iter().map(|r| r.request_id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20_100, "each record exactly once");
    });
    // A clean shutdown leaves no journal behind.
    assert_eq!(journal_segments(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn without_the_journal_a_kill_loses_what_was_in_flight() {
    // The contrast that shows what the journal is for (and that the test above can fail).
    let killed = Killed::after(false, 0..1_000);
    assert_eq!(journal_segments(killed.dir.path()), Vec::<PathBuf>::new());
    killed.restart(false, async |store, handle| {
        handle.shutdown().await;
        assert_eq!(store.count().await.expect("count"), 0);
    });
}
