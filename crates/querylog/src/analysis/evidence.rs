//! CTAR as "Agentic Search in the Wild" defines it: the share of a query's newly introduced
//! terms that appear in the *evidence context* accumulated before it, split into what the
//! most recent retrieval delivered and what only earlier steps did.
//!
//! Differences from the lexical `ctar` section (which stays, as the snippet-only variant):
//! - **evidence** is everything delivered to the session before the step: titles and
//!   snippets, and — when an [`EvidenceSource`] can rebuild them from the snapshot — the
//!   passage texts `/retrieve` returned, Tavily's raw content and every fetched window;
//! - **terms** are the engine's: operators out, stop words out, stems compared
//!   ([`EvidenceSource::query_terms`], [`EvidenceSource::terms`]);
//! - **recent vs earlier**: an adopted term is *recent* when the evidence delivered since
//!   the previous query step (that step's results, and any fetch after it) holds it, else
//!   it came from *earlier steps only*.
//!
//! A query's **new terms** are its terms that no earlier query of the trajectory had. Step 1
//! has no evidence, so only steps ≥ 2 enter `overall` and the session CTARs.
use super::{FastHashMap, FastHashSet};
use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::{mean, ratio};
use super::trajectory::{answered, request_groups};
use crate::record::LogRecord;
use crate::session::Session;

/// A term as an [`EvidenceSource`] numbers it. Ids are only compared, never shown, so a
/// source interns terms as it likes (within one source, one term always has one id); sets
/// of ids hash and compare far faster than sets of strings, which made the 14M-request pass
/// spend half its time hashing, comparing and cloning terms.
pub type TermId = u32;

/// Where the evidence CTAR gets its terms and delivered texts (the CLI implements it with a
/// snapshot and the BM25 analyser; analysis stays free of engine code).
pub trait EvidenceSource {
    /// A query's distinct terms: the positive words and phrases, analysed (operators
    /// dropped).
    fn query_terms(&mut self, query: &str) -> Vec<TermId>;
    /// Appends the terms of a delivered text (a title, snippet, passage or window) to
    /// `into` (repeats allowed). The analysis calls this for every title and snippet of
    /// every result, so a source should cache: the same document shows the same title in
    /// many sessions.
    fn add_terms(&mut self, text: &str, into: &mut Vec<TermId>);
    /// The texts `record` delivered beyond its logged titles and snippets (passage texts,
    /// raw content, a fetched window); `None` when they cannot be rebuilt (another
    /// snapshot answered), `Some(empty)` when the response had nothing more.
    fn delivered_texts(&mut self, record: &LogRecord) -> Option<Vec<String>>;
    /// Which evidence this source sees, for the report: `"delivered"` or
    /// `"titles_snippets"`.
    fn evidence_kind(&self) -> &'static str;
}

/// Evidence CTAR at one query step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceCtarStep {
    /// Query step (1-based).
    pub step: usize,
    /// Queries at this step.
    pub queries: u64,
    /// New terms, summed over the step's queries.
    pub new_terms: u64,
    /// New terms found in the evidence context.
    pub adopted_terms: u64,
    /// Adopted terms the most recent retrieval delivered.
    pub adopted_recent: u64,
    /// Adopted terms only earlier steps delivered.
    pub adopted_earlier_only: u64,
    /// `adopted_terms / new_terms`.
    pub ctar: Option<f64>,
}

/// The evidence CTAR report (`ctar_evidence` in `logs analyse`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceCtarReport {
    /// `"delivered"` (texts rebuilt from the snapshot) or `"titles_snippets"`.
    pub evidence: &'static str,
    /// One row per query step that occurs.
    pub by_step: Vec<EvidenceCtarStep>,
    /// Adopted / new over steps ≥ 2 (micro average).
    pub overall: Option<f64>,
    /// Mean of the defined per-trajectory CTARs (macro average).
    pub session_mean: Option<f64>,
    /// Of the adopted terms at steps ≥ 2, the share only earlier steps delivered (the
    /// paper's "contributions from earlier steps beyond the most recent retrieval").
    pub earlier_share: Option<f64>,
    /// Records whose delivered texts could not be rebuilt (their titles and snippets still
    /// count).
    pub records_without_texts: u64,
}

#[derive(Debug, Default)]
struct Tally {
    queries: u64,
    new: u64,
    adopted: u64,
    recent: u64,
}

/// Computes the evidence CTAR over trajectories.
pub fn evidence_ctar(sessions: &[Session], source: &mut dyn EvidenceSource) -> EvidenceCtarReport {
    let mut tally = EvidenceTally::default();
    sessions.iter().for_each(|s| tally.add(s, source));
    tally.finish(source.evidence_kind())
}

/// The evidence CTAR, one trajectory at a time.
#[derive(Debug, Default)]
pub struct EvidenceTally {
    steps: BTreeMap<usize, Tally>,
    session_rates: Vec<f64>,
    missing: u64,
}

impl EvidenceTally {
    /// Walks one trajectory.
    pub fn add(&mut self, session: &Session, source: &mut (dyn EvidenceSource + '_)) {
        let answered = answered(&session.records);
        let mut queries_seen: FastHashSet<TermId> = FastHashSet::default();
        // Every delivered term with the latest retrieval round that delivered it. A query
        // step opens a round (a fetch adds to the current one), so a term is *recent* when
        // its round is the current one and *earlier only* when it is older: one map where
        // two sets had every round moved from one into the other.
        let mut delivered: FastHashMap<TermId, u32> = FastHashMap::default();
        let mut round = 0u32;
        let mut texts = Vec::new();
        let (mut s_new, mut s_adopted, mut step) = (0u64, 0u64, 0usize);
        for group in request_groups(&answered) {
            let mut group_terms = Vec::new();
            if group.iter().any(|r| r.query.is_some()) {
                step += 1;
            }
            for query in group.iter().filter_map(|r| r.query.as_deref()) {
                let terms = source.query_terms(query);
                let tally = self.steps.entry(step).or_default();
                tally.queries += 1;
                let mut new = 0u64;
                for term in terms.iter().filter(|t| !queries_seen.contains(*t)) {
                    new += 1;
                    if let Some(&at) = delivered.get(term) {
                        tally.adopted += 1;
                        tally.recent += u64::from(at == round);
                        s_adopted += u64::from(step >= 2);
                    }
                }
                tally.new += new;
                s_new += if step >= 2 { new } else { 0 };
                group_terms.push(terms);
            }
            if !group_terms.is_empty() {
                round += 1;
                queries_seen.extend(group_terms.into_iter().flatten());
            }
            texts.clear();
            delivered_into(group, source, &mut self.missing, &mut texts);
            delivered.extend(texts.iter().map(|&t| (t, round)));
        }
        if let Some(rate) = ratio(s_adopted, s_new) {
            self.session_rates.push(rate);
        }
    }

    /// The report; `evidence` names what the source saw.
    pub fn finish(self, evidence: &'static str) -> EvidenceCtarReport {
        report(self.steps, self.session_rates, self.missing, evidence)
    }
}

/// Every term a group of records delivered: titles, snippets and rebuilt texts; `missing`
/// counts the records whose texts could not be rebuilt. (The console's session timeline
/// marks adopted terms with it.)
pub fn delivered_terms(
    group: &[&LogRecord],
    source: &mut (dyn EvidenceSource + '_),
    missing: &mut u64,
) -> FastHashSet<TermId> {
    let mut terms = Vec::new();
    delivered_into(group, source, missing, &mut terms);
    terms.into_iter().collect()
}

/// [`delivered_terms`] appended to `out`, repeats and all.
fn delivered_into(
    group: &[&LogRecord],
    source: &mut (dyn EvidenceSource + '_),
    missing: &mut u64,
    out: &mut Vec<TermId>,
) {
    for record in group {
        for result in &record.results {
            source.add_terms(&result.title, out);
            source.add_terms(&result.snippet, out);
        }
        match source.delivered_texts(record) {
            Some(texts) => texts.iter().for_each(|t| source.add_terms(t, out)),
            None => *missing += 1,
        }
    }
}

fn report(
    steps: BTreeMap<usize, Tally>,
    session_rates: Vec<f64>,
    missing: u64,
    evidence: &'static str,
) -> EvidenceCtarReport {
    let later = steps.iter().filter(|(step, _)| **step >= 2);
    let (new, adopted, recent) = later.fold((0, 0, 0), |a, (_, t)| {
        (a.0 + t.new, a.1 + t.adopted, a.2 + t.recent)
    });
    EvidenceCtarReport {
        evidence,
        by_step: steps
            .into_iter()
            .map(|(step, t)| EvidenceCtarStep {
                step,
                queries: t.queries,
                new_terms: t.new,
                adopted_terms: t.adopted,
                adopted_recent: t.recent,
                adopted_earlier_only: t.adopted - t.recent,
                ctar: ratio(t.adopted, t.new),
            })
            .collect(),
        overall: ratio(adopted, new),
        session_mean: mean(session_rates),
        earlier_share: ratio(adopted - recent, adopted),
        records_without_texts: missing,
    }
}
