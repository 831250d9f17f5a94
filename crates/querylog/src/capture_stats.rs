//! What a capture counts: the monotonic counters behind [`CaptureStats`] and the report
//! `shutdown` returns.
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Counters of a capture, all monotonic since `Capture::start`.
///
/// At rest (after `shutdown` with a healthy store), every recorded record was written,
/// spilled, rejected or dropped, and every spilled one was later replayed or rejected (plus
/// any records of a previous process's spill file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CaptureStats {
    /// Records handed to `record`.
    pub recorded: u64,
    /// Records the writer stored straight from the channel.
    pub written: u64,
    /// Records appended to the spill file (channel full, store failing, or after shutdown).
    pub spilled: u64,
    /// Spilled records later stored by replay.
    pub replayed: u64,
    /// Records the store refused as data (a value or size it cannot hold), live or during
    /// replay; each is a line of the rejected file with the store's reason.
    pub rejected: u64,
    /// Records lost: the spill file itself failed, or a spilled line was unreadable. Should
    /// stay 0; every increment is also logged at `error` level.
    pub dropped: u64,
    /// Of `written + replayed`, records the store already held (same `request_id`).
    pub duplicates: u64,
}

/// What `shutdown` leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShutdownReport {
    /// Final counters.
    pub stats: CaptureStats,
    /// Records still in the spill files because the store was down at shutdown; the next
    /// `Capture::start` with the same `spill_path` replays them.
    pub pending_spill: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) recorded: AtomicU64,
    pub(crate) written: AtomicU64,
    pub(crate) spilled: AtomicU64,
    pub(crate) replayed: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) duplicates: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> CaptureStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CaptureStats {
            recorded: get(&self.recorded),
            written: get(&self.written),
            spilled: get(&self.spilled),
            replayed: get(&self.replayed),
            rejected: get(&self.rejected),
            dropped: get(&self.dropped),
            duplicates: get(&self.duplicates),
        }
    }
}
