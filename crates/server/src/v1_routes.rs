//! Handlers of the `/v1` routes: search, fetch, term statistics and the manifest.
//!
//! Each handler decodes the transport, takes the snapshot (503 until it is loaded), runs the
//! engine call on the bounded CPU pool and serializes the answer as compact JSON.
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use driftless_api::{
    ErrorBody, FetchResponse, Manifest, SearchRequest, SearchResponse, TermStatsResponse,
};
use serde_json::Value;

use crate::cpu_pool::Job;
use crate::error::{ApiError, json_response};
use crate::json_body::JsonBody;
use crate::log_capture::LogContext;
use crate::request_params::{
    fetch_from_query, search_from_json, search_from_query, terms_from_query,
};
use crate::server_timing::EngineTime;
use crate::service::Answer;
use crate::state::AppState;

/// A 200 JSON answer carrying the engine's time for `Server-Timing`.
pub(crate) fn answer_response<T: serde::Serialize>(answer: &Answer<T>) -> Response {
    let mut response = json_response(StatusCode::OK, &answer.body);
    response.extensions_mut().insert(EngineTime(answer.engine));
    response
}

async fn run_search(
    state: &AppState,
    request: SearchRequest,
    log: &LogContext,
) -> Result<Response, ApiError> {
    let answer = state.search_logged(request, log, "/v1/search").await?;
    Ok(answer_response(&answer))
}

/// Ranked search, parameters in the query string.
#[utoipa::path(
    get,
    path = "/v1/search",
    tag = "search",
    params(
        ("q" = String, Query, min_length = 1, max_length = 1000, description = "The query. BM25 syntax: bare terms, `\"exact phrase\"`, `-excluded`, `OR`, `site:host`; unbalanced quotes are literal text; at most 16 phrase and exclusion clauses."),
        ("k" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Number of results (default 10)."),
        ("offset" = Option<u32>, Query, description = "Ranked results to skip (default 0); `offset + k` ≤ 10000 in mode `bm25`, ≤ 1000 in `dense`, `dense_exact` and `hybrid`."),
        ("mode" = Option<driftless_api::Mode>, Query, description = "Retrieval mode; the snapshot's default when absent."),
        ("unit" = Option<driftless_api::Unit>, Query, description = "Retrieval unit (default `doc`)."),
        ("k1" = Option<f32>, Query, description = "BM25 k1 for this request (ablations)."),
        ("b" = Option<f32>, Query, description = "BM25 b for this request (ablations)."),
        ("fusion_k" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "RRF constant of mode `hybrid` for this request (ablations)."),
        ("highlight" = Option<driftless_api::Highlight>, Query, description = "How query terms are marked in snippets (default `markdown`)."),
        ("explain" = Option<bool>, Query, description = "`true` adds to each hit an `explain` object: its rank and score in the BM25 and/or dense ranking behind `score`, and `fusion_k` in mode `hybrid` (default `false`: no `explain`, the body is unchanged)."),
    ),
    responses(
        (status = 200, description = "Ranked results; identical requests get identical bodies.", body = SearchResponse,
            headers(("x-request-id" = String), ("server-timing" = String, description = "engine and total time in ms"))),
        (status = 400, description = "Malformed or out-of-range parameter, bad encoding, query syntax error.", body = ErrorBody),
        (status = 500, description = "Fault on the server's side.", body = ErrorBody),
        (status = 503, description = "Snapshot not loaded yet (`not_ready`), or the request cannot be answered within its deadline (`overloaded`: predicted at arrival; `timeout`: passed while waiting); see `Retry-After`.", body = ErrorBody),
    )
)]
pub async fn search_get(
    State(state): State<AppState>,
    log: LogContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = search_from_query(raw.as_deref())?;
    run_search(&state, request, &log).await
}

/// Ranked search, parameters in a JSON body with the fields of the query string.
#[utoipa::path(
    post,
    path = "/v1/search",
    tag = "search",
    request_body(content = SearchRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Ranked results; identical requests get identical bodies.", body = SearchResponse,
            headers(("x-request-id" = String), ("server-timing" = String, description = "engine and total time in ms"))),
        (status = 400, description = "Malformed JSON, unknown or mistyped field, out-of-range value, query syntax error.", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB.", body = ErrorBody),
        (status = 415, description = "Missing `Content-Type: application/json`.", body = ErrorBody),
        (status = 500, description = "Fault on the server's side.", body = ErrorBody),
        (status = 503, description = "Snapshot not loaded yet (`not_ready`), or the request cannot be answered within its deadline (`overloaded`: predicted at arrival; `timeout`: passed while waiting); see `Retry-After`.", body = ErrorBody),
    )
)]
pub async fn search_post(
    State(state): State<AppState>,
    log: LogContext,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let request = search_from_json(body)?;
    run_search(&state, request, &log).await
}

/// A window of one document's clean text, by `doc_id` or by `url`.
#[utoipa::path(
    get,
    path = "/v1/fetch",
    tag = "fetch",
    params(
        ("doc_id" = Option<String>, Query, min_length = 1, max_length = 4096, description = "Document id; give exactly one of `doc_id` and `url`."),
        ("url" = Option<String>, Query, description = "Canonical URL; give exactly one of `doc_id` and `url`."),
        ("offset" = Option<u64>, Query, description = "First character to return (default 0)."),
        ("max_chars" = Option<u64>, Query, minimum = 1, maximum = 1000000, description = "Most characters to return (default 20000)."),
    ),
    responses(
        (status = 200, description = "The requested window of the document text.", body = FetchResponse,
            headers(("x-request-id" = String), ("server-timing" = String, description = "engine and total time in ms"))),
        (status = 400, description = "Malformed or out-of-range parameter.", body = ErrorBody),
        (status = 404, description = "No document with that id or url.", body = ErrorBody),
        (status = 500, description = "Fault on the server's side.", body = ErrorBody),
        (status = 503, description = "Snapshot not loaded yet or queue full; see `Retry-After`.", body = ErrorBody),
    )
)]
pub async fn fetch(
    State(state): State<AppState>,
    log: LogContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = fetch_from_query(raw.as_deref())?;
    let answer = state.fetch_logged(request, &log, "/v1/fetch").await?;
    Ok(answer_response(&answer))
}

/// Document frequencies of a few terms, after the index's analysis.
#[utoipa::path(
    get,
    path = "/v1/stats/terms",
    tag = "stats",
    params(
        ("terms" = String, Query, min_length = 1, description = "1 to 32 comma-separated terms of at most 100 characters each."),
    ),
    responses(
        (status = 200, description = "One entry per term, in request order.", body = TermStatsResponse,
            headers(("x-request-id" = String), ("server-timing" = String, description = "engine and total time in ms"))),
        (status = 400, description = "Missing, empty, too many or too long terms.", body = ErrorBody),
        (status = 500, description = "Fault on the server's side.", body = ErrorBody),
        (status = 503, description = "Snapshot not loaded yet or queue full; see `Retry-After`.", body = ErrorBody),
    )
)]
pub async fn term_stats(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let terms = terms_from_query(raw.as_deref())?;
    let snapshot = state.snapshot()?;
    let (outcome, engine) = state
        .run_bounded(Job::Light, move || snapshot.term_stats(&terms))
        .await?;
    let body = outcome.map_err(ApiError::from)?;
    Ok(answer_response(&Answer { body, engine }))
}

/// The manifest of the snapshot being served.
#[utoipa::path(
    get,
    path = "/v1/snapshot",
    tag = "snapshot",
    responses(
        (status = 200, description = "The snapshot's manifest.json.", body = Manifest),
        (status = 503, description = "Snapshot not loaded yet.", body = ErrorBody),
    )
)]
pub async fn snapshot(State(state): State<AppState>) -> Result<Response, ApiError> {
    let snapshot = state.snapshot()?;
    Ok(json_response(StatusCode::OK, snapshot.manifest()))
}
