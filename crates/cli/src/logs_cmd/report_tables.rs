//! The analysis report as one [`Table`] per section (shared by text and CSV output).
use std::collections::BTreeMap;

use driftless_querylog::analysis::{Distribution, Reformulation, Report};

use super::table::{Table, pct, rate, secs, step_row};

fn summary(d: &Distribution, unit: &str, scale: fn(u64) -> String) -> String {
    format!(
        "n {}, mean {}, p50 {}, p90 {}, p99 {}, max {} {unit}",
        d.count,
        if d.count == 0 {
            "-".into()
        } else {
            scale(d.mean.round() as u64)
        },
        scale(d.p50),
        scale(d.p90),
        scale(d.p99),
        scale(d.max)
    )
}

/// The rows `value, count, share` of a histogram.
fn histogram(histogram: &BTreeMap<u64, u64>) -> Vec<Vec<String>> {
    let total: u64 = histogram.values().sum();
    histogram
        .iter()
        .map(|(value, count)| {
            vec![
                value.to_string(),
                count.to_string(),
                pct(*count as f64 / total as f64),
            ]
        })
        .collect()
}

/// The table of one section.
///
/// `limit` caps the rows built for the per-session table: a log of millions of sessions
/// printed as text shows a few of them (the rest are counted in [`Table::omitted`]).
pub fn table(section: &'static str, r: &Report, limit: Option<usize>) -> Table {
    let plain = |v: u64| v.to_string();
    match section {
        "overview" => {
            let s = &r.sessions;
            let rows = [
                ("records", r.records.to_string()),
                ("clients", r.clients.to_string()),
                ("sessions", s.sessions.to_string()),
                ("sessions with x-session-id", s.explicit.to_string()),
                ("sessions split at the gap", s.gap.to_string()),
                ("gap (s)", secs(r.gap_ms)),
            ]
            .map(|(k, v)| vec![k.into(), v]);
            Table::with_rows(section, "Overview", &["metric", "value"], rows)
        }
        "steps" => {
            let s = &r.sessions.steps.summary;
            let title = format!("Steps per session ({})", summary(s, "steps", plain));
            let rows = histogram(&r.sessions.steps.histogram);
            Table::with_rows(section, title, &["steps", "sessions", "share"], rows)
        }
        "intervals" => {
            let title = format!(
                "Inter-step intervals ({})",
                summary(&r.inter_step_ms, "s", secs)
            );
            let rows = r.inter_step_buckets.iter().map(|b| {
                let up_to = b
                    .le_ms
                    .map_or_else(|| "longer".to_string(), |ms| format!("{}s", secs(ms)));
                vec![
                    up_to,
                    b.count.to_string(),
                    pct(b.share),
                    pct(b.cumulative_share),
                ]
            });
            let h = ["up_to", "intervals", "share", "cumulative"];
            Table::with_rows(section, title, &h, rows)
        }
        "search_steps" => super::paper_tables::search_steps(section, r),
        "ctar_evidence" => super::paper_tables::ctar_evidence(section, r),
        "query_length" => {
            let q = &r.query_length;
            let title = format!(
                "Query length in tokens ({}; characters: {})",
                summary(&q.tokens.summary, "tokens", plain),
                summary(&q.chars, "chars", plain)
            );
            let rows = histogram(&q.tokens.histogram);
            Table::with_rows(section, title, &["tokens", "queries", "share"], rows)
        }
        "k" => {
            let title = format!("k asked for ({} queries without k)", r.k.missing);
            let rows = histogram(&r.k.k.histogram);
            Table::with_rows(section, title, &["k", "queries", "share"], rows)
        }
        "repetition" => {
            let rep = &r.repetition;
            let title = format!(
                "Repetition by query step (steps >= 2: exact {}, near-duplicate {})",
                rate(rep.exact_rate),
                rate(rep.near_rate)
            );
            let h = [
                "step",
                "queries",
                "exact",
                "near",
                "exact_rate",
                "near_rate",
            ];
            let rows = rep.by_step.iter().map(|s| {
                let rates = [s.exact_rate, s.near_rate];
                step_row(s.step, &[s.queries, s.exact, s.near], &rates)
            });
            Table::with_rows(section, title, &h, rows)
        }
        "reformulation" => {
            let mut headers = vec!["step"];
            headers.extend(Reformulation::ALL.map(Reformulation::as_str));
            let title = "Reformulation type by query step (vs the previous query)";
            let steps = r
                .reformulation
                .by_step
                .iter()
                .map(|s| (s.step.to_string(), &s.counts));
            let total = ("total".to_string(), &r.reformulation.totals);
            let rows = steps.chain([total]).map(|(step, counts)| {
                let mut row = vec![step];
                row.extend(
                    Reformulation::ALL.map(|c| counts.get(&c).copied().unwrap_or(0).to_string()),
                );
                row
            });
            Table::with_rows(section, title, &headers, rows)
        }
        "ctar_steps" => {
            let c = &r.ctar;
            let title = format!(
                "CTAR by query step (overall, steps >= 2: {})",
                rate(c.overall)
            );
            let h = [
                "step",
                "queries_with_new_terms",
                "new_terms",
                "adopted_terms",
                "ctar",
            ];
            let rows = c.by_step.iter().map(|s| {
                let counts = [s.queries, s.new_terms, s.adopted_terms];
                step_row(s.step, &counts, &[s.ctar])
            });
            Table::with_rows(section, title, &h, rows)
        }
        "ctar_sessions" => {
            let title = format!(
                "CTAR by session (mean of sessions: {})",
                rate(r.ctar.session_mean)
            );
            let shown = limit.unwrap_or(usize::MAX).min(r.ctar.by_session.len());
            let rows = r.ctar.by_session[..shown].iter().map(|s| {
                vec![
                    s.session_id.clone(),
                    s.new_terms.to_string(),
                    s.adopted_terms.to_string(),
                    rate(s.ctar),
                ]
            });
            let h = ["session", "new_terms", "adopted_terms", "ctar"];
            let mut t = Table::with_rows(section, title, &h, rows);
            t.omitted = r.ctar.by_session.len() - shown;
            t
        }
        "top_queries" => {
            let rows = r.top_queries.iter().enumerate().map(|(i, q)| {
                vec![
                    (i + 1).to_string(),
                    q.query.clone(),
                    q.count.to_string(),
                    q.clients.to_string(),
                ]
            });
            let h = ["rank", "query", "count", "clients"];
            Table::with_rows(section, "Top queries (normalised)", &h, rows)
        }
        "refused" => {
            let title = format!(
                "Refused requests (status >= 400; not counted as searches): {}",
                r.refused.requests
            );
            let rows = r
                .refused
                .top_queries
                .iter()
                .map(|q| vec![q.query.clone(), q.count.to_string(), q.status.to_string()]);
            let h = ["query (as sent)", "count", "status"];
            Table::with_rows(section, title, &h, rows)
        }
        "endpoints" => {
            let e = &r.endpoints;
            let ms = |us: u64| format!("{:.2}", us as f64 / 1000.0);
            let title = format!(
                "Endpoint mix and latency in ms (all: {})",
                summary(&e.latency_us, "ms", ms)
            );
            let h = [
                "endpoint", "requests", "share", "p50_ms", "p90_ms", "p99_ms", "max_ms",
            ];
            let rows = e.endpoints.iter().map(|(name, share)| {
                let l = &share.latency_us;
                vec![
                    name.clone(),
                    share.count.to_string(),
                    pct(share.share),
                    ms(l.p50),
                    ms(l.p90),
                    ms(l.p99),
                    ms(l.max),
                ]
            });
            Table::with_rows(section, title, &h, rows)
        }
        _ => {
            let statuses = r
                .endpoints
                .statuses
                .iter()
                .map(|(s, c)| (u64::from(*s), *c))
                .collect();
            let h = ["status", "requests", "share"];
            Table::with_rows("statuses", "HTTP statuses", &h, histogram(&statuses))
        }
    }
}
