//! Per-step query metrics: repetition, reformulation type and CTAR.
//!
//! "Step n" here is the n-th answered *request with a query* of a trajectory (fetches are
//! steps of the session but not query steps; the queries of one multi-query request share a
//! step, and refused requests are none), counted from 1 in canonical order.
use super::FastHashSet;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::stats::{mean, ratio};
use super::text::{NEAR_DUPLICATE_JACCARD, Reformulation, jaccard, normalize, token_set, tokens};
use super::trajectory::{answered, request_groups};
use crate::session::Session;

/// Repetition at one query step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepetitionStep {
    /// Query step (1-based).
    pub step: usize,
    /// Queries at this step.
    pub queries: u64,
    /// Queries whose normal form equals that of an earlier query of the same session.
    pub exact: u64,
    /// Queries whose token set has Jaccard ≥ 0.8 with an earlier query's (exact ones included).
    pub near: u64,
    /// `exact / queries`.
    pub exact_rate: Option<f64>,
    /// `near / queries`.
    pub near_rate: Option<f64>,
}

/// Exact and near-duplicate repetition within sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepetitionReport {
    /// One row per query step that occurs.
    pub by_step: Vec<RepetitionStep>,
    /// Rates over all queries at step ≥ 2 (step 1 cannot repeat anything).
    pub exact_rate: Option<f64>,
    /// Near-duplicate rate over all queries at step ≥ 2.
    pub near_rate: Option<f64>,
}

/// Reformulation classes at one query step (≥ 2), vs the session's previous query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReformulationStep {
    /// Query step (≥ 2).
    pub step: usize,
    /// Count per class (every class present, possibly 0).
    pub counts: BTreeMap<Reformulation, u64>,
}

/// Reformulation types (see [`Reformulation::classify`] for the exact rules).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReformulationReport {
    /// One row per query step ≥ 2 that occurs.
    pub by_step: Vec<ReformulationStep>,
    /// Totals over all steps.
    pub totals: BTreeMap<Reformulation, u64>,
}

/// CTAR at one query step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CtarStep {
    /// Query step (1-based).
    pub step: usize,
    /// Queries at this step that introduced at least one new term.
    pub queries: u64,
    /// Newly introduced terms, summed.
    pub new_terms: u64,
    /// Of those, terms found in earlier results' titles and snippets.
    pub adopted_terms: u64,
    /// `adopted_terms / new_terms` (micro average); `None` with no new terms.
    pub ctar: Option<f64>,
}

/// CTAR of one session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionCtar {
    /// Session id.
    pub session_id: String,
    /// The session's client, for display (session ids start with it; not serialised,
    /// since the id already holds it).
    #[serde(skip)]
    pub client: String,
    /// New terms at query steps ≥ 2.
    pub new_terms: u64,
    /// Adopted terms at query steps ≥ 2.
    pub adopted_terms: u64,
    /// `adopted_terms / new_terms`; `None` when the session never introduced a term after
    /// its first query.
    pub ctar: Option<f64>,
}

/// CTAR (context term adoption rate).
///
/// For a query at step n, its **new terms** are its distinct tokens that no earlier query of
/// the session contained; a new term is **adopted** when it occurs, as an exact token, in the
/// title or snippet of any result returned by an earlier step of the session (any endpoint).
/// CTAR = adopted / new. Step 1 has seen no results, so its CTAR is 0 by construction: it is
/// listed per step but left out of session CTARs and of `overall`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CtarReport {
    /// One row per query step that occurs.
    pub by_step: Vec<CtarStep>,
    /// One row per session (in session order).
    pub by_session: Vec<SessionCtar>,
    /// Micro average over query steps ≥ 2 of all sessions.
    pub overall: Option<f64>,
    /// Mean of the defined session CTARs (macro average; summed in ascending order, so
    /// the value does not depend on the order sessions were analysed in).
    pub session_mean: Option<f64>,
}

/// Computes repetition, reformulation and CTAR over `sessions`.
pub fn step_metrics(sessions: &[Session]) -> (RepetitionReport, ReformulationReport, CtarReport) {
    let mut tally = StepTally::default();
    sessions.iter().for_each(|s| tally.add(s));
    tally.finish()
}

/// Repetition, reformulation and CTAR, one session at a time.
#[derive(Debug, Default)]
pub struct StepTally {
    /// step → (queries, exact, near)
    rep: BTreeMap<usize, (u64, u64, u64)>,
    refo: BTreeMap<usize, BTreeMap<Reformulation, u64>>,
    /// step → (queries with new terms, new, adopted)
    ctar: BTreeMap<usize, (u64, u64, u64)>,
    /// Per session, with its start for the report's `(start_ms, id)` order.
    by_session: Vec<(i64, SessionCtar)>,
}

impl StepTally {
    /// Walks one session (trajectory) and lists its CTAR in `by_session`.
    pub fn add(&mut self, session: &Session) {
        let row = self.walk(session);
        self.by_session.push((session.start_ms, row));
    }

    /// Walks one session without listing it (the per-intent groups need only the rates).
    pub fn add_without_row(&mut self, session: &Session) {
        self.walk(session);
    }

    fn walk(&mut self, session: &Session) -> SessionCtar {
        // Result tokens borrow from the session's records where lowercasing changes nothing.
        let mut earlier_norms: FastHashSet<String> = FastHashSet::default();
        let mut earlier_sets: Vec<BTreeSet<String>> = Vec::new();
        let mut query_vocab: FastHashSet<String> = FastHashSet::default();
        let mut seen_vocab: FastHashSet<Cow<'_, str>> = FastHashSet::default();
        let (mut s_new, mut s_adopted) = (0u64, 0u64);
        let mut query_requests = 0usize;

        // One request is one step: what a multi-query request returned, and its other
        // queries, become "earlier" only once the whole request is done (trajectory.rs).
        let answered = answered(&session.records);
        for group in request_groups(&answered) {
            let step = query_requests + 1;
            let mut group_sets = Vec::new();
            for record in group {
                let Some(query) = &record.query else { continue };
                let tokens = token_set(query);
                let norm = normalize(query);

                let row = self.rep.entry(step).or_default();
                row.0 += 1;
                row.1 += u64::from(earlier_norms.contains(&norm));
                row.2 += u64::from(
                    earlier_sets
                        .iter()
                        .any(|e| jaccard(e, &tokens) >= NEAR_DUPLICATE_JACCARD),
                );

                if let Some(previous) = earlier_sets.last() {
                    let class = Reformulation::classify(previous, &tokens);
                    *self.refo.entry(step).or_default().entry(class).or_insert(0) += 1;
                }

                let new: Vec<&String> = tokens
                    .iter()
                    .filter(|t| !query_vocab.contains(*t))
                    .collect();
                let adopted = new
                    .iter()
                    .filter(|t| seen_vocab.contains(t.as_str()))
                    .count() as u64;
                let new_count = new.len() as u64;
                if new_count > 0 {
                    let row = self.ctar.entry(step).or_default();
                    row.0 += 1;
                    row.1 += new_count;
                    row.2 += adopted;
                } else {
                    self.ctar.entry(step).or_default();
                }
                if step >= 2 {
                    s_new += new_count;
                    s_adopted += adopted;
                }
                group_sets.push((norm, tokens));
            }
            query_requests += usize::from(!group_sets.is_empty());
            for (norm, tokens) in group_sets {
                query_vocab.extend(tokens.iter().cloned());
                earlier_norms.insert(norm);
                earlier_sets.push(tokens);
            }
            // Results become "seen" only after the request that returned them.
            for result in group.iter().flat_map(|r| &r.results) {
                seen_vocab.extend(tokens(&result.title));
                seen_vocab.extend(tokens(&result.snippet));
            }
        }
        SessionCtar {
            session_id: session.id.clone(),
            client: session.client.clone(),
            new_terms: s_new,
            adopted_terms: s_adopted,
            ctar: ratio(s_adopted, s_new),
        }
    }

    /// The three reports; sessions listed in `(start_ms, id)` order.
    pub fn finish(self) -> (RepetitionReport, ReformulationReport, CtarReport) {
        let Self {
            rep,
            refo,
            ctar,
            mut by_session,
        } = self;
        by_session.sort_by(|a, b| (a.0, &a.1.session_id).cmp(&(b.0, &b.1.session_id)));
        let by_session: Vec<SessionCtar> = by_session.into_iter().map(|(_, row)| row).collect();

        let later = rep.iter().filter(|(step, _)| **step >= 2);
        let (q2, e2, n2) = later.fold((0, 0, 0), |a, (_, r)| (a.0 + r.0, a.1 + r.1, a.2 + r.2));
        let repetition = RepetitionReport {
            by_step: rep
                .into_iter()
                .map(|(step, (queries, exact, near))| RepetitionStep {
                    step,
                    queries,
                    exact,
                    near,
                    exact_rate: ratio(exact, queries),
                    near_rate: ratio(near, queries),
                })
                .collect(),
            exact_rate: ratio(e2, q2),
            near_rate: ratio(n2, q2),
        };

        let zeroed = || {
            Reformulation::ALL
                .iter()
                .map(|c| (*c, 0))
                .collect::<BTreeMap<_, _>>()
        };
        let mut totals = zeroed();
        let reformulation = ReformulationReport {
            by_step: refo
                .into_iter()
                .map(|(step, counts)| {
                    let mut full = zeroed();
                    for (class, n) in counts {
                        full.insert(class, n);
                        *totals.entry(class).or_insert(0) += n;
                    }
                    ReformulationStep { step, counts: full }
                })
                .collect(),
            totals,
        };

        let (all_new, all_adopted) = ctar
            .iter()
            .filter(|(step, _)| **step >= 2)
            .fold((0, 0), |a, (_, r)| (a.0 + r.1, a.1 + r.2));
        let rates: Vec<f64> = by_session.iter().filter_map(|s| s.ctar).collect();
        let ctar = CtarReport {
            by_step: ctar
                .into_iter()
                .map(|(step, (queries, new_terms, adopted_terms))| CtarStep {
                    step,
                    queries,
                    new_terms,
                    adopted_terms,
                    ctar: ratio(adopted_terms, new_terms),
                })
                .collect(),
            by_session,
            overall: ratio(all_adopted, all_new),
            session_mean: mean(rates),
        };
        (repetition, reformulation, ctar)
    }
}
