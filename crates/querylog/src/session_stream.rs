//! Sessionizing a log that does not fit in memory: the rules of [`crate::sessionize`],
//! applied to records that arrive one by one in canonical `(ts_ms, request_id, log key)`
//! order, holding only the sessions that are still open.
//!
//! When a session can be closed:
//! - a **gap session** as soon as the log's clock has moved more than `gap` past its last
//!   step: every later record is at least as late, so none can join it. Open gap sessions
//!   are swept once per `gap` of log time, so one lives at most two gaps past its end;
//! - an **explicit session** (`x-session-id`) can span any time, so the clock says nothing.
//!   It closes when its last record has arrived: the caller passes each session's record
//!   count ([`HintedSizes`], one `GROUP BY` in the store). Without counts, explicit sessions
//!   stay open to the end (right for small logs, and for any log, just not bounded).
//!
//! [`SessionStream`] yields the same sessions as [`crate::sessionize`] (same ids, kinds and
//! records), in closing order rather than `(start_ms, id)` order; consumers that need the
//! latter sort what they keep (tests compare both functions on random logs).
use crate::analysis::FastHashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use crate::record::LogRecord;
use crate::session::{Session, SessionKind};

/// 128-bit key of an explicit session `(client, hint)`. `DefaultHasher::new()` is SipHash
/// with fixed keys, so the key is the same in every process; two differently seeded halves
/// make a collision (which would only close a session early) about 2⁻¹²⁸-likely.
pub fn hinted_key(client: &str, hint: &str) -> u128 {
    let half = |seed: u64| {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        client.hash(&mut h);
        hint.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0x5e55_1011)) << 64) | u128::from(half(0xd21f_7e55))
}

/// Records per explicit session, keyed by [`hinted_key`].
pub type HintedSizes = FastHashMap<u128, u64>;

/// Counts the records of each explicit session of `records` (the in-memory twin of the
/// store's `GROUP BY client, session_hint`).
pub fn hinted_sizes<'a>(records: impl IntoIterator<Item = &'a LogRecord>) -> HintedSizes {
    let mut sizes = HintedSizes::default();
    for r in records {
        if let Some(hint) = &r.session_hint {
            *sizes.entry(hinted_key(&r.client, hint)).or_insert(0) += 1;
        }
    }
    sizes
}

#[derive(Debug)]
struct OpenGap {
    session: Session,
}

/// The streaming sessionizer (see the module documentation).
#[derive(Debug)]
pub struct SessionStream {
    gap_ms: i64,
    sizes: Option<HintedSizes>,
    explicit: FastHashMap<(String, String), Session>,
    open: FastHashMap<String, OpenGap>,
    /// Gap sessions each client has had so far (ids count from 1 in time order).
    numbered: FastHashMap<String, usize>,
    next_sweep: Option<i64>,
    last: Option<i64>,
}

impl SessionStream {
    /// A sessionizer with inactivity gap `gap`; `sizes` lets explicit sessions close early.
    pub fn new(gap: Duration, sizes: Option<HintedSizes>) -> Self {
        Self {
            gap_ms: i64::try_from(gap.as_millis()).unwrap_or(i64::MAX),
            sizes,
            explicit: FastHashMap::default(),
            open: FastHashMap::default(),
            numbered: FastHashMap::default(),
            next_sweep: None,
            last: None,
        }
    }

    /// Sessions currently held open.
    pub fn open_sessions(&self) -> usize {
        self.explicit.len() + self.open.len()
    }

    /// Adds the next record (canonical order; a record earlier than the previous one is an
    /// error of the caller, reported by a panic in debug builds only) and appends the
    /// sessions it closed to `closed`.
    pub fn push(&mut self, record: LogRecord, closed: &mut Vec<Session>) {
        debug_assert!(
            self.last.is_none_or(|t| t <= record.ts_ms),
            "records out of order"
        );
        self.last = Some(record.ts_ms);
        self.sweep(record.ts_ms, closed);
        if let Some(hint) = &record.session_hint {
            self.push_explicit(hint.clone(), record, closed);
            return;
        }
        let gap = self.gap_ms;
        if let Some(open) = self.open.get_mut(&record.client)
            && record.ts_ms.saturating_sub(open.session.end_ms) <= gap
        {
            open.session.push(record);
            return;
        }
        // A new gap session: the client's first, or the one after a gap.
        let id = self.next_gap_id(&record.client);
        let client = record.client.clone();
        let session = Session::new(id, SessionKind::Gap, record);
        if let Some(previous) = self.open.insert(client, OpenGap { session }) {
            closed.push(previous.session);
        }
    }

    fn next_gap_id(&mut self, client: &str) -> String {
        let n = self.numbered.entry(client.to_string()).or_insert(0);
        *n += 1;
        format!("{client}|gap:{n}")
    }

    fn push_explicit(&mut self, hint: String, record: LogRecord, closed: &mut Vec<Session>) {
        let done = self.sizes.as_mut().is_some_and(|sizes| {
            let key = hinted_key(&record.client, &hint);
            match sizes.get_mut(&key) {
                Some(left) if *left > 1 => {
                    *left -= 1;
                    false
                }
                Some(_) => {
                    sizes.remove(&key);
                    true
                }
                // Not counted (a record the count did not see): keep it open to the end.
                None => false,
            }
        });
        let key = (record.client.clone(), hint);
        let session = match self.explicit.remove(&key) {
            Some(mut session) => {
                session.push(record);
                session
            }
            None => {
                let id = format!("{}|hint:{}", key.0, key.1);
                Session::new(id, SessionKind::Explicit, record)
            }
        };
        if done {
            closed.push(session);
        } else {
            self.explicit.insert(key, session);
        }
    }

    /// Closes the gap sessions no record at or after `now` can extend.
    fn sweep(&mut self, now: i64, closed: &mut Vec<Session>) {
        if self.next_sweep.is_some_and(|at| now < at) {
            return;
        }
        self.next_sweep = Some(now.saturating_add(self.gap_ms.max(1)));
        let gap = self.gap_ms;
        let mut expired: Vec<String> = self
            .open
            .iter()
            .filter(|(_, o)| now.saturating_sub(o.session.end_ms) > gap)
            .map(|(client, _)| client.clone())
            .collect();
        // Hash-map order is per process; the order sessions leave in is not.
        expired.sort_unstable();
        for client in expired {
            if let Some(open) = self.open.remove(&client) {
                closed.push(open.session);
            }
        }
    }

    /// Closes every session still open (the end of the log).
    pub fn finish(self, closed: &mut Vec<Session>) {
        let mut rest: Vec<Session> = self.open.into_values().map(|o| o.session).collect();
        rest.extend(self.explicit.into_values());
        rest.sort_by(|a, b| (a.start_ms, &a.id).cmp(&(b.start_ms, &b.id)));
        closed.extend(rest);
    }
}

#[cfg(test)]
#[path = "session_stream_tests.rs"]
mod tests;
