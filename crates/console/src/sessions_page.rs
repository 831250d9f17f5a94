//! `/ui/sessions`: the sessions of a time range, filtered by client, length and intent;
//! `/ui/session`: one session's timeline, step by step.
use driftless_querylog::{SessionKind, format_utc};
use maud::{Markup, html};

use crate::form::{LogForm, encode};
use crate::layout::{input, notice, page};
use crate::session_view::{Adoption, SessionSummary, Timeline, TimelineStep};

/// The selection form shared by the sessions and dashboards pages.
pub(crate) fn log_form(f: &LogForm, action: &str, with_sessions: bool) -> Markup {
    html! {
        form.logsel method="get" action=(action) {
            div.fields {
                div { (input("since", "Since", &f.since, "text", "last 24 h")) }
                div { (input("until", "Until", &f.until, "text", "now")) }
                @if with_sessions {
                    div { (input("client", "Client", &f.client, "text", "any")) }
                    div { (input("min_steps", "Min. steps", &f.min_steps, "number", "1")) }
                    div { (input("model", "Intent model", &f.model, "text", "logs annotate --model")) }
                    div { (input("intent", "Intent", &f.intent, "text", "any")) }
                }
                div.go { button type="submit" { "Show" } }
            }
            p.hint { "Times as Unix seconds or milliseconds, or RFC 3339 (" code { "2026-06-01" } ", "
                code { "2026-06-01T12:00:00Z" } ")." }
        }
    }
}

fn kind(k: SessionKind) -> &'static str {
    match k {
        SessionKind::Explicit => "x-session-id",
        SessionKind::Gap => "gap",
    }
}

fn duration(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// The link to one session's timeline, with the list's window as resolved (gap sessions are
/// numbered per client from the window's start).
fn session_link(s: &SessionSummary, f: &LogForm, window: (i64, Option<i64>)) -> String {
    let mut link = format!(
        "/ui/session?id={}&client={}&since={}",
        encode(&s.id),
        encode(&s.client),
        window.0
    );
    if let Some(until) = window.1 {
        link.push_str(&format!("&until={until}"));
    }
    if !f.model.is_empty() {
        link.push_str(&format!("&model={}", encode(&f.model)));
    }
    link
}

/// The sessions shown (newest first), how many matched in all, and the window
/// `[since, until)` they were read from (Unix ms).
pub type SessionList<'a> = (&'a [SessionSummary], usize, (i64, Option<i64>));

/// The list page; `outcome` is the sessions (newest first), how many matched in all and the
/// window `[since, until)` they were read from (Unix ms), or what went wrong.
pub fn sessions_page(f: &LogForm, outcome: Result<SessionList<'_>, (&str, &str)>) -> Markup {
    let body = html! {
        h1 { "Sessions" }
        (log_form(f, "/ui/sessions", true))
        @match outcome {
            Err((code, message)) => (notice(code, message)),
            Ok((rows, matched, window)) => {
                p #session-count { (matched) " sessions"
                    @if rows.len() < matched { " (the newest " (rows.len()) " shown)" } }
                div.scroll {
                    table.grid.sessions {
                        thead { tr {
                            th { "started (UTC)" } th { "client" } th { "kind" } th.num { "searches" }
                            th.num { "fetches" } th.num { "duration" } th { "intent" } th { "first query" }
                        } }
                        tbody {
                            @for s in rows {
                                tr {
                                    td { a.session-link href=(session_link(s, f, window)) { (format_utc(s.start_ms)) } }
                                    td { code { (s.client) } }
                                    td { (kind(s.kind)) }
                                    td.num { (s.searches) }
                                    td.num { (s.fetches) }
                                    td.num { (duration(s.end_ms - s.start_ms)) }
                                    td { (s.intent.as_deref().unwrap_or("–")) }
                                    td { (s.first_query) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Sessions", "/ui/sessions", None, &body)
}

/// The timeline page.
pub fn session_page(outcome: Result<&Timeline, (&str, &str)>) -> Markup {
    let body = match outcome {
        Err((code, message)) => html! { h1 { "Session" } (notice(code, message)) },
        Ok(t) => {
            let s = &t.summary;
            html! {
                h1 { "Session" }
                dl.facts {
                    dt { "id" } dd { code #session-id { (s.id) } }
                    dt { "client" } dd { code { (s.client) } " · " (kind(s.kind)) }
                    dt { "started" } dd { (format_utc(s.start_ms)) " · lasted " (duration(s.end_ms - s.start_ms)) }
                    dt { "steps" } dd { (s.searches) " searches, " (s.fetches) " fetches" }
                    @if let Some(intent) = &s.intent { dt { "intent" } dd { (intent) } }
                }
                p.legend {
                    "Query words: " span.adopted-recent { "adopted from the last retrieval" } " "
                    span.adopted-earlier { "adopted from earlier steps only" } " "
                    span.new-word { "new" } " " span.repeated { "used before" }
                    " · evidence: " (t.evidence)
                }
                ol.timeline { @for step in &t.steps { (timeline_step(step)) } }
            }
        }
    };
    page("Session", "/ui/sessions", None, &body)
}

fn adoption_class(a: Adoption) -> &'static str {
    match a {
        Adoption::Recent => "adopted-recent",
        Adoption::Earlier => "adopted-earlier",
        Adoption::New => "new-word",
        Adoption::Repeated => "repeated",
        Adoption::None => "op",
    }
}

fn timeline_step(step: &TimelineStep) -> Markup {
    html! {
        li.step {
            div.step-head {
                span.pos { "step " (step.position) }
                span.at { "+" (duration(step.at_ms)) }
                code { (step.endpoint) }
                @if step.status >= 400 { span.badge.refused { "status " (step.status) } }
                @if let Some(r) = step.reformulation { span.badge.reform title="lexical rule" { (r) } }
                @if let Some(r) = &step.llm_reformulation { span.badge.reform title="LLM label (logs annotate)" { "LLM: " (r) } }
            }
            @if !step.words.is_empty() {
                p.query { @for (word, a) in &step.words { span class=(adoption_class(*a)) { (word) } " " } }
            }
            @if let Some((doc, offset)) = &step.fetched {
                p { "fetched " a href=(format!("/ui/doc?doc_id={}&offset={offset}", encode(doc))) { code { (doc) } }
                    " from character " (offset) }
            }
            @if !step.results.is_empty() {
                details.step-results {
                    summary { (step.results.len()) " results" }
                    ol { @for r in &step.results {
                        li { a href=(format!("/ui/doc?doc_id={}&offset={}", encode(&r.doc_id), r.span.map_or(0, |s| s[0]))) {
                            (if r.title.is_empty() { r.doc_id.as_str() } else { r.title.as_str() }) }
                            " " span.score { (format!("{:.4}", r.score)) } }
                    } }
                }
            }
            @if !step.texts_rebuilt { p.hint { "Delivered texts not rebuilt: another snapshot answered." } }
        }
    }
}
