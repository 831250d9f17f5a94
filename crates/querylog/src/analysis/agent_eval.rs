//! Agent-level evaluation (`driftless logs evaluate`), as BrowseComp-Plus scores agents: per
//! topic, the search and fetch calls, whether and at which step each gold document was
//! retrieved and fetched, evidence recall; joined with the agent's answers, accuracy by
//! number of search calls and the precision and recall of its citations.
//!
//! A topic's requests are the records whose `x-session-id` is the topic id (the agent runs
//! one session per topic). A result id `doc#n` (a passage) counts as its document.
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::stats::ratio;
use super::trajectory::{answered, request_groups};
use crate::record::LogRecord;

/// Judgements: topic → document → relevance (> 0 is gold), as TREC qrels.
pub type Judgements = BTreeMap<String, BTreeMap<String, i32>>;

/// One line of an answers file: `{"topic_id": …, "correct": …, "cited_docids": […]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Answer {
    /// The topic answered.
    pub topic_id: String,
    /// Whether the final answer was judged correct.
    pub correct: bool,
    /// Documents the answer cites.
    #[serde(default)]
    pub cited_docids: Vec<String>,
}

/// Where one gold document turned up in a topic's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoldDoc {
    /// Document id.
    pub doc_id: String,
    /// First search step (1-based) whose results held it.
    pub retrieved_at: Option<usize>,
    /// First step (1-based, searches and fetches counted) that fetched it.
    pub fetched_at: Option<usize>,
}

/// One topic's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicEval {
    /// Topic id (= session id).
    pub topic_id: String,
    /// Search steps (a multi-query request is one).
    pub search_calls: u64,
    /// Fetches.
    pub fetch_calls: u64,
    /// The gold documents, in id order.
    pub gold: Vec<GoldDoc>,
    /// Gold documents retrieved or fetched / gold documents.
    pub evidence_recall: Option<f64>,
    /// From the answers file: whether the answer was correct.
    pub correct: Option<bool>,
    /// Cited gold documents / cited documents.
    pub citation_precision: Option<f64>,
    /// Cited gold documents / gold documents.
    pub citation_recall: Option<f64>,
}

/// Accuracy of the topics that made a given number of search calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyByCalls {
    /// Search calls: `1`, `2`, `3`, `4-5`, `6-10`, `>10` (or `0`).
    pub calls: &'static str,
    /// Topics with an answer in the bucket.
    pub topics: u64,
    /// Correct answers / topics.
    pub accuracy: Option<f64>,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentEvalReport {
    /// Judged topics.
    pub topics: u64,
    /// Judged topics with at least one logged request.
    pub topics_with_requests: u64,
    /// Mean search calls over topics with requests.
    pub mean_search_calls: Option<f64>,
    /// Mean fetch calls over topics with requests.
    pub mean_fetch_calls: Option<f64>,
    /// Mean evidence recall over judged topics (a topic without requests scores 0).
    pub evidence_recall: Option<f64>,
    /// Correct answers / answered topics.
    pub accuracy: Option<f64>,
    /// Accuracy per search-call bucket.
    pub accuracy_by_calls: Vec<AccuracyByCalls>,
    /// Mean citation precision over answers citing something.
    pub citation_precision: Option<f64>,
    /// Mean citation recall over answered topics.
    pub citation_recall: Option<f64>,
    /// Per topic, in topic order.
    pub by_topic: Vec<TopicEval>,
}

const BUCKETS: [(&str, u64, u64); 7] = [
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4-5", 4, 5),
    ("6-10", 6, 10),
    (">10", 11, u64::MAX),
];

/// The document a result id names (`doc#3` → `doc`).
fn document(id: &str) -> &str {
    match id.rsplit_once('#') {
        Some((doc, ordinal)) if ordinal.parse::<u32>().is_ok() => doc,
        _ => id,
    }
}

/// Evaluates every judged topic against the records whose session id is the topic id.
pub fn evaluate_agents(
    records: &[LogRecord],
    judgements: &Judgements,
    answers: &[Answer],
) -> AgentEvalReport {
    let mut by_session: BTreeMap<&str, Vec<LogRecord>> = BTreeMap::new();
    for record in records {
        if let Some(topic) = record.session_hint.as_deref() {
            by_session.entry(topic).or_default().push(record.clone());
        }
    }
    let answers: BTreeMap<&str, &Answer> =
        answers.iter().map(|a| (a.topic_id.as_str(), a)).collect();
    let by_topic: Vec<TopicEval> = judgements
        .iter()
        .map(|(topic, docs)| {
            let gold: BTreeSet<&str> = docs
                .iter()
                .filter(|(_, rel)| **rel > 0)
                .map(|(d, _)| d.as_str())
                .collect();
            let mut records = by_session.remove(topic.as_str()).unwrap_or_default();
            records.sort_by(|a, b| (a.ts_ms, &a.request_id).cmp(&(b.ts_ms, &b.request_id)));
            topic_eval(topic, &records, &gold, answers.get(topic.as_str()).copied())
        })
        .collect();
    summarise(by_topic)
}

fn topic_eval(
    topic: &str,
    records: &[LogRecord],
    gold: &BTreeSet<&str>,
    answer: Option<&Answer>,
) -> TopicEval {
    let mut docs: BTreeMap<&str, GoldDoc> = gold
        .iter()
        .map(|d| {
            (
                *d,
                GoldDoc {
                    doc_id: (*d).to_string(),
                    retrieved_at: None,
                    fetched_at: None,
                },
            )
        })
        .collect();
    let (mut searches, mut fetches, mut step) = (0u64, 0u64, 0usize);
    for group in request_groups(&answered(records)) {
        step += 1;
        if group.iter().any(|r| r.query.is_some()) {
            searches += 1;
            for hit in group.iter().flat_map(|r| &r.results) {
                if let Some(doc) = docs.get_mut(document(&hit.doc_id)) {
                    doc.retrieved_at.get_or_insert(searches as usize);
                }
            }
        } else {
            for record in group {
                fetches += 1;
                let fetched = record.fetched_doc_id.as_deref().map(document);
                if let Some(doc) = fetched.and_then(|d| docs.get_mut(d)) {
                    doc.fetched_at.get_or_insert(step);
                }
            }
        }
    }
    let found = docs
        .values()
        .filter(|d| d.retrieved_at.is_some() || d.fetched_at.is_some());
    let evidence_recall = ratio(found.count() as u64, gold.len() as u64);
    let cited: BTreeSet<&str> = answer
        .map(|a| a.cited_docids.iter().map(|d| document(d)).collect())
        .unwrap_or_default();
    let hits = cited.intersection(gold).count() as u64;
    TopicEval {
        topic_id: topic.to_string(),
        search_calls: searches,
        fetch_calls: fetches,
        gold: docs.into_values().collect(),
        evidence_recall,
        correct: answer.map(|a| a.correct),
        citation_precision: answer.and_then(|_| ratio(hits, cited.len() as u64)),
        citation_recall: answer.and_then(|_| ratio(hits, gold.len() as u64)),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn summarise(by_topic: Vec<TopicEval>) -> AgentEvalReport {
    let active: Vec<&TopicEval> = by_topic
        .iter()
        .filter(|t| t.search_calls + t.fetch_calls > 0)
        .collect();
    let answered: Vec<&TopicEval> = by_topic.iter().filter(|t| t.correct.is_some()).collect();
    let correct = |list: &[&TopicEval]| list.iter().filter(|t| t.correct == Some(true)).count();
    let accuracy_by_calls = BUCKETS
        .iter()
        .map(|&(calls, low, high)| {
            let inside: Vec<&TopicEval> = answered
                .iter()
                .copied()
                .filter(|t| (low..=high).contains(&t.search_calls))
                .collect();
            AccuracyByCalls {
                calls,
                topics: inside.len() as u64,
                accuracy: ratio(correct(&inside) as u64, inside.len() as u64),
            }
        })
        .collect();
    AgentEvalReport {
        topics: by_topic.len() as u64,
        topics_with_requests: active.len() as u64,
        mean_search_calls: mean(active.iter().map(|t| t.search_calls as f64)),
        mean_fetch_calls: mean(active.iter().map(|t| t.fetch_calls as f64)),
        evidence_recall: mean(by_topic.iter().filter_map(|t| t.evidence_recall)),
        accuracy: ratio(correct(&answered) as u64, answered.len() as u64),
        accuracy_by_calls,
        citation_precision: mean(answered.iter().filter_map(|t| t.citation_precision)),
        citation_recall: mean(answered.iter().filter_map(|t| t.citation_recall)),
        by_topic,
    }
}
