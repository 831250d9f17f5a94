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
