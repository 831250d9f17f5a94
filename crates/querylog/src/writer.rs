//! The writer task behind a `CaptureHandle`: batches the channel into the store, spills
//! batches the store cannot take (an outage), sets aside records it refuses as data (after
//! retrying their batch row by row), and replays the spill file when the store is back.
//!
//! Writing and replaying happen in this one task, so the store never sees two capture
//! transactions at once and the replay cursor needs no locking.
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{MissedTickBehavior, interval};

use crate::capture::{CaptureConfig, Counters, Shared};
use crate::error::QueryLogError;
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

/// What one [`Writer::insert`] did.
#[derive(Default)]
struct Inserted {
    /// Records handled from the front of the slice: stored or rejected.
    done: usize,
    /// Of those, stored (new or already there).
    stored: usize,
    /// Of those, new rows.
    inserted: u64,
    /// The outage that stopped it; `records[done..]` were not handled.
    outage: Option<QueryLogError>,
}

impl Inserted {
    fn duplicates(&self) -> usize {
        self.stored
            - usize::try_from(self.inserted)
                .unwrap_or(self.stored)
                .min(self.stored)
    }
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
        if let Some(journal) = &self.shared.journal {
            journal.close();
        }
    }

    /// Stores `batch` (emptying it). Records the store refuses as data are rejected one by
    /// one; on an outage the records not yet stored are spilled with an fsync.
    async fn write(&mut self, batch: &mut Vec<LogRecord>) {
        if batch.is_empty() {
            return;
        }
        let outcome = self.insert(batch).await;
        let counters = &self.shared.counters;
        Counters::add(&counters.written, outcome.stored);
        Counters::add(&counters.duplicates, outcome.duplicates());
        match outcome.outage {
            None => self.shared.failing.store(false, Ordering::Relaxed),
            Some(e) => {
                if !self.shared.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "query-log store failing; spilling records until it recovers");
                }
                self.shared.spill(&batch[outcome.done..], true);
            }
        }
        // Stored, rejected or spilled (synced): durable without the journal now.
        if let Some(journal) = &self.shared.journal {
            journal.confirm(batch.len() as u64);
        }
        batch.clear();
    }

    /// Inserts `records` as one transaction; if the store refuses it as data, row by row,
    /// rejecting the rows it still refuses. Stops at the first outage error.
    async fn insert(&self, records: &[LogRecord]) -> Inserted {
        let mut out = Inserted::default();
        match self.store.insert_batch(records).await {
            Ok(inserted) => {
                out.stored = records.len();
                out.done = records.len();
                out.inserted = inserted;
                return out;
            }
            Err(e) if !e.is_data_error() => {
                out.outage = Some(e);
                return out;
            }
            Err(e) => tracing::info!(
                error = %e,
                records = records.len(),
                "query-log store refused a batch as data; retrying it row by row"
            ),
        }
        for record in records {
            match self.store.insert_one(record).await {
                Ok(inserted) => {
                    out.stored += 1;
                    out.inserted += inserted;
                }
                Err(e) if e.is_data_error() => self.shared.reject(record, &e),
                Err(e) => {
                    out.outage = Some(e);
                    return out;
                }
            }
            out.done += 1;
        }
        out
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
            let pending = std::mem::take(&mut cursor.pending);
            let outcome = self.insert(&pending).await;
            Counters::add(&self.shared.counters.replayed, outcome.stored);
            Counters::add(&self.shared.counters.duplicates, outcome.duplicates());
            if let Some(cursor) = self.cursor.as_mut() {
                // What was not handled (an outage part-way) is retried first next tick.
                cursor.pending = pending[outcome.done..].to_vec();
            }
            if let Some(e) = outcome.outage {
                tracing::debug!(error = %e, "query-log replay deferred: store still failing");
                self.shared.failing.store(true, Ordering::Relaxed);
                return Replay::Failed;
            }
            self.shared.failing.store(false, Ordering::Relaxed);
            done += 1;
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
