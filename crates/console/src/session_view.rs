//! What the session pages show, computed from the logged records: a summary per session and
//! one session's timeline, each search step with its reformulation class and its query
//! words marked where they were *adopted* — new to the session's queries, yet delivered to
//! it before (the evidence CTAR's definition, `driftless_querylog::analysis::evidence`):
//! from the most recent retrieval round, or only from earlier ones.
use std::collections::{BTreeMap, BTreeSet};

use driftless_querylog::analysis::{
    EvidenceSource, FastHashSet, Reformulation, TermId, delivered_terms, is_answered, token_set,
};
use driftless_querylog::{LoggedResult, Session, SessionKind};

/// One row of the session list.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    /// The session id (`<client>|hint:<x-session-id>` or `<client>|gap:<n>`).
    pub id: String,
    /// The client, as stored.
    pub client: String,
    /// `x-session-id` or inactivity gap.
    pub kind: SessionKind,
    /// First and last step, Unix ms.
    pub start_ms: i64,
    /// Last step, Unix ms.
    pub end_ms: i64,
    /// Search-like requests (those with a query).
    pub searches: usize,
    /// Fetches.
    pub fetches: usize,
    /// The first query, for recognising the session.
    pub first_query: String,
    /// Its intent label, when a model's cached labels were asked for.
    pub intent: Option<String>,
}

impl SessionSummary {
    /// The summary of `s`.
    pub fn of(s: &Session, intent: Option<String>) -> Self {
        let searches = s.records.iter().filter(|r| r.query.is_some()).count();
        Self {
            id: s.id.clone(),
            client: s.client.clone(),
            kind: s.kind,
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            searches,
            fetches: s.records.len() - searches,
            first_query: s
                .records
                .iter()
                .find_map(|r| r.query.clone())
                .unwrap_or_default(),
            intent,
        }
    }
}

/// Where an adopted word's term had been delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adoption {
    /// New to the session's queries, and delivered by the most recent retrieval round.
    Recent,
    /// New, and delivered only by earlier rounds.
    Earlier,
    /// New, and never delivered before: the agent's own word.
    New,
    /// Already in an earlier query of the session.
    Repeated,
    /// No term (an operator, a stop word).
    None,
}

/// One step of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineStep {
    /// 1-based position in the session (searches and fetches alike).
    pub position: usize,
    /// Milliseconds since the session's first step.
    pub at_ms: i64,
    /// Endpoint that answered.
    pub endpoint: String,
    /// HTTP status.
    pub status: u16,
    /// The query words with their adoption, for a search.
    pub words: Vec<(String, Adoption)>,
    /// Reformulation class against the previous query (lexical rules), from the second query.
    pub reformulation: Option<&'static str>,
    /// The reformulation type an LLM gave it (`logs annotate`), when labels were asked for.
    pub llm_reformulation: Option<String>,
    /// Results as the client saw them.
    pub results: Vec<LoggedResult>,
    /// The document a fetch returned, and the window asked for.
    pub fetched: Option<(String, u64)>,
    /// Whether the texts this step delivered could be rebuilt from the served snapshot.
    pub texts_rebuilt: bool,
}

/// A session's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The session's summary.
    pub summary: SessionSummary,
    /// Its steps in order.
    pub steps: Vec<TimelineStep>,
    /// Which evidence the adoption marks saw (`delivered` or `titles_snippets`).
    pub evidence: &'static str,
}

/// The timeline of `s`; `source` analyses terms and rebuilds delivered texts; `llm_labels`
/// are cached reformulation labels by query step (`reformulation_labels`).
pub fn timeline(
    s: &Session,
    intent: Option<String>,
    llm_labels: &BTreeMap<usize, String>,
    source: &mut dyn EvidenceSource,
) -> Timeline {
    let mut query_step = 0;
    let (mut recent, mut earlier) = (FastHashSet::default(), FastHashSet::default());
    let mut queries_seen: FastHashSet<TermId> = FastHashSet::default();
    let mut previous_tokens: Option<BTreeSet<String>> = None;
    let mut steps = Vec::with_capacity(s.records.len());
    for (i, record) in s.records.iter().enumerate() {
        let answered = is_answered(record);
        let mut words = Vec::new();
        let mut reformulation = None;
        let mut llm_reformulation = None;
        if let Some(query) = &record.query {
            if answered {
                query_step += 1;
                llm_reformulation = llm_labels.get(&query_step).cloned();
            }
            let mut step_terms = Vec::new();
            for word in query.split_whitespace() {
                let terms = source.query_terms(word);
                let adoption = if terms.is_empty() {
                    Adoption::None
                } else if terms.iter().all(|t| queries_seen.contains(t)) {
                    Adoption::Repeated
                } else if terms
                    .iter()
                    .any(|t| !queries_seen.contains(t) && recent.contains(t))
                {
                    Adoption::Recent
                } else if terms
                    .iter()
                    .any(|t| !queries_seen.contains(t) && earlier.contains(t))
                {
                    Adoption::Earlier
                } else {
                    Adoption::New
                };
                step_terms.extend(terms);
                words.push((word.to_string(), adoption));
            }
            let tokens = token_set(query);
            reformulation = previous_tokens
                .replace(tokens.clone())
                .map(|previous| Reformulation::classify(&previous, &tokens).as_str());
            if answered {
                queries_seen.extend(step_terms);
            }
        }
        let mut missing = 0;
        if answered {
            // A search closes the previous retrieval round; a fetch adds to it.
            let delivered = delivered_terms(&[record], source, &mut missing);
            if record.query.is_some() {
                earlier.extend(std::mem::replace(&mut recent, delivered));
            } else {
                recent.extend(delivered);
            }
        }
        steps.push(TimelineStep {
            position: i + 1,
            at_ms: record.ts_ms - s.start_ms,
            endpoint: record.endpoint.clone(),
            status: record.status,
            words,
            reformulation,
            llm_reformulation,
            results: record.results.clone(),
            fetched: record.fetched_doc_id.clone().map(|doc| {
                (
                    doc,
                    record
                        .params
                        .get("offset")
                        .and_then(|o| o.as_u64())
                        .unwrap_or(0),
                )
            }),
            texts_rebuilt: missing == 0,
        });
    }
    Timeline {
        summary: SessionSummary::of(s, intent),
        steps,
        evidence: source.evidence_kind(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SnapshotEvidence;
    use driftless_querylog::{DEFAULT_SESSION_GAP, LogRecord, sessionize};
    use serde_json::json;

    fn search(ts: i64, q: &str, titles: &[&str]) -> LogRecord {
        let results: Vec<_> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"doc_id": format!("d{i}"), "score": 1.0, "title": t, "snippet": ""}))
            .collect();
        serde_json::from_value(json!({
            "ts_ms": ts, "client": "c", "session_hint": "s", "endpoint": "/v1/search",
            "query": q, "request_id": format!("r{ts}"), "results": results,
        }))
        .expect("a record")
    }

    #[test]
    fn words_are_marked_by_where_their_terms_were_delivered() {
        let records = vec![
            search(1_000, "postgres index", &["Vacuuming tables"]),
            search(2_000, "index locking", &["Concurrent builds"]),
            // "vacuum" came with step 1 only, "concurrent" with step 2 (the last retrieval),
            // "index" was asked before, "bloat" was never delivered.
            search(3_000, "vacuum concurrently index bloat site:x.org", &[]),
        ];
        let sessions = sessionize(&records, DEFAULT_SESSION_GAP);
        let mut evidence = SnapshotEvidence::new(None);
        let t = timeline(&sessions[0], None, &BTreeMap::new(), &mut evidence);
        assert_eq!(t.evidence, "titles_snippets");
        let marks: Vec<(&str, Adoption)> = t.steps[2]
            .words
            .iter()
            .map(|(w, a)| (w.as_str(), *a))
            .collect();
        assert_eq!(
            marks,
            vec![
                ("vacuum", Adoption::Earlier),
                ("concurrently", Adoption::Recent),
                ("index", Adoption::Repeated),
                ("bloat", Adoption::New),
                ("site:x.org", Adoption::None),
            ]
        );
        assert_eq!(t.steps[1].reformulation, Some("other"));
        assert_eq!(t.steps[0].reformulation, None);
        assert_eq!(t.summary.searches, 3);
    }
}
