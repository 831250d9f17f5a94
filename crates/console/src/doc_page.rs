//! `/ui/doc`: a document read through `/v1/fetch` windows, with links to the previous and
//! next window and to the page's canonical URL.
use driftless_api::{DEFAULT_FETCH_CHARS, FetchResponse};
use maud::{Markup, html};

use crate::form::encode;
use crate::layout::{notice, page};

/// The viewer; `outcome` is the window, or the API's error code and message.
pub fn doc_page(outcome: Result<&FetchResponse, (&str, &str)>, base: &str) -> Markup {
    let body = match outcome {
        Err((code, message)) => html! { h1 { "Document" } (notice(code, message)) },
        Ok(doc) => {
            let link =
                |offset: u64| format!("/ui/doc?doc_id={}&offset={offset}", encode(&doc.doc_id));
            let end = doc.offset + doc.text.chars().count() as u64;
            let previous = (doc.offset > 0).then(|| doc.offset.saturating_sub(DEFAULT_FETCH_CHARS));
            html! {
                h1 #doc-title { (if doc.title.is_empty() { &doc.url } else { &doc.title }) }
                p.url { a href=(doc.url) rel="noreferrer" { (doc.url) } }
                p.window {
                    "characters " (doc.offset) "–" (end) " of " (doc.total_chars)
                    " · " code { (doc.doc_id) }
                }
                nav.pager aria-label="Document windows" {
                    @if let Some(p) = previous { a rel="prev" href=(link(p)) { "← previous" } }
                    @if let Some(n) = doc.next_offset { a rel="next" href=(link(n)) { "next →" } }
                }
                pre.doctext #doc-text { (doc.text) }
                div.request {
                    label for="curl" { "Request" }
                    input #curl.curl type="text" readonly aria-label="curl command"
                        value=(format!("curl -s '{base}/v1/fetch?doc_id={}&offset={}'", encode(&doc.doc_id), doc.offset));
                    div { "snapshot " code { (doc.snapshot) } }
                }
            }
        }
    };
    page("Document", "", None, &body)
}
