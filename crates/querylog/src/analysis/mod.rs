//! Analysis of logged traffic: pure functions from records (or sessions) to serde
//! reports. Nothing here reads a clock, a store or a random source, so a report is a
//! function of the rows and the configuration alone.
//!
//! Definitions used throughout:
//! - **token**: a maximal run of Unicode alphanumeric characters, lowercased ([`tokenize`]);
//! - **normal form** of a query: its tokens joined by single spaces ([`normalize`]);
//! - **trajectory**: a session, except that each query of a multi-query request without
//!   `x-session-id` is a trajectory of its own ([`trajectories`]);
//! - **query step n**: the n-th answered request with a query in a trajectory, in canonical
//!   order (the queries of one request share a step; refused requests are no step);
//! - **exact repetition**: same normal form as an earlier query of the session;
//! - **near-duplicate**: Jaccard similarity of token sets ≥ 0.8 with an earlier query of the
//!   session ([`NEAR_DUPLICATE_JACCARD`]; exact repetitions are near-duplicates too);
//! - **reformulation**: see [`Reformulation::classify`];
//! - **CTAR**: see [`CtarReport`] (logged titles and snippets, exact tokens) and
//!   [`EvidenceCtarReport`] (the paper's: everything delivered, analysed terms, recent vs
//!   earlier);
//! - **search step**: see [`SearchStepReport`] (steps and intervals over searches only);
//! - **percentiles**: nearest rank, see [`Distribution`].
use std::time::Duration;

use serde::Serialize;

use crate::record::LogRecord;
use crate::session::DEFAULT_SESSION_GAP;

mod agent_eval;
mod by_intent;
mod evidence;
mod evidence_worker;
mod requests;
mod search_steps;
mod stats;
mod steps;
mod stream;
#[cfg(test)]
mod stream_tests;
mod text;
mod top_queries;
mod traffic;
mod trajectory;
#[cfg(test)]
mod trajectory_tests;

pub use agent_eval::{
    AccuracyByCalls, AgentEvalReport, Answer, GoldDoc, Judgements, TopicEval, evaluate_agents,
};
pub use by_intent::{IntentRow, UNLABELLED, by_intent};
pub use evidence::{
    EvidenceCtarReport, EvidenceCtarStep, EvidenceSource, TermId, delivered_terms, evidence_ctar,
};
pub use requests::{EndpointReport, EndpointShare, KReport, QueryLengthReport};
pub use search_steps::{PAPER_INTERVAL_MS, PAPER_MAX_STEPS, SearchStepReport, search_steps};
pub use stats::{Counts, Distribution, IntHistogram, mean, ratio};
pub use steps::{
    CtarReport, CtarStep, ReformulationReport, ReformulationStep, RepetitionReport, RepetitionStep,
    SessionCtar, step_metrics,
};
pub use stream::{Analyser, IntentLookup};
pub use text::{
    EXPLORATION_OVERLAP, NEAR_DUPLICATE_JACCARD, Reformulation, jaccard, normalize, token_set,
    tokenize,
};
pub use top_queries::TopQuery;
pub use traffic::{INTERVAL_BOUNDS_MS, IntervalBucket, SessionReport};
pub use trajectory::{
    REFUSED_STATUS, RefusedQuery, RefusedReport, answered, is_answered, request_groups, request_of,
    trajectories,
};

/// Hash map of the analysis: foldhash with a fixed seed, much faster than the default
/// SipHash on the short strings analysed by the million, and the same in every process
/// (no report depends on iteration order anyway; everything shown is sorted).
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
/// Hash set of the analysis (see [`FastHashMap`]).
pub type FastHashSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

/// Parameters of [`analyse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisConfig {
    /// Inactivity gap for sessions without an explicit id.
    pub gap: Duration,
    /// Length of the top-queries list.
    pub top_n: usize,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            gap: DEFAULT_SESSION_GAP,
            top_n: 20,
        }
    }
}

/// Every metric at once (what `driftless logs analyse` prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Records analysed.
    pub records: u64,
    /// Distinct clients.
    pub clients: u64,
    /// The inactivity gap used, milliseconds.
    pub gap_ms: u64,
    /// Sessions and steps per session.
    pub sessions: SessionReport,
    /// Inter-step intervals, milliseconds.
    pub inter_step_ms: Distribution,
    /// Inter-step intervals bucketed (share under 1 s, 1 min, …).
    pub inter_step_buckets: Vec<IntervalBucket>,
    /// Query length.
    pub query_length: QueryLengthReport,
    /// `k` distribution.
    pub k: KReport,
    /// Repetition by step.
    pub repetition: RepetitionReport,
    /// Reformulation type by step.
    pub reformulation: ReformulationReport,
    /// CTAR by step and session (logged titles and snippets, exact tokens).
    pub ctar: CtarReport,
    /// The paper's CTAR over everything delivered, with engine terms; present when the
    /// analysis was given an [`EvidenceSource`] ([`analyse_with_evidence`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctar_evidence: Option<EvidenceCtarReport>,
    /// Steps and intervals over searches, fetches apart.
    pub search_steps: SearchStepReport,
    /// Most frequent queries (answered requests only).
    pub top_queries: Vec<TopQuery>,
    /// Requests refused with status ≥ 400, apart from the searches.
    pub refused: RefusedReport,
    /// Endpoint mix, statuses, latency percentiles.
    pub endpoints: EndpointReport,
}

/// Sessionizes `records` with `config.gap` and computes every report.
///
/// Sessions are split into trajectories first (the queries of one multi-query request are
/// parallel rollouts, see `trajectory.rs`); query metrics (length, `k`, repetition,
/// reformulation, CTAR, top queries) cover answered requests only, and refused ones are
/// reported in `refused`. Endpoints and statuses count every request. This is the
/// streaming [`Analyser`] run over the slice.
pub fn analyse(records: &[LogRecord], config: &AnalysisConfig) -> Report {
    analyse_with_evidence(records, config, None)
}

/// [`analyse`] plus the evidence CTAR when `evidence` is given.
pub fn analyse_with_evidence(
    records: &[LogRecord],
    config: &AnalysisConfig,
    evidence: Option<&mut dyn EvidenceSource>,
) -> Report {
    let mut sorted = records.to_vec();
    crate::record::sort_canonical(&mut sorted);
    let sizes = crate::session_stream::hinted_sizes(&sorted);
    let mut analyser = Analyser::new(config, Some(sizes));
    if let Some(source) = evidence {
        analyser = analyser.with_evidence(source);
    }
    sorted.into_iter().for_each(|r| analyser.push(r));
    // In memory the top-query counter never spills, so there is no I/O that could fail.
    match analyser.finish() {
        Ok((report, _)) => report,
        Err(e) => unreachable!("in-memory analysis does no I/O: {e}"),
    }
}
