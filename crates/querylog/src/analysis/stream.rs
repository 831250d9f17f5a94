//! The analysis as one pass over a log in canonical order, in memory bounded by what is
//! *open* (sessions in progress) and by distinct values, not by the length of the log.
//!
//! Records go in one at a time ([`Analyser::push`]); each updates the per-request tallies
//! and the streaming sessionizer ([`SessionStream`]); each session it closes is split into
//! trajectories, which the per-session tallies walk and then drop. [`super::analyse`] is this
//! same pass over a slice, so the store-streaming and in-memory reports cannot drift apart.
use std::collections::BTreeMap;

use super::by_intent::{IntentRow, IntentTally};
use super::evidence::{EvidenceSource, EvidenceTally};
use super::evidence_worker::EvidenceWorker;
use super::requests::RequestTally;
use super::search_steps::SearchStepTally;
use super::steps::StepTally;
use super::top_queries::TopQueryCounter;
use super::traffic::SessionTally;
use super::trajectory::{RefusedTally, is_answered, trajectories};
use super::{AnalysisConfig, Report};
use crate::record::LogRecord;
use crate::session::Session;
use crate::session_stream::{HintedSizes, SessionStream};

/// Gives a trajectory's intent label (`None`: unlabelled).
pub type IntentLookup<'a> = Box<dyn FnMut(&Session) -> Option<String> + 'a>;

/// One pass of the analysis (see the module documentation).
pub struct Analyser<'a> {
    config: AnalysisConfig,
    sessions: SessionStream,
    closed: Vec<Session>,
    requests: RequestTally,
    refused: RefusedTally,
    top: TopQueryCounter,
    traffic: SessionTally,
    steps: StepTally,
    search_steps: SearchStepTally,
    evidence: Option<(EvidenceTally, &'a mut dyn EvidenceSource)>,
    evidence_thread: Option<EvidenceWorker>,
    intents: Option<(IntentLookup<'a>, BTreeMap<String, IntentTally>)>,
}

impl std::fmt::Debug for Analyser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyser")
            .field("config", &self.config)
            .field("records", &self.requests.records())
            .field("open_sessions", &self.sessions.open_sessions())
            .finish_non_exhaustive()
    }
}

impl<'a> Analyser<'a> {
    /// An analysis with `config`. `sizes` (records per explicit session) lets explicit
    /// sessions close as soon as their last record arrives; without it they stay open to
    /// the end. Top queries stay in memory unless [`Analyser::spill_top_queries_at`].
    pub fn new(config: &AnalysisConfig, sizes: Option<HintedSizes>) -> Self {
        Self {
            config: config.clone(),
            sessions: SessionStream::new(config.gap, sizes),
            closed: Vec::new(),
            requests: RequestTally::default(),
            refused: RefusedTally::default(),
            top: TopQueryCounter::new(config.top_n, usize::MAX),
            traffic: SessionTally::default(),
            steps: StepTally::default(),
            search_steps: SearchStepTally::default(),
            evidence: None,
            evidence_thread: None,
            intents: None,
        }
    }

    /// Also computes the evidence CTAR with `source`.
    pub fn with_evidence(mut self, source: &'a mut dyn EvidenceSource) -> Self {
        self.evidence = Some((EvidenceTally::default(), source));
        self
    }

    /// Also computes the evidence CTAR with `source`, on a thread of its own (see
    /// `evidence_worker.rs`): the same report as [`Analyser::with_evidence`], on two cores.
    pub fn with_evidence_thread(
        mut self,
        source: Box<dyn EvidenceSource + Send>,
    ) -> std::io::Result<Self> {
        self.evidence_thread = Some(EvidenceWorker::spawn(source)?);
        Ok(self)
    }

    /// Also splits repetition and CTAR by the intent `lookup` gives each trajectory.
    pub fn with_intents(mut self, lookup: IntentLookup<'a>) -> Self {
        self.intents = Some((lookup, BTreeMap::new()));
        self
    }

    /// Counts top queries exactly with at most `distinct` normal forms in memory, spilling
    /// partial counts to temporary files beyond (see `top_queries.rs`).
    pub fn spill_top_queries_at(mut self, distinct: usize) -> Self {
        self.top = TopQueryCounter::new(self.config.top_n, distinct);
        self
    }

    /// Records seen so far.
    pub fn records(&self) -> u64 {
        self.requests.records()
    }

    /// Sessions held open right now.
    pub fn open_sessions(&self) -> usize {
        self.sessions.open_sessions()
    }

    /// Adds the next record; records must come in canonical order
    /// ([`crate::sort_canonical`]), as the stores stream them.
    pub fn push(&mut self, record: LogRecord) {
        let answered = is_answered(&record);
        self.requests.add(&record, answered);
        self.refused.add(&record);
        if let (true, Some(query)) = (answered, &record.query) {
            self.top.add(query, &record.client);
        }
        self.sessions.push(record, &mut self.closed);
        self.drain();
    }

    fn drain(&mut self) {
        for session in std::mem::take(&mut self.closed) {
            for t in trajectories(vec![session]) {
                self.traffic.add(&t);
                self.steps.add(&t);
                self.search_steps.add(&t);
                if let Some((tally, source)) = self.evidence.as_mut() {
                    tally.add(&t, &mut **source);
                }
                let mut label = None;
                if let Some((lookup, groups)) = self.intents.as_mut() {
                    let intent = lookup(&t);
                    let source = self.evidence.as_mut().map(|(_, s)| &mut **s);
                    IntentTally::add(groups, intent.clone(), &t, source);
                    label = Some(intent);
                }
                if let Some(worker) = self.evidence_thread.as_mut() {
                    worker.push(t, label);
                }
            }
        }
    }

    /// Closes the sessions still open and computes the report, with the intent rows when
    /// intents were asked for. Fails only when spilled top-query counts cannot be read
    /// back.
    pub fn finish(mut self) -> std::io::Result<(Report, Option<Vec<IntentRow>>)> {
        let sessions = std::mem::replace(
            &mut self.sessions,
            SessionStream::new(self.config.gap, None),
        );
        sessions.finish(&mut self.closed);
        self.drain();
        let (repetition, reformulation, ctar) = self.steps.finish();
        let mut ctar_evidence = self
            .evidence
            .map(|(tally, source)| tally.finish(source.evidence_kind()));
        let mut intents = self.intents.map(|(_, groups)| groups);
        if let Some(worker) = self.evidence_thread {
            let output = worker.finish()?;
            ctar_evidence = Some(output.tally.finish(output.kind));
            if let Some(groups) = intents.as_mut() {
                IntentTally::set_evidence(groups, output.by_intent);
            }
        }
        let intents = intents.map(IntentTally::rows);
        let report = Report {
            records: self.requests.records(),
            clients: self.requests.clients(),
            gap_ms: u64::try_from(self.config.gap.as_millis()).unwrap_or(u64::MAX),
            sessions: self.traffic.report(),
            inter_step_ms: self.traffic.intervals(),
            inter_step_buckets: self.traffic.buckets(),
            query_length: self.requests.query_length(),
            k: self.requests.k(),
            repetition,
            reformulation,
            ctar,
            ctar_evidence,
            search_steps: self.search_steps.report(),
            top_queries: self.top.finish()?,
            refused: self.refused.report(self.config.top_n),
            endpoints: self.requests.endpoints(),
        };
        Ok((report, intents))
    }
}
