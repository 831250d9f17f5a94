//! `/ui/dashboards`: the query-log analysis over a time range of the live store — the
//! figures of `driftless logs report` (steps per session, intervals, CTAR by step,
//! reformulation mix, repetition, latency) inline as SVG, the paper's summary lines and the
//! endpoint and status tables.
use driftless_querylog::analysis::Report;
use maud::{Markup, PreEscaped, html};

use crate::figures::Figure;
use crate::form::LogForm;
use crate::layout::{notice, page};
use crate::sessions_page::log_form;

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The dashboards; `outcome` is the report and its figures, or what went wrong.
pub fn dashboards_page(f: &LogForm, outcome: Result<(&Report, &[Figure]), (&str, &str)>) -> Markup {
    let body = html! {
        h1 { "Dashboards" }
        (log_form(f, "/ui/dashboards", false))
        @match outcome {
            Err((code, message)) => (notice(code, message)),
            Ok((r, figures)) => {
                p #summary {
                    (r.records) " requests from " (r.clients) " clients in " (r.sessions.sessions)
                    " sessions (" (r.sessions.explicit) " with x-session-id); gap " (r.gap_ms / 1000) " s. "
                    "Multi-turn sessions with at most 10 search steps: " (pct(r.search_steps.multi_turn_at_most_10_steps))
                    "; search intervals under one minute: " (pct(r.search_steps.intervals_under_1_min)) "."
                    @if let Some(e) = &r.ctar_evidence {
                        " CTAR (evidence: " (e.evidence) "): " (pct(e.overall)) ", "
                        (pct(e.earlier_share)) " of adopted terms from earlier steps only."
                    }
                }
                div.figs {
                    @for fig in figures {
                        figure {
                            // plotters' SVG: generated here from numbers, labels escaped by plotters.
                            (PreEscaped(&fig.svg))
                            figcaption { (fig.title) }
                        }
                    }
                }
                h2 { "Endpoints" }
                div.scroll { table.grid {
                    thead { tr { th { "endpoint" } th.num { "requests" } th.num { "share" }
                        th.num { "p50 ms" } th.num { "p99 ms" } } }
                    tbody { @for (name, e) in &r.endpoints.endpoints {
                        tr { td { code { (name) } } td.num { (e.count) } td.num { (pct(Some(e.share))) }
                            td.num { (format!("{:.2}", e.latency_us.p50 as f64 / 1000.0)) }
                            td.num { (format!("{:.2}", e.latency_us.p99 as f64 / 1000.0)) } }
                    } }
                } }
                h2 { "Statuses" }
                table.grid {
                    thead { tr { th { "status" } th.num { "requests" } } }
                    tbody { @for (status, n) in &r.endpoints.statuses { tr { td { (status) } td.num { (n) } } } }
                }
            }
        }
    };
    page("Dashboards", "/ui/dashboards", None, &body)
}
