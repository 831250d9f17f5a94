//! `/ui/search`: the playground. A form with every search parameter, the ranked hits with
//! their highlighted snippets, scores and ranks, links into the document viewer, the exact
//! request as a `curl` line and the snapshot that answered.
use driftless_api::{Hit, SearchResponse};
use maud::{Markup, PreEscaped, html};

use crate::form::{SearchForm, encode};
use crate::layout::{MODES, UNITS, input, notice, page, select};

/// The web query syntax, shown beside the query box.
const SYNTAX_HELP: [(&str, &str); 5] = [
    ("\"exact phrase\"", "the words in this order"),
    ("-word", "without this word"),
    ("a OR b", "either word"),
    ("site:host", "only pages of this host (and its subdomains)"),
    ("-site:host", "no pages of this host"),
];

/// The search form (also the compare page's left and right columns use [`fields`]).
fn form(f: &SearchForm) -> Markup {
    html! {
        form.search method="get" action="/ui/search" role="search" {
            div.querybox {
                label for="q" { "Query" }
                input #q type="search" name="q" value=(f.get("q")) autofocus
                    placeholder="e.g. vacuum full site:www.postgresql.org" aria-describedby="syntax";
                button type="submit" { "Search" }
            }
            (fields(f, ""))
            (pin(f))
            details #syntax {
                summary { "Query syntax" }
                dl.syntax {
                    @for (example, meaning) in SYNTAX_HELP { dt { code { (example) } } dd { (meaning) } }
                }
            }
        }
    }
}

/// The parameter controls of one configuration, names prefixed by `prefix`.
pub(crate) fn fields(f: &SearchForm, prefix: &str) -> Markup {
    let name = |field: &str| format!("{prefix}{field}");
    html! {
        div.fields {
            div { (select(&name("mode"), "Mode", f.get("mode"), &MODES)) }
            div { (select(&name("unit"), "Unit", f.get("unit"), &UNITS)) }
            @if prefix.is_empty() {
                div { (input("k", "k", f.get("k"), "number", "10")) }
            }
            div { (input(&name("k1"), "BM25 k1", f.get("k1"), "text", "0.9")) }
            div { (input(&name("b"), "BM25 b", f.get("b"), "text", "0.4")) }
            div { (input(&name("fusion_k"), "RRF k", f.get("fusion_k"), "number", "60")) }
        }
    }
}

/// The snapshot pin as a hidden field, so the next search asks the same snapshot.
pub(crate) fn pin(f: &SearchForm) -> Markup {
    html! {
        @if !f.get("snapshot").is_empty() {
            input type="hidden" name="snapshot" value=(f.get("snapshot"));
        }
    }
}

/// The hits of one answer as an ordered list; `marks` gives each hit a CSS class (the
/// compare page marks moved, entered and left hits).
pub(crate) fn hit_list(
    hits: &[Hit],
    marks: &dyn Fn(&Hit) -> Option<(&'static str, String)>,
) -> Markup {
    html! {
        ol.hits {
            @for hit in hits {
                @let mark = marks(hit);
                @let kind = mark.as_ref().map_or("", |m| m.0);
                li.hit.moved[kind == "moved"].entered[kind == "entered"].left[kind == "left"] value=(hit.rank) {
                    div.hit-head {
                        span.rank title="rank" { (hit.rank) }
                        a.title href=(doc_link(hit)) { (display_title(hit)) }
                        span.score title="score as returned" { (format!("{:.4}", hit.score)) }
                        @if let Some((_, label)) = &mark { span.badge { (label) } }
                    }
                    div.url { (hit.url) }
                    // The engine escapes snippet text and adds only <b> marks (highlight=html).
                    p.snippet { (PreEscaped(&hit.snippet)) }
                    div.ids {
                        code { (hit.doc_id) }
                        @if let Some(p) = &hit.passage_id { " · passage " code { (p) } }
                    }
                }
            }
        }
    }
}

fn display_title(hit: &Hit) -> &str {
    if hit.title.trim().is_empty() {
        &hit.url
    } else {
        &hit.title
    }
}

/// The document viewer at the hit's passage (or the document's start).
pub(crate) fn doc_link(hit: &Hit) -> String {
    let offset = hit.char_start.unwrap_or(0);
    format!("/ui/doc?doc_id={}&offset={offset}", encode(&hit.doc_id))
}

/// The request as a shell line against `base` (this server's address as the browser saw it).
pub(crate) fn curl_line(base: &str, api_query: &str) -> String {
    format!(
        "curl -s '{base}/v1/search?{}'",
        api_query.replace('\'', "%27")
    )
}

/// The playground page; `outcome` is the answer, or the API's error code and message.
pub fn search_page(
    f: &SearchForm,
    outcome: Option<Result<&SearchResponse, (&str, &str)>>,
    base: &str,
    elapsed_ms: Option<f64>,
) -> Markup {
    let snapshot = match &outcome {
        Some(Ok(answer)) => Some(answer.snapshot.as_str()),
        _ => None,
    };
    let body = html! {
        h1 { "Search" }
        (form(f))
        @match outcome {
            None => p.hint { "Type a query; every control is a parameter of " code { "GET /v1/search" } "." },
            Some(Err((code, message))) => (notice(code, message)),
            Some(Ok(answer)) => {
                section aria-labelledby="results-h" {
                    h2 #results-h {
                        (answer.results.len()) " results"
                        span.sub { " · mode " (answer.mode) " · unit " (answer.unit)
                            @if let Some(ms) = elapsed_ms { " · " (format!("{ms:.1}")) " ms" } }
                    }
                    (request_box(base, &f.api_query(), &answer.snapshot))
                    @if answer.results.is_empty() { p.hint { "No document matches." } }
                    (hit_list(&answer.results, &|_| None))
                }
            }
        }
    };
    page("Search", "/ui/search", snapshot, &body)
}

/// The copyable request and the answering snapshot.
pub(crate) fn request_box(base: &str, api_query: &str, snapshot: &str) -> Markup {
    html! {
        div.request {
            label for="curl" { "Request" }
            input #curl.curl type="text" readonly value=(curl_line(base, api_query)) aria-label="curl command";
            div { "snapshot " code title=(snapshot) { (snapshot) } }
        }
    }
}
