//! What `driftless replay` reports, and its text rendering.
use std::io::Write;

use driftless_api::{Mode, Unit};
use serde::Serialize;

use crate::logs_cmd::{Table, rate};

/// One replayed query.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayedQuery {
    pub session: String,
    pub step: usize,
    pub query: String,
    pub logged: Vec<String>,
    pub replayed: Vec<String>,
    /// Depth both lists were compared at: min(k logged, k replayed). A ranking logged at
    /// k = 3 says nothing about ranks 4-5, so comparing at the replay's k would count the
    /// replay's extra results as disagreement (Jaccard 0.6 for identical top 3s).
    pub depth: usize,
    pub jaccard: f64,
    pub rbo: f64,
}

/// Averages at one query step index.
#[derive(Debug, Clone, Serialize)]
pub struct StepAverage {
    pub step: usize,
    pub queries: u64,
    pub mean_jaccard: f64,
    pub mean_rbo: f64,
}

/// The whole replay.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub snapshot: String,
    pub mode: Mode,
    pub unit: Unit,
    pub k: u32,
    pub rbo_p: f64,
    pub sessions: usize,
    pub queries: usize,
    /// Logged queries not replayed: not answered (status ≠ 200) at the time.
    pub skipped: usize,
    pub mean_jaccard: Option<f64>,
    pub mean_rbo: Option<f64>,
    pub seconds: f64,
    pub queries_per_second: f64,
    pub by_step: Vec<StepAverage>,
    pub rows: Vec<ReplayedQuery>,
}

/// The report as aligned tables.
pub fn render(report: &ReplayReport, max_rows: usize, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Replayed {} queries of {} sessions against {} (mode {}, unit {}, k {}) in {:.2} s ({:.0} queries/s); {} not replayed (not answered when logged)",
        report.queries,
        report.sessions,
        report.snapshot,
        report.mode,
        report.unit,
        report.k,
        report.seconds,
        report.queries_per_second,
        report.skipped
    )?;
    writeln!(
        out,
        "Mean Jaccard@{} {}, mean RBO_ext (p = {}) {} (each query compared at min(k logged, k))\n",
        report.k,
        rate(report.mean_jaccard),
        report.rbo_p,
        rate(report.mean_rbo)
    )?;
    let steps = report.by_step.iter().map(|s| {
        vec![
            s.step.to_string(),
            s.queries.to_string(),
            format!("{:.4}", s.mean_jaccard),
            format!("{:.4}", s.mean_rbo),
        ]
    });
    let headers = ["step", "queries", "jaccard", "rbo"];
    Table::with_rows("by_step", "Overlap by query step", &headers, steps)
        .render(out, usize::MAX)?;
    let rows = report.rows.iter().map(|r| {
        let mut query: String = r.query.chars().take(40).collect();
        if r.query.chars().count() > 40 {
            query.push('…');
        }
        vec![
            r.session.clone(),
            r.step.to_string(),
            query,
            r.logged.len().to_string(),
            r.replayed.len().to_string(),
            format!("{:.4}", r.jaccard),
            format!("{:.4}", r.rbo),
        ]
    });
    let headers = [
        "session", "step", "query", "logged", "replayed", "jaccard", "rbo",
    ];
    Table::with_rows("queries", "Per query", &headers, rows).render(out, max_rows)
}
