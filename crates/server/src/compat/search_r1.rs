//! Search-R1's retrieval server: `POST /retrieve`.
//!
//! Search-R1 (`search_r1/search/retrieval_server.py`) answers
//! `{"queries":[…],"topk":3,"return_scores":true}` with one list per query of
//! `{"document":{"id","contents"},"score"}`, where `contents` is a wiki-18 passage record:
//! `"Title"` (in double quotes) on the first line, the passage text after it. Its trainers
//! split `contents` on the first newline into title and text and put both in the prompt.
//!
//! So the unit here is always the passage and `contents` is the passage's whole plain text
//! (not the 320-character snippet, no highlight marks): that is what a policy trained on
//! wiki-18 passages expects to read. `return_scores: false` gives the bare documents (what
//! Search-R1's code builds for that case). Field defaults follow Search-R1: `topk` absent
//! or 0 means 3, `return_scores` defaults to false, unknown fields are ignored (pydantic).
//!
//! One rollout's unusable query (empty, only exclusions, too long) must not fail the whole
//! training batch, and the shape has no per-query error slot: such a query gets `[]` and its
//! refusal is in the query log with its 4xx status. Faults (5xx, overload) fail the request.
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use driftless_api::{
    DEFAULT_RETRIEVE_TOPK, Highlight, MAX_REQUEST_HITS, MAX_RETRIEVE_QUERIES, Mode, RetrieveItem,
    RetrieveRequest, RetrieveResponse, RetrievedDocument, ScoredDocument, SearchRequest, Unit,
};
use driftless_index::HitTexts;

use super::retrieve_stream::{STREAM_ABOVE_HITS, streamed};
use super::{MultiQueryJson, admit_request, bounded, decode};
use crate::access::Payer;
use crate::cpu_pool::Job;
use crate::error::{ApiError, json_response};
use crate::log_capture::LogContext;
use crate::server_timing::EngineTime;
use crate::service_many::chunks;
use crate::state::AppState;

/// The endpoint name in the query log.
pub const ENDPOINT: &str = "/retrieve";

/// Search-R1's retrieval endpoint.
#[utoipa::path(
    post,
    path = "/retrieve",
    tag = "compat",
    request_body(content = RetrieveRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One ranked passage list per query, in query order; `[]` for a query the engine refused (logged with its 4xx status). Items are `{document, score}` with `return_scores: true`, bare documents otherwise.", body = RetrieveResponse),
        (status = 400, description = "Malformed JSON, a known field of the wrong type, `topk` over 100, more than 4,096 queries, or more than 50,000 hits (queries × topk). Answers over 4,096 hits are streamed (chunked) in query order; a fault after the first byte aborts the stream, so a truncated body is never taken for a whole one.", body = driftless_api::ErrorBody),
        (status = 413, description = "Body larger than 1 MiB.", body = driftless_api::ErrorBody),
        (status = 415, description = "Missing `Content-Type: application/json`.", body = driftless_api::ErrorBody),
        (status = 429, description = "Quota used up: a call costs one token per query; see `Retry-After`.", body = driftless_api::ErrorBody),
        (status = 503, description = "Snapshot not loaded yet, or the request cannot be answered within its deadline (`overloaded`, `timeout`); see `Retry-After`.", body = driftless_api::ErrorBody),
    )
)]
pub async fn retrieve(
    State(state): State<AppState>,
    log: LogContext,
    payer: Payer,
    MultiQueryJson(value): MultiQueryJson,
) -> Result<Response, ApiError> {
    let request: RetrieveRequest = decode(
        value,
        r#"{"queries":["..."],"topk":3,"return_scores":true}"#,
    )?;
    if request.queries.len() > MAX_RETRIEVE_QUERIES {
        return Err(ApiError::invalid_parameter(
            "queries",
            format!(
                "at most {MAX_RETRIEVE_QUERIES} queries per request, got {}; split the batch",
                request.queries.len()
            ),
        ));
    }
    let topk = match request.topk {
        None | Some(0) => DEFAULT_RETRIEVE_TOPK,
        Some(topk) => topk,
    };
    // Checked here so that a bad `topk` is one 400, not an empty list for every query.
    if topk > driftless_api::MAX_K {
        return Err(ApiError::invalid_parameter(
            "topk",
            format!("must be at most {}, got {topk}", driftless_api::MAX_K),
        ));
    }
    let hits = request.queries.len() * topk as usize;
    if hits > MAX_REQUEST_HITS {
        return Err(ApiError::invalid_parameter(
            "queries",
            format!(
                "{} queries × topk {topk} = {hits} hits; at most {MAX_REQUEST_HITS} hits per request: split the batch or lower topk",
                request.queries.len()
            ),
        ));
    }
    // One quota token per query (the access guard took the first).
    state
        .access()
        .charge_queries(&payer, request.queries.len())?;
    let weight = weight_of(&state, request.mode);
    let budget = admit_request(&state, weight, request.queries.len())?;
    let return_scores = request.return_scores;
    let searches: Vec<SearchRequest> = request
        .queries
        .into_iter()
        .map(|query| {
            let mut search = SearchRequest::new(query);
            search.k = topk;
            search.mode = request.mode;
            search.unit = Unit::Passage;
            search.highlight = Highlight::None;
            search
        })
        .collect();
    if hits > STREAM_ABOVE_HITS {
        return streamed(state, log, searches, return_scores, budget).await;
    }
    let workers = state.pool().workers();
    let answers = bounded(
        chunks(searches.into_iter().enumerate().collect(), workers),
        workers,
        budget,
        |_, chunk| {
            let state = state.clone();
            let log = log.clone();
            async move { answer_chunk(&state, &log, chunk).await }
        },
    )
    .await?;
    let mut result = Vec::new();
    let mut engine = Duration::ZERO;
    for answer in answers {
        let (lists, time) = answer?;
        engine += time;
        result.extend(
            lists
                .into_iter()
                .map(|passages| items(passages, return_scores)),
        );
    }
    let mut response = json_response(StatusCode::OK, &RetrieveResponse { result });
    response.extensions_mut().insert(EngineTime(engine));
    Ok(response)
}

/// One query's ranked list in the shape `return_scores` asks for.
pub(super) fn items(
    passages: Vec<(RetrievedDocument, f64)>,
    return_scores: bool,
) -> Vec<RetrieveItem> {
    passages
        .into_iter()
        .map(|(document, score)| {
            if return_scores {
                RetrieveItem::Scored(ScoredDocument { document, score })
            } else {
                RetrieveItem::Plain(document)
            }
        })
        .collect()
}

/// Dense and hybrid embed each query first (milliseconds); BM25 is light.
fn weight_of(state: &AppState, mode: Option<Mode>) -> Job {
    let mode = mode.or_else(|| state.snapshot().ok().map(|s| s.default_mode()));
    match mode {
        Some(Mode::Bm25) | None => Job::Light,
        Some(_) => Job::Heavy,
    }
}

/// The passage lists of a chunk of queries (searched in one CPU-pool job, see
/// service_many.rs), in order, and the engine time spent on them. A refusal of one query
/// (4xx) is an empty list for it; faults are errors.
pub(super) async fn answer_chunk(
    state: &AppState,
    log: &LogContext,
    chunk: Vec<(usize, SearchRequest)>,
) -> Result<(Vec<Vec<(RetrievedDocument, f64)>>, Duration), ApiError> {
    // The passage texts come from the search job itself (the engine has each hit's document
    // loaded to build the hit): one document read per hit.
    let chunk = chunk
        .into_iter()
        .map(|(i, search)| (log.item(i), search))
        .collect();
    let (outcomes, engine) = state
        .search_chunk(chunk, ENDPOINT, HitTexts::Include)
        .await?;
    let mut lists = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let (response, texts) = match outcome {
            Ok(body) => body,
            Err(error) if error.status.is_client_error() => {
                lists.push(Vec::new());
                continue;
            }
            Err(error) => return Err(error),
        };
        let passages = response
            .results
            .into_iter()
            .zip(texts)
            .map(|(hit, text)| {
                let document = RetrievedDocument {
                    contents: contents(&hit.title, &text),
                    id: hit.passage_id.unwrap_or(hit.doc_id),
                };
                (document, hit.score)
            })
            .collect();
        lists.push(passages);
    }
    Ok((lists, engine))
}

/// A wiki-18 record: the title in double quotes on the first line, then the text. A title
/// never spans lines, so trainers that split on the first newline get it back whole.
pub(crate) fn contents(title: &str, text: &str) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("\"{title}\"\n{}", text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_is_a_wiki18_record() {
        assert_eq!(contents("SELECT", " rows \n"), "\"SELECT\"\nrows");
        assert_eq!(contents("a\nb  c", "t"), "\"a b c\"\nt");
    }
}
