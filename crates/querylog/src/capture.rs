//! Capture: the request path hands records to a bounded channel and never waits; one
//! writer task batches them into the store. Whatever the store cannot take goes to the
//! spill file (see `spill.rs`) and is replayed when the store is back. Nothing answered is
//! lost: every recorded record ends up written, spilled (then replayed), set aside in the
//! rejected file when the store refuses that record as data (see `rejected.rs`) or — only if
//! even those files fail — counted as dropped and logged as an error.
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub(crate) use crate::capture_stats::Counters;
pub use crate::capture_stats::{CaptureStats, ShutdownReport};
use crate::error::{QueryLogError, Result};
use crate::journal::{Journal, read_segment};
use crate::record::LogRecord;
use crate::rejected::{Rejected, rejected_path_for};
use crate::spill::Spill;
use crate::store::LogStore;
use crate::writer::Writer;

/// Capture tuning. The defaults suit one server process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureConfig {
    /// Records the channel buffers before `record` spills instead (default 65,536 ≈ a few
    /// seconds of a busy server, a few tens of MB at most).
    pub channel_capacity: usize,
    /// Records per store transaction (default 512).
    pub batch_size: usize,
    /// A partial batch is written after at most this long (default 200 ms).
    pub flush_interval: Duration,
    /// The spill file; `<spill_path>.replaying` is used next to it. Records left there by a
    /// previous process are replayed after start. Records the store refuses as data go to
    /// the rejected file beside it (`x.spill.jsonl` → `x.rejected.jsonl`).
    pub spill_path: PathBuf,
    /// How often the writer retries the spill file against the store (default 1 s).
    pub replay_interval: Duration,
    /// Journal every record to `<spill_path>.journal.<n>` before queueing it (one
    /// `write(2)`), so a killed process loses no answered request (see `journal.rs`).
    /// Default on.
    pub journal: bool,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            channel_capacity: 65_536,
            batch_size: 512,
            flush_interval: Duration::from_millis(200),
            spill_path: PathBuf::from("driftless-querylog.spill.jsonl"),
            replay_interval: Duration::from_secs(1),
            journal: true,
        }
    }
}

/// State shared by every handle and the writer task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    pub(crate) spill: Spill,
    pub(crate) rejected: Rejected,
    /// Set while the store rejects writes: `record` then spills directly instead of
    /// queueing records for a writer that would only spill them after a timeout.
    pub(crate) failing: AtomicBool,
    /// The crash journal, when on.
    pub(crate) journal: Option<Journal>,
}

impl Shared {
    /// Sets `record` aside with the store's reason; counted as rejected, or as dropped if
    /// the rejected file fails too.
    pub(crate) fn reject(&self, record: &LogRecord, reason: &QueryLogError) {
        let reason = reason.to_string();
        match self.rejected.append(record, &reason) {
            Ok(()) => {
                Counters::add(&self.counters.rejected, 1);
                tracing::warn!(
                    path = %self.rejected.path().display(),
                    log_id = %record.log_key(),
                    endpoint = %record.endpoint,
                    reason = %reason,
                    "query-log store refused a record; kept in the rejected file"
                );
            }
            Err(e) => {
                Counters::add(&self.counters.dropped, 1);
                tracing::error!(
                    path = %self.rejected.path().display(),
                    error = %e,
                    reason = %reason,
                    "query-log rejected file failed: record lost"
                );
            }
        }
    }

    /// Spills `records`, counting them as spilled or, if the file fails too, as dropped.
    pub(crate) fn spill(&self, records: &[LogRecord], sync: bool) {
        match self.spill.append(records, sync) {
            Ok(()) => Counters::add(&self.counters.spilled, records.len()),
            Err(e) => {
                Counters::add(&self.counters.dropped, records.len());
                tracing::error!(
                    path = %self.spill.path().display(),
                    error = %e,
                    records = records.len(),
                    "query-log spill file failed: records lost"
                );
            }
        }
    }
}

/// Entry point of capture; see [`Capture::start`].
#[derive(Debug)]
pub struct Capture;

impl Capture {
    /// Spawns the writer task on the current Tokio runtime and returns the handle to record
    /// with. Fails on a configuration out of range or a spill file that cannot be opened.
    // By value: callers build the config inline and hand it over; nothing else needs it.
    #[allow(clippy::needless_pass_by_value)]
    pub fn start(store: LogStore, config: CaptureConfig) -> Result<CaptureHandle> {
        if config.channel_capacity == 0 || config.batch_size == 0 {
            return Err(QueryLogError::Config(
                "channel_capacity and batch_size must be at least 1".into(),
            ));
        }
        if config.flush_interval.is_zero() || config.replay_interval.is_zero() {
            return Err(QueryLogError::Config(
                "flush_interval and replay_interval must be positive".into(),
            ));
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            QueryLogError::Config("Capture::start must run inside a Tokio runtime".into())
        })?;
        let (tx, rx) = mpsc::channel(config.channel_capacity);
        let (stop_tx, stop_rx) = watch::channel(false);
        let spill = Spill::open(config.spill_path.clone())
            .map_err(|e| QueryLogError::io(config.spill_path.clone(), e))?;
        let counters = Counters::default();
        let journal = if config.journal {
            let (journal, leftovers) = Journal::open(&config.spill_path)
                .map_err(|e| QueryLogError::io(config.spill_path.clone(), e))?;
            recover(&leftovers, &spill, &counters)?;
            Some(journal)
        } else {
            None
        };
        let shared = Arc::new(Shared {
            counters,
            spill,
            rejected: Rejected::new(rejected_path_for(&config.spill_path)),
            failing: AtomicBool::new(false),
            journal,
        });
        let writer = Writer::new(store, Arc::clone(&shared), &config);
        let task = runtime.spawn(writer.run(rx, stop_rx));
        Ok(CaptureHandle {
            tx,
            shared,
            stop: Arc::new(stop_tx),
            task: Arc::new(Mutex::new(Some(task))),
        })
    }
}

/// Moves the records of a killed process's journal segments into the spill file (synced),
/// whose replay stores them, then deletes the segments.
fn recover(segments: &[PathBuf], spill: &Spill, counters: &Counters) -> Result<()> {
    for path in segments {
        let (records, unreadable) =
            read_segment(path).map_err(|e| QueryLogError::io(path.clone(), e))?;
        spill
            .append(&records, true)
            .map_err(|e| QueryLogError::io(spill.path().to_path_buf(), e))?;
        if unreadable > 0 {
            Counters::add(&counters.dropped, unreadable as usize);
            tracing::error!(path = %path.display(), lines = unreadable, "unreadable query-log journal lines (torn write?): records lost");
        }
        tracing::info!(path = %path.display(), records = records.len(), "recovered a journal segment of a process that did not shut down");
        std::fs::remove_file(path).map_err(|e| QueryLogError::io(path.clone(), e))?;
    }
    Ok(())
}

/// A cloneable handle for recording; give one to every request handler.
#[derive(Debug, Clone)]
pub struct CaptureHandle {
    tx: mpsc::Sender<LogRecord>,
    shared: Arc<Shared>,
    stop: Arc<watch::Sender<bool>>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl CaptureHandle {
    /// Records one answered request without waiting: a channel slot, or else one line
    /// appended to the spill file (a single `write(2)`, no fsync).
    pub fn record(&self, mut record: LogRecord) {
        // The store's key is ours, never the client's: whatever produced the record.
        if record.log_id.is_empty() {
            record.log_id = crate::record::new_log_id();
        }
        Counters::add(&self.shared.counters.recorded, 1);
        let Some(journal) = &self.shared.journal else {
            self.enqueue(record);
            return;
        };
        // The journal line first, then the record queued (or spilled), under the journal's
        // lock so the journal keeps the channel's order.
        let mut line = Vec::with_capacity(1024);
        if let Err(e) = serde_json::to_writer(&mut line, &record) {
            tracing::error!(error = %e, "query-log record does not serialise; not journaled");
        }
        line.push(b'\n');
        if let Err(e) = journal.append(&line, || self.enqueue(record)) {
            tracing::warn!(error = %e, "query-log journal write failed; the record is queued unjournaled");
        }
    }

    /// Queues `record` for the writer, or spills it (store failing, channel full or closed);
    /// returns whether it was queued.
    fn enqueue(&self, record: LogRecord) -> bool {
        let record = if self.shared.failing.load(Ordering::Relaxed) {
            record
        } else {
            match self.tx.try_send(record) {
                Ok(()) => return true,
                // Full (burst) or Closed (after shutdown): either way the spill file keeps it.
                Err(mpsc::error::TrySendError::Full(r) | mpsc::error::TrySendError::Closed(r)) => r,
            }
        };
        self.shared.spill(std::slice::from_ref(&record), false);
        false
    }

    /// Current counters.
    pub fn stats(&self) -> CaptureStats {
        self.shared.counters.snapshot()
    }

    /// The rejected file (it exists only once a record was rejected).
    pub fn rejected_path(&self) -> &std::path::Path {
        self.shared.rejected.path()
    }

    /// Whether the writer currently considers the store down.
    pub fn store_failing(&self) -> bool {
        self.shared.failing.load(Ordering::Relaxed)
    }

    /// Stops the writer after it has stored everything queued and replayed the spill file
    /// (as far as the store allows), and reports what remains. Records recorded afterwards
    /// go to the spill file for the next start. Calling it again returns at once.
    pub async fn shutdown(&self) -> ShutdownReport {
        self.stop.send_replace(true);
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "query-log writer task ended abnormally");
        }
        ShutdownReport {
            stats: self.stats(),
            pending_spill: self.shared.spill.pending_lines(),
        }
    }
}
