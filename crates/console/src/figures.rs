//! The figures of `driftless logs report` and of the console's dashboards, drawn with
//! plotters into SVG text. SVG keeps the
//! report one self-contained folder that any browser opens, and needs no font files: labels
//! are `<text>` elements the browser renders.
use std::collections::BTreeMap;

use driftless_querylog::analysis::{IntentRow, Report};
use plotters::prelude::*;

use crate::ConsoleError;
use crate::charts::{Drawn, Lines, category_bars, line_chart, stacked};

type Result<T> = std::result::Result<T, ConsoleError>;

/// One figure: file name, caption for the page, SVG text.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name in a report folder, e.g. `steps_cdf.svg`.
    pub file: &'static str,
    /// Caption.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

fn plotted(
    file: &'static str,
    title: String,
    draw: impl FnOnce(&mut String) -> Drawn,
) -> Result<Figure> {
    let mut svg = String::new();
    draw(&mut svg).map_err(|e| ConsoleError::Draw(format!("{file}: {e}")))?;
    Ok(Figure { file, title, svg })
}

/// Every figure the report shows, from the analysis report (and the intent rows, when the
/// log was annotated).
pub fn figures(r: &Report, intents: Option<&[IntentRow]>) -> Result<Vec<Figure>> {
    let mut out = vec![
        steps_cdf(r)?,
        intervals(r)?,
        ctar_by_step(r)?,
        reformulation(r)?,
    ];
    out.push(repetition(r, intents)?);
    out.push(latency(r)?);
    Ok(out)
}

/// Cumulative share of sessions with at most n steps (all requests, and searches only).
fn steps_cdf(r: &Report) -> Result<Figure> {
    let cdf = |h: &BTreeMap<u64, u64>| -> Vec<(f64, f64)> {
        let total = h.values().sum::<u64>().max(1) as f64;
        let mut seen = 0;
        h.iter()
            .map(|(&v, &n)| {
                seen += n;
                (v as f64, seen as f64 / total)
            })
            .collect()
    };
    let all = cdf(&r.sessions.steps.histogram);
    let searches = cdf(&r.search_steps.steps.histogram);
    let max = all.iter().chain(&searches).map(|p| p.0).fold(1.0, f64::max);
    let spec = Lines {
        caption: "Steps per session, cumulative",
        axes: ("steps", "share of sessions ≤ x"),
        x: 0.0..max + 1.0,
        y: 0.0..1.0,
        percent: true,
        legend: SeriesLabelPosition::LowerRight,
    };
    let lines = vec![
        ("all requests".into(), all),
        ("searches only".into(), searches),
    ];
    plotted("steps_cdf.svg", "Steps per session (CDF)".into(), |svg| {
        line_chart(svg, spec, lines)
    })
}

/// Inter-step intervals over the fixed buckets.
fn intervals(r: &Report) -> Result<Figure> {
    let label = |le: Option<u64>| match le {
        Some(ms) if ms % 60_000 == 0 => format!("≤{}min", ms / 60_000),
        Some(ms) => format!("≤{}s", ms / 1_000),
        None => ">30min".into(),
    };
    let bars: Vec<(String, f64)> = r
        .inter_step_buckets
        .iter()
        .map(|b| (label(b.le_ms), b.share))
        .collect();
    plotted("intervals.svg", "Inter-step intervals".into(), |svg| {
        category_bars(
            svg,
            "Time between steps of a session",
            "share of intervals",
            &bars,
        )
    })
}

/// CTAR per step, the adopted share split into "recent retrieval" and "earlier steps only"
/// (the evidence CTAR), or the lexical CTAR when there is no evidence section.
fn ctar_by_step(r: &Report) -> Result<Figure> {
    let (steps, series, which) = match &r.ctar_evidence {
        Some(e) => {
            let rate = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
            (
                e.by_step.iter().map(|s| s.step).collect::<Vec<_>>(),
                vec![
                    (
                        "from the most recent retrieval".to_string(),
                        e.by_step
                            .iter()
                            .map(|s| rate(s.adopted_recent, s.new_terms))
                            .collect(),
                    ),
                    (
                        "from earlier steps only".to_string(),
                        e.by_step
                            .iter()
                            .map(|s| rate(s.adopted_earlier_only, s.new_terms))
                            .collect(),
                    ),
                ],
                e.evidence,
            )
        }
        None => (
            r.ctar.by_step.iter().map(|s| s.step).collect(),
            vec![(
                "adopted (titles and snippets)".to_string(),
                r.ctar
                    .by_step
                    .iter()
                    .map(|s| s.ctar.unwrap_or(0.0))
                    .collect(),
            )],
            "titles_snippets",
        ),
    };
    plotted(
        "ctar_by_step.svg",
        format!("CTAR by step (evidence: {which})"),
        |svg| {
            stacked(
                svg,
                "Context term adoption by step",
                ("query step", "adopted / new terms"),
                &steps,
                &series,
            )
        },
    )
}

/// Reformulation classes by step, as shares of the step's reformulations.
fn reformulation(r: &Report) -> Result<Figure> {
    let steps: Vec<usize> = r.reformulation.by_step.iter().map(|s| s.step).collect();
    let mut series: Vec<(String, Vec<f64>)> = Vec::new();
    for class in r.reformulation.totals.keys() {
        let values = r.reformulation.by_step.iter().map(|s| {
            let total: u64 = s.counts.values().sum();
            s.counts
                .get(class)
                .map_or(0.0, |&n| n as f64 / total.max(1) as f64)
        });
        series.push((class.as_str().to_string(), values.collect()));
    }
    plotted(
        "reformulation_by_step.svg",
        "Reformulation mix by step (lexical rules)".into(),
        |svg| {
            stacked(
                svg,
                "Reformulation type by step",
                ("query step", "share of the step"),
                &steps,
                &series,
            )
        },
    )
}

/// Exact repetition rate by step: one line per intent when intents are known, else the
/// whole log.
fn repetition(r: &Report, intents: Option<&[IntentRow]>) -> Result<Figure> {
    let lines: Vec<(String, Vec<(f64, f64)>)> = match intents {
        Some(rows) if !rows.is_empty() => rows
            .iter()
            .map(|row| {
                let points = row
                    .exact_repetition_by_step
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.map(|v| ((i + 1) as f64, v)))
                    .collect();
                (row.intent.clone(), points)
            })
            .collect(),
        _ => vec![(
            "all sessions".into(),
            r.repetition
                .by_step
                .iter()
                .filter_map(|s| s.exact_rate.map(|v| (s.step as f64, v)))
                .collect(),
        )],
    };
    let max_x = lines
        .iter()
        .flat_map(|l| &l.1)
        .map(|p| p.0)
        .fold(2.0, f64::max);
    let max_y = lines
        .iter()
        .flat_map(|l| &l.1)
        .map(|p| p.1)
        .fold(0.05, f64::max)
        * 1.1;
    let spec = Lines {
        caption: "Exact repetition by query step",
        axes: ("query step", "share repeating an earlier query"),
        x: 1.0..max_x,
        y: 0.0..max_y,
        percent: false,
        legend: SeriesLabelPosition::UpperLeft,
    };
    plotted(
        "repetition_by_step.svg",
        "Exact repetition by step, per intent".into(),
        |svg| line_chart(svg, spec, lines),
    )
}

/// p50 / p90 / p99 latency per endpoint, milliseconds.
fn latency(r: &Report) -> Result<Figure> {
    let endpoints: Vec<usize> = (1..=r.endpoints.endpoints.len()).collect();
    let names: Vec<&String> = r.endpoints.endpoints.keys().collect();
    let ms = |f: fn(&driftless_querylog::analysis::Distribution) -> u64| -> Vec<f64> {
        r.endpoints
            .endpoints
            .values()
            .map(|e| f(&e.latency_us) as f64 / 1000.0)
            .collect()
    };
    // Stacked as p50, then the extra up to p90, then up to p99: each bar's top is the p99.
    let (p50, p90, p99) = (ms(|d| d.p50), ms(|d| d.p90), ms(|d| d.p99));
    let series = vec![
        ("p50".to_string(), p50.clone()),
        (
            "p90".to_string(),
            p90.iter().zip(&p50).map(|(a, b)| a - b).collect(),
        ),
        (
            "p99".to_string(),
            p99.iter().zip(&p90).map(|(a, b)| a - b).collect(),
        ),
    ];
    let title = format!(
        "Latency by endpoint: {}",
        names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{} = {n}", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    );
    plotted("latency.svg", title, |svg| {
        stacked(
            svg,
            "Latency by endpoint (ms)",
            ("endpoint (numbered as in the caption)", "milliseconds"),
            &endpoints,
            &series,
        )
    })
}
