//! The analysis report as one [`Table`] per section (shared by text and CSV output).
use std::collections::BTreeMap;

use driftless_querylog::analysis::{Distribution, Reformulation, Report};

use super::table::{Table, pct, rate, secs};

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

fn histogram(t: &mut Table, histogram: &BTreeMap<u64, u64>) {
    let total: u64 = histogram.values().sum();
    for (value, count) in histogram {
        t.row(vec![
            value.to_string(),
            count.to_string(),
            pct(*count as f64 / total as f64),
        ]);
    }
}

/// The table of one section.
///
/// `limit` caps the rows built for the per-session table: a log of millions of sessions
/// printed as text shows a few of them (the rest are counted in [`Table::omitted`]).
pub fn table(section: &'static str, r: &Report, limit: Option<usize>) -> Table {
    let plain = |v: u64| v.to_string();
    match section {
        "overview" => {
            let mut t = Table::new(section, "Overview", &["metric", "value"]);
            let s = &r.sessions;
            for (k, v) in [
                ("records", r.records.to_string()),
                ("clients", r.clients.to_string()),
                ("sessions", s.sessions.to_string()),
                ("sessions with x-session-id", s.explicit.to_string()),
                ("sessions split at the gap", s.gap.to_string()),
                ("gap (s)", secs(r.gap_ms)),
            ] {
                t.row(vec![k.into(), v]);
            }
            t
        }
        "steps" => {
            let s = &r.sessions.steps.summary;
            let title = format!("Steps per session ({})", summary(s, "steps", plain));
            let mut t = Table::new(section, title, &["steps", "sessions", "share"]);
            histogram(&mut t, &r.sessions.steps.histogram);
            t
        }
        "intervals" => {
            let title = format!(
                "Inter-step intervals ({})",
                summary(&r.inter_step_ms, "s", secs)
            );
            let mut t = Table::new(
                section,
                title,
                &["up_to", "intervals", "share", "cumulative"],
            );
            for b in &r.inter_step_buckets {
                let up_to = b
                    .le_ms
                    .map_or_else(|| "longer".to_string(), |ms| format!("{}s", secs(ms)));
                t.row(vec![
                    up_to,
                    b.count.to_string(),
                    pct(b.share),
                    pct(b.cumulative_share),
                ]);
            }
            t
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
            let mut t = Table::new(section, title, &["tokens", "queries", "share"]);
            histogram(&mut t, &q.tokens.histogram);
            t
        }
        "k" => {
            let title = format!("k asked for ({} queries without k)", r.k.missing);
            let mut t = Table::new(section, title, &["k", "queries", "share"]);
            histogram(&mut t, &r.k.k.histogram);
            t
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
            let mut t = Table::new(section, title, &h);
            for s in &rep.by_step {
                t.row(vec![
                    s.step.to_string(),
                    s.queries.to_string(),
                    s.exact.to_string(),
                    s.near.to_string(),
                    rate(s.exact_rate),
                    rate(s.near_rate),
                ]);
            }
            t
        }
        "reformulation" => {
            let mut headers = vec!["step"];
            headers.extend(Reformulation::ALL.map(Reformulation::as_str));
            let title = "Reformulation type by query step (vs the previous query)";
            let mut t = Table::new(section, title, &headers);
            let rows = r
                .reformulation
                .by_step
                .iter()
                .map(|s| (s.step.to_string(), &s.counts));
            for (step, counts) in rows.chain([("total".to_string(), &r.reformulation.totals)]) {
                let mut row = vec![step];
                row.extend(
                    Reformulation::ALL.map(|c| counts.get(&c).copied().unwrap_or(0).to_string()),
                );
                t.row(row);
            }
            t
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
            let mut t = Table::new(section, title, &h);
            for s in &c.by_step {
                t.row(vec![
                    s.step.to_string(),
                    s.queries.to_string(),
                    s.new_terms.to_string(),
                    s.adopted_terms.to_string(),
                    rate(s.ctar),
                ]);
            }
            t
        }
        "ctar_sessions" => {
            let title = format!(
                "CTAR by session (mean of sessions: {})",
                rate(r.ctar.session_mean)
            );
            let mut t = Table::new(
                section,
                title,
                &["session", "new_terms", "adopted_terms", "ctar"],
            );
            let shown = limit.unwrap_or(usize::MAX).min(r.ctar.by_session.len());
            t.omitted = r.ctar.by_session.len() - shown;
            for s in &r.ctar.by_session[..shown] {
                t.row(vec![
                    s.session_id.clone(),
                    s.new_terms.to_string(),
                    s.adopted_terms.to_string(),
                    rate(s.ctar),
                ]);
            }
            t
        }
        "top_queries" => {
            let mut t = Table::new(
                section,
                "Top queries (normalised)",
                &["rank", "query", "count", "clients"],
            );
            for (i, q) in r.top_queries.iter().enumerate() {
                t.row(vec![
                    (i + 1).to_string(),
                    q.query.clone(),
                    q.count.to_string(),
                    q.clients.to_string(),
                ]);
            }
            t
        }
        "refused" => {
            let title = format!(
                "Refused requests (status >= 400; not counted as searches): {}",
                r.refused.requests
            );
            let mut t = Table::new(section, title, &["query (as sent)", "count", "status"]);
            for q in &r.refused.top_queries {
                t.row(vec![
                    q.query.clone(),
                    q.count.to_string(),
                    q.status.to_string(),
                ]);
            }
            t
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
            let mut t = Table::new(section, title, &h);
            for (name, share) in &e.endpoints {
                let l = &share.latency_us;
                t.row(vec![
                    name.clone(),
                    share.count.to_string(),
                    pct(share.share),
                    ms(l.p50),
                    ms(l.p90),
                    ms(l.p99),
                    ms(l.max),
                ]);
            }
            t
        }
        _ => {
            let mut t = Table::new(
                "statuses",
                "HTTP statuses",
                &["status", "requests", "share"],
            );
            let statuses = r
                .endpoints
                .statuses
                .iter()
                .map(|(s, c)| (u64::from(*s), *c))
                .collect();
            histogram(&mut t, &statuses);
            t
        }
    }
}
