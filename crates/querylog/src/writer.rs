//! The writer task behind a `CaptureHandle`: batches the channel into the store, spills
//! batches the store rejects, and replays the spill file when the store accepts writes again.
//!
//! Writing and replaying happen in this one task, so the store never sees two capture
//! transactions at once and the replay cursor needs no locking.
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{MissedTickBehavior, interval};

use crate::capture::{CaptureConfig, Counters, Shared};
use crate::record::LogRecord;
use crate::spill::ReplayCursor;
use crate::store::LogStore;

/// Batches replayed per replay tick while running, so a long backlog does not starve the
/// live channel (which would only spill more).
const REPLAY_BATCHES_PER_TICK: usize = 16;

#[derive(Debug, PartialEq, Eq)]
enum Replay {
    /// Nothing (left) to replay.
    Idle,
    /// Replayed what the tick allowed; more may remain.
    Progress,
    /// The store refused; try again next tick.
    Failed,
}

pub(crate) struct Writer {
    store: LogStore,
    shared: Arc<Shared>,
    batch_size: usize,
    flush_interval: Duration,
    replay_interval: Duration,
    cursor: Option<ReplayCursor>,
}

impl Writer {
    pub(crate) fn new(store: LogStore, shared: Arc<Shared>, config: &CaptureConfig) -> Self {
        let CaptureConfig {
            batch_size,
            flush_interval,
            replay_interval,
            ..
        } = *config;
        Self {
            store,
            shared,
            batch_size,
            flush_interval,
            replay_interval,
            cursor: None,
        }
    }

    pub(crate) async fn run(
        mut self,
        mut rx: mpsc::Receiver<LogRecord>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut batch = Vec::with_capacity(self.batch_size);
        let mut flush_tick = interval(self.flush_interval);
        let mut replay_tick = interval(self.replay_interval);
        flush_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        replay_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                // Also stops when every handle is gone (sender dropped): flush rather than lose.
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        break;
                    }
                }
                received = rx.recv() => {
                    let Some(record) = received else { break };
                    batch.push(record);
                    while batch.len() < self.batch_size {
                        match rx.try_recv() {
                            Ok(record) => batch.push(record),
                            Err(_) => break,
                        }
                    }
                    if batch.len() >= self.batch_size {
                        self.write(&mut batch).await;
                    }
                }
                _ = flush_tick.tick() => self.write(&mut batch).await,
                _ = replay_tick.tick() => {
                    if let Err(e) = self.shared.spill.sync_if_dirty() {
                        tracing::error!(error = %e, "query-log spill file sync failed");
                    }
                    self.replay(REPLAY_BATCHES_PER_TICK).await;
                }
            }
        }
        // Shutdown: refuse new records (they spill), store what is queued, then drain the
        // spill file for as long as the store takes it.
        rx.close();
        while let Some(record) = rx.recv().await {
            batch.push(record);
            if batch.len() >= self.batch_size {
                self.write(&mut batch).await;
            }
        }
        self.write(&mut batch).await;
        while self.replay(usize::MAX).await == Replay::Progress {}
        if let Err(e) = self.shared.spill.sync_if_dirty() {
            tracing::error!(error = %e, "query-log spill file sync failed");
        }
    }

    /// Stores `batch` (emptying it); on failure spills it with an fsync.
    async fn write(&mut self, batch: &mut Vec<LogRecord>) {
        if batch.is_empty() {
            return;
        }
        match self.store.insert_batch(batch).await {
            Ok(inserted) => {
                let counters = &self.shared.counters;
                Counters::add(&counters.written, batch.len());
                counters.duplicates.fetch_add(
                    batch.len() as u64 - inserted.min(batch.len() as u64),
                    Ordering::Relaxed,
                );
                self.shared.failing.store(false, Ordering::Relaxed);
            }
            Err(e) => {
                if !self.shared.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "query-log store failing; spilling records until it recovers");
                }
                self.shared.spill(batch, true);
            }
        }
        batch.clear();
    }

    /// Re-inserts up to `max_batches` batches from the spill file.
    async fn replay(&mut self, max_batches: usize) -> Replay {
        let mut done = 0;
        while done < max_batches {
            if self.cursor.is_none() {
                match self.shared.spill.rotate() {
                    Ok(false) => return Replay::Idle,
                    Ok(true) => match ReplayCursor::open(self.shared.spill.replay_path()) {
                        Ok(cursor) => self.cursor = Some(cursor),
                        Err(e) => return self.spill_io_failed(&e),
                    },
                    Err(e) => return self.spill_io_failed(&e),
                }
            }
            let Some(cursor) = self.cursor.as_mut() else {
                return Replay::Idle;
            };
            if cursor.pending.is_empty() {
                match cursor.fill(self.batch_size) {
                    Ok(corrupt) => {
                        for line in &corrupt {
                            Counters::add(&self.shared.counters.dropped, 1);
                            tracing::error!(
                                line = line.line,
                                error = %line.message,
                                "unreadable query-log spill line (torn write?): record lost"
                            );
                        }
                    }
                    Err(e) => return self.spill_io_failed(&e),
                }
            }
            if cursor.pending.is_empty() {
                // End of the replay file: everything in it is stored.
                self.cursor = None;
                if let Err(e) = self.shared.spill.finish_replay() {
                    return self.spill_io_failed(&e);
                }
                continue;
            }
            match self.store.insert_batch(&cursor.pending).await {
                Ok(inserted) => {
                    let n = cursor.pending.len();
                    Counters::add(&self.shared.counters.replayed, n);
                    Counters::add(
                        &self.shared.counters.duplicates,
                        n - usize::try_from(inserted).unwrap_or(n).min(n),
                    );
                    cursor.pending.clear();
                    self.shared.failing.store(false, Ordering::Relaxed);
                    done += 1;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "query-log replay deferred: store still failing");
                    self.shared.failing.store(true, Ordering::Relaxed);
                    return Replay::Failed;
                }
            }
        }
        Replay::Progress
    }

    fn spill_io_failed(&mut self, e: &std::io::Error) -> Replay {
        tracing::error!(
            path = %self.shared.spill.replay_path().display(),
            error = %e,
            "query-log spill file cannot be replayed"
        );
        self.cursor = None;
        Replay::Failed
    }
}
