//! Tables of the sections that follow "Agentic Search in the Wild": steps and intervals over
//! searches, and the evidence CTAR (recent vs earlier steps).
use driftless_querylog::analysis::{IntentRow, PAPER_MAX_STEPS, Report};

use super::table::{Table, pct, rate, secs, step_row};

/// The `search_steps` table: the paper's two summary lines, then steps per trajectory.
pub fn search_steps(section: &'static str, r: &Report) -> Table {
    let s = &r.search_steps;
    let title = format!(
        "Search steps per session ({} sessions, {} multi-turn; {} fetches apart)",
        s.sessions, s.multi_turn, s.fetches
    );
    let rows = [
        (
            format!("multi-turn sessions with <= {PAPER_MAX_STEPS} search steps"),
            rate(s.multi_turn_at_most_10_steps),
        ),
        (
            "search intervals under 1 min".to_string(),
            rate(s.intervals_under_1_min),
        ),
        (
            "search steps p50 / p90 / max".to_string(),
            format!(
                "{} / {} / {}",
                s.steps.summary.p50, s.steps.summary.p90, s.steps.summary.max
            ),
        ),
        (
            "search interval p50 / p90 (s)".to_string(),
            format!(
                "{} / {}",
                secs(s.intervals_ms.p50),
                secs(s.intervals_ms.p90)
            ),
        ),
        (
            "fetches per session mean".to_string(),
            format!("{:.2}", s.fetches_per_session.mean),
        ),
    ];
    let histogram = s.steps.histogram.iter().map(|(steps, sessions)| {
        let share = *sessions as f64 / s.sessions.max(1) as f64;
        vec![format!("sessions with {steps} search steps"), pct(share)]
    });
    let rows = rows.map(|(metric, value)| vec![metric, value]);
    Table::with_rows(
        section,
        title,
        &["metric", "value"],
        rows.into_iter().chain(histogram),
    )
}

/// The `ctar_evidence` table: per query step, adopted terms split recent / earlier only.
pub fn ctar_evidence(section: &'static str, r: &Report) -> Table {
    let headers = [
        "step",
        "queries",
        "new_terms",
        "adopted_terms",
        "adopted_recent",
        "adopted_earlier_only",
        "ctar",
    ];
    let Some(c) = &r.ctar_evidence else {
        return Table::new(section, "Evidence CTAR (not computed)", &headers);
    };
    let title = format!(
        "Evidence CTAR by query step ({} evidence; overall, steps >= 2: {}; session mean {}; adopted from earlier steps only: {}; records without texts: {})",
        c.evidence,
        rate(c.overall),
        rate(c.session_mean),
        rate(c.earlier_share),
        c.records_without_texts
    );
    let rows = c.by_step.iter().map(|s| {
        let counts = [
            s.queries,
            s.new_terms,
            s.adopted_terms,
            s.adopted_recent,
            s.adopted_earlier_only,
        ];
        step_row(s.step, &counts, &[s.ctar])
    });
    Table::with_rows(section, title, &headers, rows)
}

/// The `by_intent` table: repetition and CTAR per session intent (`--intents-model`).
pub fn by_intent(section: &'static str, rows: &[IntentRow]) -> Table {
    let headers = [
        "intent",
        "sessions",
        "exact_repetition",
        "near_repetition",
        "ctar",
        "ctar_evidence",
    ];
    let rows = rows.iter().map(|r| {
        vec![
            r.intent.clone(),
            r.sessions.to_string(),
            rate(r.exact_repetition),
            rate(r.near_repetition),
            rate(r.ctar),
            rate(r.ctar_evidence),
        ]
    });
    let title = "Repetition and CTAR by session intent";
    Table::with_rows(section, title, &headers, rows)
}
