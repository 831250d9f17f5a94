//! The console pages over the engine: playground, compare, document viewer, snapshot.
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use driftless_api::{FetchRequest, SearchResponse};
use driftless_console::{CompareForm, Comparison, SearchForm};

use super::{Pairs, base_url, error_response, html};
use crate::error::ApiError;
use crate::log_capture::LogContext;
use crate::request_params::{fetch_from_query, search_from_query};
use crate::state::AppState;

/// Runs the search a form describes, through the API's own decoder and the logged service.
async fn run(
    state: &AppState,
    form: &SearchForm,
    log: &LogContext,
) -> Result<SearchResponse, ApiError> {
    let request = search_from_query(Some(&form.api_query()))?;
    Ok(state.search_logged(request, log, "ui:search").await?.body)
}

/// The status of a page whose searches were refused: the first refusal's.
fn status_of(errors: &[Option<&ApiError>]) -> StatusCode {
    errors
        .iter()
        .flatten()
        .next()
        .map_or(StatusCode::OK, |e| e.status)
}

/// `GET /ui/search`.
pub(crate) async fn search(
    State(state): State<AppState>,
    log: LogContext,
    headers: HeaderMap,
    Pairs(pairs): Pairs,
) -> Response {
    let form = SearchForm::from_pairs(&pairs, "");
    let base = base_url(&headers);
    if !form.has_query() {
        return html(
            StatusCode::OK,
            driftless_console::search_page(&form, None, &base, None),
        );
    }
    let started = Instant::now();
    let outcome = run(&state, &form, &log).await;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    let status = status_of(&[outcome.as_ref().err()]);
    let shown = outcome
        .as_ref()
        .map_err(|e| (e.code.as_str(), e.message.as_str()));
    html(
        status,
        driftless_console::search_page(&form, Some(shown), &base, Some(elapsed)),
    )
}

/// `GET /ui/compare`: both sides run concurrently, each logged as its own search.
pub(crate) async fn compare(
    State(state): State<AppState>,
    log: LogContext,
    headers: HeaderMap,
    Pairs(pairs): Pairs,
) -> Response {
    let form = CompareForm::from_pairs(&pairs);
    let base = base_url(&headers);
    if !form.a.has_query() {
        return html(
            StatusCode::OK,
            driftless_console::compare_page(&form, None, &base),
        );
    }
    let (a, b) = tokio::join!(run(&state, &form.a, &log), run(&state, &form.b, &log));
    let status = status_of(&[a.as_ref().err(), b.as_ref().err()]);
    let comparison = Comparison {
        a: a.as_ref()
            .map_err(|e| (e.code.as_str(), e.message.as_str())),
        b: b.as_ref()
            .map_err(|e| (e.code.as_str(), e.message.as_str())),
    };
    html(
        status,
        driftless_console::compare_page(&form, Some(&comparison), &base),
    )
}

/// `GET /ui/doc?doc_id=…&offset=…`: the `/v1/fetch` parameters, logged as `ui:fetch`.
pub(crate) async fn doc(
    State(state): State<AppState>,
    log: LogContext,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let request: FetchRequest = match fetch_from_query(raw.as_deref()) {
        Ok(r) => r,
        Err(error) => return error_response(&error),
    };
    let base = base_url(&headers);
    match state.fetch_logged(request, &log, "ui:fetch").await {
        Ok(answer) => html(
            StatusCode::OK,
            driftless_console::doc_page(Ok(&answer.body), &base),
        ),
        Err(e) => html(
            e.status,
            driftless_console::doc_page(Err((e.code.as_str(), &e.message)), &base),
        ),
    }
}

/// `GET /ui/snapshot`: the served (or pinned) snapshot's manifest.
pub(crate) async fn snapshot(State(state): State<AppState>) -> Response {
    let snapshot = match state.snapshot() {
        Ok(s) => s,
        Err(error) => return error_response(&error),
    };
    let others: Vec<String> = state
        .snapshots()
        .iter()
        .map(|s| s.id().to_string())
        .filter(|id| id != snapshot.id())
        .collect();
    html(
        StatusCode::OK,
        driftless_console::snapshot_page(snapshot.manifest(), &others),
    )
}
