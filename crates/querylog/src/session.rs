//! Sessionizing: which requests belong to one agent episode.
//!
//! Rules, applied to records in canonical `(ts_ms, request_id)` order:
//! 1. **Explicit ids win.** Records carrying a `session_hint` (the `x-session-id` header)
//!    form one session per `(client, session_hint)`, however far apart in time. The client is
//!    part of the key so that two clients that both call their session "1" stay apart.
//! 2. **Otherwise per client, split at an inactivity gap.** A client's records without a hint
//!    form consecutive sessions; a new one starts when the time since that client's
//!    previous hint-less record is *strictly greater* than `gap`. Hinted records neither
//!    join nor break these sessions.
//!
//! Steps are the records of a session in canonical order (1-based); `step_hint` is kept in
//! the records but does not reorder them, because agents' own counters restart and skip.
//!
//! The function is pure: the same records and gap give the same sessions, byte for byte,
//! so sessions are never stored; they are recomputed from the raw rows when needed.
use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::record::{LogRecord, sort_canonical};

/// Default inactivity gap: 5 minutes.
///
/// Why not the 30 minutes of web-log studies: those gaps model people reading pages.
/// An LLM agent issues its next call seconds after the last (generation plus tool latency;
/// even slow reasoning steps stay well under a few minutes), while one API key often runs
/// rollouts back to back. Five minutes is longer than any plausible think time within an
/// episode and shorter than the pause between most batch jobs. It is a parameter of
/// [`sessionize`], so analyses can be recomputed with any other gap.
pub const DEFAULT_SESSION_GAP: Duration = Duration::from_secs(5 * 60);

/// How a session was delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// The agent sent `x-session-id`.
    Explicit,
    /// Inferred from the inactivity gap.
    Gap,
}

/// One session: a client's consecutive steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// Deterministic id: `<client>|hint:<session_hint>` for explicit sessions,
    /// `<client>|gap:<n>` (n = 1, 2, … in time order per client) for inferred ones.
    pub id: String,
    /// The client all steps came from.
    pub client: String,
    /// How it was delimited.
    pub kind: SessionKind,
    /// First step's `ts_ms`.
    pub start_ms: i64,
    /// Last step's `ts_ms`.
    pub end_ms: i64,
    /// The steps, in canonical order.
    pub records: Vec<LogRecord>,
}

impl Session {
    pub(crate) fn new(id: String, kind: SessionKind, first: LogRecord) -> Self {
        Self {
            id,
            client: first.client.clone(),
            kind,
            start_ms: first.ts_ms,
            end_ms: first.ts_ms,
            records: vec![first],
        }
    }

    pub(crate) fn push(&mut self, record: LogRecord) {
        self.end_ms = record.ts_ms;
        self.records.push(record);
    }

    /// Number of steps.
    pub fn steps(&self) -> usize {
        self.records.len()
    }
}

/// Groups `records` (any order) into sessions, returned ordered by `(start_ms, id)`.
/// See the module documentation for the rules.
pub fn sessionize(records: &[LogRecord], gap: Duration) -> Vec<Session> {
    let gap_ms = i64::try_from(gap.as_millis()).unwrap_or(i64::MAX);
    let mut sorted = records.to_vec();
    sort_canonical(&mut sorted);

    let mut explicit: BTreeMap<(String, String), Session> = BTreeMap::new();
    // Per client: the open gap session and how many that client has had so far.
    let mut open: BTreeMap<String, (Session, usize)> = BTreeMap::new();
    let mut closed = Vec::new();

    for record in sorted {
        if let Some(hint) = record.session_hint.clone() {
            let key = (record.client.clone(), hint);
            match explicit.get_mut(&key) {
                Some(session) => session.push(record),
                None => {
                    let id = format!("{}|hint:{}", key.0, key.1);
                    explicit.insert(key, Session::new(id, SessionKind::Explicit, record));
                }
            }
            continue;
        }
        match open.get_mut(&record.client) {
            Some((session, _)) if record.ts_ms - session.end_ms <= gap_ms => session.push(record),
            Some((session, n)) => {
                *n += 1;
                let id = format!("{}|gap:{}", record.client, n);
                let next = Session::new(id, SessionKind::Gap, record);
                closed.push(std::mem::replace(session, next));
            }
            None => {
                let id = format!("{}|gap:1", record.client);
                let client = record.client.clone();
                open.insert(client, (Session::new(id, SessionKind::Gap, record), 1));
            }
        }
    }

    let mut sessions: Vec<Session> = closed
        .into_iter()
        .chain(open.into_values().map(|(s, _)| s))
        .chain(explicit.into_values())
        .collect();
    sessions.sort_by(|a, b| (a.start_ms, &a.id).cmp(&(b.start_ms, &b.id)));
    sessions
}
