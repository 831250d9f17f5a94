//! `/ui/compare`: one query under two configurations side by side, the ablation view. The
//! overlap is measured as the replay reports do (`driftless_querylog::overlap`: Jaccard@k
//! and extrapolated RBO, p = 0.9), and each hit says whether it moved, entered or left.
use std::collections::HashMap;

use driftless_api::{Hit, SearchResponse};
use driftless_querylog::overlap::{jaccard_at_k, rbo_ext};
use maud::{Markup, html};

use crate::form::CompareForm;
use crate::layout::{input, notice, page};
use crate::search_page::{fields, hit_list, pin, request_box};

/// RBO's persistence: the weight of the top ranks (0.9 puts ~86% of it on the top 10).
const RBO_P: f64 = 0.9;

/// One side's outcome: the answer, or the API's error code and message.
pub type Side<'a> = Result<&'a SearchResponse, (&'a str, &'a str)>;

/// What the page compares: the two outcomes, when a query was given.
#[derive(Debug)]
pub struct Comparison<'a> {
    /// Left configuration's outcome.
    pub a: Side<'a>,
    /// Right configuration's outcome.
    pub b: Side<'a>,
}

/// The identity of a hit across configurations: the passage when there is one.
fn key(hit: &Hit) -> &str {
    hit.passage_id.as_deref().unwrap_or(&hit.doc_id)
}

fn ranks(hits: &[Hit]) -> HashMap<&str, u32> {
    hits.iter().map(|h| (key(h), h.rank)).collect()
}

/// Overlap figures of two answers.
fn overlap(a: &SearchResponse, b: &SearchResponse) -> (f64, f64, usize) {
    let ids = |r: &SearchResponse| {
        r.results
            .iter()
            .map(key)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (ia, ib) = (ids(a), ids(b));
    let k = ia.len().max(ib.len());
    let shared = ia.iter().filter(|id| ib.contains(id)).count();
    (jaccard_at_k(&ia, &ib, k), rbo_ext(&ia, &ib, RBO_P), shared)
}

/// The compare page.
pub fn compare_page(f: &CompareForm, outcome: Option<&Comparison<'_>>, base: &str) -> Markup {
    let body = html! {
        h1 { "Compare" }
        form.compare method="get" action="/ui/compare" {
            div.querybox {
                label for="q" { "Query" }
                input #q type="search" name="q" value=(f.a.get("q")) autofocus;
                button type="submit" { "Compare" }
            }
            div.fields { div { (input("k", "k", f.a.get("k"), "number", "10")) } }
            (pin(&f.a))
            div.sides {
                fieldset { legend { "A" } (fields(&f.a, "a_")) }
                fieldset { legend { "B" } (fields(&f.b, "b_")) }
            }
        }
        @if let Some(c) = outcome {
            @if let (Ok(a), Ok(b)) = (&c.a, &c.b) {
                @let (jaccard, rbo, shared) = overlap(a, b);
                p.overlap #overlap {
                    "Jaccard@k " strong #jaccard { (format!("{jaccard:.3}")) }
                    " · RBO (p = 0.9) " strong #rbo { (format!("{rbo:.3}")) }
                    " · " (shared) " shared of " (a.results.len()) " and " (b.results.len())
                }
            }
            div.columns {
                (column("A", &f.a.api_query(), &c.a, &c.b, base, true))
                (column("B", &f.b.api_query(), &c.b, &c.a, base, false))
            }
        }
    };
    page("Compare", "/ui/compare", None, &body)
}

/// One side; `left` decides the marks: hits of A missing from B have *left*, hits of B
/// missing from A have *entered*, shared hits at another rank have *moved*.
fn column(
    name: &str,
    api_query: &str,
    this: &Side<'_>,
    other: &Side<'_>,
    base: &str,
    left: bool,
) -> Markup {
    html! {
        section.side aria-label=(format!("Configuration {name}")) {
            h2 { (name) }
            @match this {
                Err((code, message)) => (notice(code, message)),
                Ok(answer) => {
                    (request_box(base, api_query, &answer.snapshot))
                    @let other_ranks = other.as_ref().ok().map(|o| ranks(&o.results));
                    (hit_list(&answer.results, &|hit| mark(hit, other_ranks.as_ref(), left)))
                }
            }
        }
    }
}

fn mark(
    hit: &Hit,
    other: Option<&HashMap<&str, u32>>,
    left: bool,
) -> Option<(&'static str, String)> {
    let other = other?;
    match other.get(key(hit)) {
        None if left => Some(("left", "left".to_string())),
        None => Some(("entered", "entered".to_string())),
        Some(&rank) if rank != hit.rank => {
            let (from, to) = if left {
                (hit.rank, rank)
            } else {
                (rank, hit.rank)
            };
            let arrow = if to < from { "↑" } else { "↓" };
            Some(("moved", format!("moved {arrow} {from}→{to}")))
        }
        Some(_) => None,
    }
}
