//! Handlers of the `/v1` routes: search, fetch, term statistics and the manifest.
//!
//! Each handler decodes the transport, takes the snapshot (503 until it is loaded), runs the
//! engine call on the bounded CPU pool and serializes the answer as compact JSON.
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use driftless_api::{
    ErrorBody, FetchRequest, FetchResponse, Manifest, SearchRequest, SearchResponse,
    TermStatsResponse,
};
use serde_json::Value;

use crate::error::{ApiError, json_response};
use crate::json_body::JsonBody;
use crate::log_capture::LogContext;
use crate::request_params::{
    fetch_from_query, search_from_json, search_from_query, terms_from_query,
};
use crate::route_docs::{EngineAnswer, EngineFaults, SearchFaults};
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
    params(SearchRequest),
    responses(
        EngineAnswer<SearchResponse>,
        (status = 400, description = "Malformed or out-of-range parameter, bad encoding, query syntax error.", body = ErrorBody),
        SearchFaults,
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
        EngineAnswer<SearchResponse>,
        (status = 400, description = "Malformed JSON, unknown or mistyped field, out-of-range value, query syntax error.", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB.", body = ErrorBody),
        (status = 415, description = "Missing `Content-Type: application/json`.", body = ErrorBody),
        SearchFaults,
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
    params(FetchRequest),
    responses(
        EngineAnswer<FetchResponse>,
        (status = 400, description = "Malformed or out-of-range parameter.", body = ErrorBody),
        (status = 404, description = "No document with that id or url.", body = ErrorBody),
        EngineFaults,
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
        EngineAnswer<TermStatsResponse>,
        (status = 400, description = "Missing, empty, too many or too long terms.", body = ErrorBody),
        EngineFaults,
    )
)]
pub async fn term_stats(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let terms = terms_from_query(raw.as_deref())?;
    let snapshot = state.snapshot()?;
    let (outcome, engine) = state.run_light(move || snapshot.term_stats(&terms)).await?;
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
