//! Repetition and CTAR split by session intent (the labels of `driftless logs annotate`),
//! as "Agentic Search in the Wild" reports them per intent (repetition rises over time for
//! fact-seeking sessions).
use std::collections::BTreeMap;

use serde::Serialize;

use super::evidence::{EvidenceSource, EvidenceTally};
use super::steps::StepTally;
use crate::session::Session;

/// Label of trajectories the cache has no intent for.
pub const UNLABELLED: &str = "unlabelled";

/// The metrics of the trajectories of one intent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentRow {
    /// The intent label, or [`UNLABELLED`].
    pub intent: String,
    /// Trajectories with that intent.
    pub sessions: u64,
    /// Exact repetition rate over query steps ≥ 2.
    pub exact_repetition: Option<f64>,
    /// Near-duplicate rate over query steps ≥ 2.
    pub near_repetition: Option<f64>,
    /// Exact repetition rate per query step (step 1 first).
    pub exact_repetition_by_step: Vec<Option<f64>>,
    /// Lexical CTAR (titles and snippets, exact tokens), steps ≥ 2.
    pub ctar: Option<f64>,
    /// Evidence CTAR, steps ≥ 2, when an evidence source was given.
    pub ctar_evidence: Option<f64>,
}

/// Groups `sessions` by `intents` (trajectory id → label) and computes each group's metrics.
pub fn by_intent(
    sessions: &[Session],
    intents: &BTreeMap<String, String>,
    mut evidence: Option<&mut dyn EvidenceSource>,
) -> Vec<IntentRow> {
    let mut groups = BTreeMap::new();
    for session in sessions {
        let label = intents.get(&session.id).cloned();
        IntentTally::add(&mut groups, label, session, evidence.as_deref_mut());
    }
    IntentTally::rows(groups)
}

/// The tallies of the trajectories of one intent.
#[derive(Debug, Default)]
pub struct IntentTally {
    sessions: u64,
    steps: StepTally,
    evidence: Option<EvidenceTally>,
}

impl IntentTally {
    /// Adds trajectory `session` to the group of `label` (`None`: [`UNLABELLED`]).
    pub fn add<'o>(
        groups: &mut BTreeMap<String, IntentTally>,
        label: Option<String>,
        session: &Session,
        evidence: Option<&mut (dyn EvidenceSource + 'o)>,
    ) {
        let label = label.unwrap_or_else(|| UNLABELLED.to_string());
        let group = groups.entry(label).or_default();
        group.sessions += 1;
        group.steps.add_without_row(session);
        if let Some(source) = evidence {
            group
                .evidence
                .get_or_insert_with(EvidenceTally::default)
                .add(session, source);
        }
    }

    /// Gives each group the evidence tally computed apart (on the evidence thread).
    pub(crate) fn set_evidence(
        groups: &mut BTreeMap<String, IntentTally>,
        evidence: BTreeMap<String, EvidenceTally>,
    ) {
        for (label, tally) in evidence {
            groups.entry(label).or_default().evidence = Some(tally);
        }
    }

    /// One row per intent, in label order.
    pub fn rows(groups: BTreeMap<String, IntentTally>) -> Vec<IntentRow> {
        groups
            .into_iter()
            .map(|(intent, group)| {
                let (repetition, _, ctar) = group.steps.finish();
                IntentRow {
                    intent,
                    sessions: group.sessions,
                    exact_repetition: repetition.exact_rate,
                    near_repetition: repetition.near_rate,
                    exact_repetition_by_step: repetition
                        .by_step
                        .iter()
                        .map(|s| s.exact_rate)
                        .collect(),
                    ctar: ctar.overall,
                    ctar_evidence: group.evidence.and_then(|e| e.finish("").overall),
                }
            })
            .collect()
    }
}
