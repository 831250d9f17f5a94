//! From sessions to the trajectories the per-step metrics walk, and the requests they skip.
//!
//! Two corrections on top of [`crate::session::sessionize`]:
//! - **Multi-query requests are parallel, not sequential.** A `/retrieve` or
//!   `/v1/search/batch` call logs one record per query, with request ids `<id>#0`, `<id>#1`, …
//!   Search-R1 sends one query per rollout in such a call, so two queries of one call are two
//!   trajectories, never two steps of one. Without `x-session-id`, each query of a call with
//!   two or more queries is therefore its own trajectory. With `x-session-id` the client says
//!   they belong together and they stay in that session, but [`request_groups`] keeps them
//!   one step: nothing one of them returned counts as evidence for another.
//! - **Refused requests are not steps of a search.** A request answered with status ≥ 400
//!   (a syntax error such as `-vacuum`, an overload 503) ran no search: its query is not a
//!   reformulation, not a top query, and its results are empty. The query metrics skip them
//!   ([`is_answered`]); [`RefusedReport`] counts them apart.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::record::LogRecord;
use crate::session::{Session, SessionKind};

/// First status that means "not answered".
pub const REFUSED_STATUS: u16 = 400;

/// `(request, item index)` of a record: a multi-query item's id is `<request id>#<index>`.
pub fn request_of(record: &LogRecord) -> (&str, Option<usize>) {
    match record.request_id.rsplit_once('#') {
        Some((base, index)) if !base.is_empty() => match index.parse::<usize>() {
            Ok(i) => (base, Some(i)),
            Err(_) => (record.request_id.as_str(), None),
        },
        _ => (record.request_id.as_str(), None),
    }
}

/// True when the record ran (status below 400).
pub fn is_answered(record: &LogRecord) -> bool {
    record.status < REFUSED_STATUS
}

/// The answered records only (borrowed: a session's records are never copied).
pub fn answered(records: &[LogRecord]) -> Vec<&LogRecord> {
    records.iter().filter(|r| is_answered(r)).collect()
}

/// Splits the items of multi-query requests out of gap sessions (see the module doc).
/// Refused records stay (they are requests the agent made: steps and intervals count them);
/// the query metrics skip them. Trajectories are ordered by `(start_ms, id)` like sessions; an
/// item's trajectory id is `<session id>|batch:<n>#<index>`, n counting the session's
/// multi-query requests from 1.
pub fn trajectories(sessions: Vec<Session>) -> Vec<Session> {
    // Takes the sessions by value and moves their records: a log is held once, not twice.
    let mut out = Vec::with_capacity(sessions.len());
    for session in sessions {
        let Session {
            id,
            client,
            kind,
            records,
            ..
        } = session;
        if kind == SessionKind::Explicit {
            push_session(&mut out, (&client, kind), id, records);
            continue;
        }
        let mut items: BTreeMap<String, usize> = BTreeMap::new();
        for record in &records {
            if let (base, Some(_)) = request_of(record) {
                *items.entry(base.to_string()).or_default() += 1;
            }
        }
        let mut batch_no: BTreeMap<String, usize> = BTreeMap::new();
        let mut rest = Vec::new();
        for record in records {
            let (base, index) = request_of(&record);
            match index {
                Some(i) if items.get(base).copied().unwrap_or(0) >= 2 => {
                    let next = batch_no.len() + 1;
                    let n = *batch_no.entry(base.to_string()).or_insert(next);
                    let item_id = format!("{id}|batch:{n}#{i}");
                    push_session(&mut out, (&client, kind), item_id, vec![record]);
                }
                _ => rest.push(record),
            }
        }
        push_session(&mut out, (&client, kind), id, rest);
    }
    out.sort_by(|a, b| (a.start_ms, &a.id).cmp(&(b.start_ms, &b.id)));
    out
}

fn push_session(
    out: &mut Vec<Session>,
    (client, kind): (&str, SessionKind),
    id: String,
    records: Vec<LogRecord>,
) {
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return;
    };
    out.push(Session {
        id,
        client: client.to_string(),
        kind,
        start_ms: first.ts_ms,
        end_ms: last.ts_ms,
        records,
    });
}

/// The records of a trajectory grouped by request: consecutive records of one multi-query
/// request form one group, every other record a group of its own. A group is one step;
/// what it returned becomes evidence only for later groups.
pub fn request_groups<'a, 'r>(records: &'a [&'r LogRecord]) -> Vec<&'a [&'r LogRecord]> {
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=records.len() {
        let same = i < records.len() && {
            let (a, ai) = request_of(records[i - 1]);
            let (b, bi) = request_of(records[i]);
            ai.is_some() && bi.is_some() && a == b
        };
        if !same {
            groups.push(&records[start..i]);
            start = i;
        }
    }
    groups
}

/// Requests that were refused, reported apart from the searches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefusedReport {
    /// Refused requests (status ≥ 400).
    pub requests: u64,
    /// Refused requests per status.
    pub by_status: BTreeMap<u16, u64>,
    /// The most frequent refused queries **as sent** (`-vacuum` stays `-vacuum`: its normal
    /// form would read as the opposite query), by count descending then query.
    pub top_queries: Vec<RefusedQuery>,
}

/// One frequently refused query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedQuery {
    /// The query text as received, trimmed.
    pub query: String,
    /// Times it was refused.
    pub count: u64,
    /// The status of its most recent refusal.
    pub status: u16,
}

/// Counts refused records one at a time (see [`RefusedReport`]).
#[derive(Debug, Default)]
pub struct RefusedTally {
    requests: u64,
    by_status: BTreeMap<u16, u64>,
    /// Query as sent, trimmed → (count, status, ts of the most recent refusal).
    queries: BTreeMap<String, (u64, u16, i64)>,
}

impl RefusedTally {
    /// Counts `record` if it was refused (records arrive in canonical order, so the last
    /// one seen at the latest time gives a query's status).
    pub fn add(&mut self, record: &LogRecord) {
        if is_answered(record) {
            return;
        }
        self.requests += 1;
        *self.by_status.entry(record.status).or_insert(0) += 1;
        if let Some(query) = &record.query {
            let entry = self.queries.entry(query.trim().to_string()).or_insert((
                0,
                record.status,
                record.ts_ms,
            ));
            entry.0 += 1;
            if record.ts_ms >= entry.2 {
                (entry.1, entry.2) = (record.status, record.ts_ms);
            }
        }
    }

    /// The report, with the `top_n` most refused queries.
    pub fn report(&self, top_n: usize) -> RefusedReport {
        let mut top_queries: Vec<RefusedQuery> = self
            .queries
            .iter()
            .map(|(query, (count, status, _))| RefusedQuery {
                query: query.clone(),
                count: *count,
                status: *status,
            })
            .collect();
        top_queries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
        top_queries.truncate(top_n);
        RefusedReport {
            requests: self.requests,
            by_status: self.by_status.clone(),
            top_queries,
        }
    }
}
