//! The streaming pass against the in-memory definitions, on random logs.
use std::time::Duration;

use super::*;
use crate::session::sessionize;
use crate::session_stream::hinted_sizes;
use crate::test_logs::random_log;

fn config(gap_s: u64) -> AnalysisConfig {
    AnalysisConfig {
        gap: Duration::from_secs(gap_s),
        top_n: 5,
    }
}

fn streamed(records: &[LogRecord], config: &AnalysisConfig, counted: bool, spill: usize) -> Report {
    let sizes = counted.then(|| hinted_sizes(records));
    let mut analyser = Analyser::new(config, sizes).spill_top_queries_at(spill);
    records.iter().for_each(|r| analyser.push(r.clone()));
    analyser.finish().unwrap().0
}

#[test]
fn closing_sessions_early_changes_nothing() {
    for seed in 0..25 {
        let records = random_log(seed, 400);
        for gap_s in [30, 300] {
            let c = config(gap_s);
            let reference = analyse(&records, &c);
            assert_eq!(
                streamed(&records, &c, false, usize::MAX),
                reference,
                "seed {seed}"
            );
            assert_eq!(
                streamed(&records, &c, true, 3),
                reference,
                "seed {seed} spilled"
            );
        }
    }
}

#[test]
fn streamed_report_matches_the_session_functions() {
    for seed in 100..120 {
        let records = random_log(seed, 500);
        let c = config(120);
        let report = streamed(&records, &c, true, usize::MAX);
        let sessions = trajectories(sessionize(&records, c.gap));
        let (repetition, reformulation, ctar) = step_metrics(&sessions);
        assert_eq!(report.repetition, repetition, "seed {seed}");
        assert_eq!(report.reformulation, reformulation, "seed {seed}");
        assert_eq!(report.ctar, ctar, "seed {seed}");
        assert_eq!(report.search_steps, search_steps(&sessions), "seed {seed}");
        assert_eq!(report.sessions.sessions, sessions.len() as u64);
        let steps: u64 = sessions.iter().map(|s| s.steps() as u64).sum();
        assert_eq!(report.records, steps, "every record is in one trajectory");
        let intervals: Vec<u64> = sessions
            .iter()
            .flat_map(|s| {
                s.records
                    .windows(2)
                    .map(|w| (w[1].ts_ms - w[0].ts_ms) as u64)
            })
            .collect();
        assert_eq!(report.inter_step_ms, Distribution::of(&intervals));
    }
}

#[test]
fn intent_rows_match_the_grouped_sessions() {
    let records = random_log(9, 600);
    let c = config(120);
    let label = |id: &str| (!id.len().is_multiple_of(3)).then(|| format!("intent{}", id.len() % 2));
    let sessions = trajectories(sessionize(&records, c.gap));
    let intents: std::collections::BTreeMap<String, String> = sessions
        .iter()
        .filter_map(|s| label(&s.id).map(|l| (s.id.clone(), l)))
        .collect();
    let expected = by_intent(&sessions, &intents, None);
    let mut analyser = Analyser::new(&c, Some(hinted_sizes(&records)))
        .with_intents(Box::new(move |s: &crate::Session| label(&s.id)));
    records.iter().for_each(|r| analyser.push(r.clone()));
    let (_, rows) = analyser.finish().unwrap();
    assert_eq!(rows.unwrap(), expected);
    assert!(expected.len() == 3, "{expected:?}");
}

/// An evidence source over plain words, numbered as first seen; a fetch cannot be rebuilt.
#[derive(Default)]
struct WordSource(FastHashMap<String, TermId>);

impl WordSource {
    fn id(&mut self, word: String) -> TermId {
        let next = self.0.len() as TermId;
        *self.0.entry(word).or_insert(next)
    }
}

impl EvidenceSource for WordSource {
    fn query_terms(&mut self, query: &str) -> Vec<TermId> {
        let mut ids: Vec<TermId> = tokenize(query).into_iter().map(|w| self.id(w)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
    fn add_terms(&mut self, text: &str, into: &mut Vec<TermId>) {
        for word in tokenize(text) {
            into.push(self.id(word));
        }
    }
    fn delivered_texts(&mut self, record: &LogRecord) -> Option<Vec<String>> {
        match &record.fetched_doc_id {
            Some(_) => None,
            None => Some(
                record
                    .results
                    .iter()
                    .map(|r| format!("{} body", r.doc_id))
                    .collect(),
            ),
        }
    }
    fn evidence_kind(&self) -> &'static str {
        "delivered"
    }
}

#[test]
fn the_evidence_thread_gives_the_one_thread_report() {
    let label = |id: &str| (!id.len().is_multiple_of(3)).then(|| format!("intent{}", id.len() % 2));
    for seed in 200..210 {
        let records = random_log(seed, 500);
        let c = config(120);
        let mut here = WordSource::default();
        let mut local = Analyser::new(&c, Some(hinted_sizes(&records)))
            .with_intents(Box::new(move |s: &crate::Session| label(&s.id)))
            .with_evidence(&mut here);
        records.iter().for_each(|r| local.push(r.clone()));
        let local = local.finish().unwrap();
        let mut threaded = Analyser::new(&c, Some(hinted_sizes(&records)))
            .with_evidence_thread(Box::new(WordSource::default()))
            .unwrap()
            .with_intents(Box::new(move |s: &crate::Session| label(&s.id)));
        records.iter().for_each(|r| threaded.push(r.clone()));
        let threaded = threaded.finish().unwrap();
        assert_eq!(threaded, local, "seed {seed}");
        let evidence = local.0.ctar_evidence.expect("evidence");
        assert!(evidence.overall.is_some() && evidence.records_without_texts > 0);
        let rows = local.1.expect("intents");
        assert!(rows.iter().any(|r| r.ctar_evidence.is_some()), "{rows:?}");
    }
}
