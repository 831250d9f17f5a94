//! Compatibility shapes: other servers' request and response bodies over the one search
//! service, so their unmodified clients can point at driftless.
//!
//! - [`search_r1`]: Search-R1's `POST /retrieve` (RL trainers);
//! - [`searxng`]: SearXNG's `GET /search?format=json` (LangChain's `SearxSearchWrapper`);
//! - [`tavily`]: Tavily's `POST /search` (`tavily-python`);
//! - [`batch`]: the native `POST /v1/search/batch`.
//!
//! Every shape builds [`SearchRequest`]s and calls [`AppState::search_logged`] with its own
//! endpoint name, so the ranking is `/v1/search`'s and the query log tells the shapes apart.
//! Shapes that emulate another server ignore the fields that server ignores (unknown ones)
//! but refuse malformed values of the fields they know; the native batch is as strict as
//! `/v1/search`.
pub(crate) mod batch;
mod retrieve_stream;
pub(crate) mod search_r1;
pub(crate) mod searxng;
pub(crate) mod tavily;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use driftless_api::{ErrorDetail, FetchRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::cpu_pool::Job;
use crate::deadline::Budget;
use crate::error::{ApiError, json_response};
use crate::error_code::ErrorCode;
use crate::server_timing;
use crate::state::AppState;

/// Body limit of the multi-query routes (`/retrieve`, batch): a trainer's batch of a few
/// thousand queries is far above the 64 KiB of the single-query routes.
pub const MAX_MULTI_BODY_BYTES: usize = 1024 * 1024;

/// The routes of every shape, with `Server-Timing` like the `/v1` engine routes.
pub(crate) fn routes() -> Router<AppState> {
    let multi = Router::new()
        .route("/retrieve", post(search_r1::retrieve))
        .route("/v1/search/batch", post(batch::search_batch))
        .layer(DefaultBodyLimit::max(MAX_MULTI_BODY_BYTES));
    Router::new()
        .route(
            "/search",
            get(searxng::search_get).post(tavily::search_post),
        )
        .merge(multi)
        .route_layer(middleware::from_fn(server_timing::server_timing))
        .route("/", get(searxng::root))
}

/// The JSON body of a multi-query route (`/retrieve`, batch): [`json_value`] with
/// [`MAX_MULTI_BODY_BYTES`], as an extractor so those handlers take the value, not the parts.
pub(crate) struct MultiQueryJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for MultiQueryJson {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state).await;
        json_value(&headers, body, MAX_MULTI_BODY_BYTES).map(Self)
    }
}

/// The body as a JSON value: `Content-Type: application/json`, at most `limit` bytes, valid
/// JSON. Errors have the shape (and codes) of `JsonBody`'s.
pub(crate) fn json_value(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Value, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the request body is larger than {limit} bytes"),
            )
        } else {
            ApiError::with_status(
                ErrorCode::InvalidBody,
                rejection.status(),
                rejection.body_text(),
            )
        }
    })?;
    if !is_json(headers) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body with `Content-Type: application/json`",
        ));
    }
    serde_json::from_slice(&body).map_err(|error| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("the body is not valid JSON: {error}"),
        )
    })
}

/// True for `application/json` (parameters such as `charset` allowed) and `+json` types.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|media| {
        media == "application/json"
            || (media.starts_with("application/") && media.ends_with("+json"))
    })
}

/// The media type of `Content-Type`, lower-cased, parameters dropped.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next().unwrap_or_default().trim();
    Some(media.to_ascii_lowercase())
}

/// Deserializes `value` into `T`, naming the field at fault in the 400.
pub(crate) fn decode<T: DeserializeOwned>(value: Value, shape: &str) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            format!("the body must be a JSON object ({shape})"),
        ));
    }
    crate::request_params::deserialize_named(value)
}

/// Admits a multi-query request of `items` searches as a whole (one prediction of all its
/// items against its deadline) and returns the budget its items run under: admitted, with the
/// request's deadline. Refusing item 17 of 32 on a prediction would discard 16 answers.
pub(crate) fn admit_request(
    state: &AppState,
    weight: Job,
    items: usize,
) -> Result<Budget, ApiError> {
    let budget = state.budget();
    state.pool().check(weight, items, budget)?;
    Ok(budget.admitted())
}

/// Runs `job(index, item)` on every item with at most `in_flight` at once (the CPU pool's
/// workers), each under `budget`; outputs in item order. A multi-query request thus keeps
/// every core busy but never queues behind itself.
pub(crate) async fn bounded<I, T, F, Fut>(
    items: Vec<I>,
    in_flight: usize,
    budget: Budget,
    job: F,
) -> Result<Vec<T>, ApiError>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(usize, I) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let total = items.len();
    if total == 1 {
        // The common agent call (one query): no task to spawn and join.
        let item = items.into_iter().next().expect("one item");
        return Ok(vec![budget.scope(job(0, item)).await]);
    }
    let mut outputs: Vec<Option<T>> = (0..total).map(|_| None).collect();
    let mut pending = items.into_iter().enumerate();
    let mut running = JoinSet::new();
    loop {
        while running.len() < in_flight.max(1) {
            let Some((index, item)) = pending.next() else {
                break;
            };
            // Spawned tasks do not inherit the task-local budget: carry it over.
            let future = budget.scope(job(index, item));
            running.spawn(async move { (index, future.await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (index, output) = joined.map_err(|error| ApiError::internal(&error))?;
        outputs[index] = Some(output);
    }
    outputs
        .into_iter()
        .map(|output| output.ok_or_else(|| ApiError::internal(&"a batch item was lost")))
        .collect()
}

/// Reads text windows (passage texts, raw page contents) in one CPU-pool job.
///
/// These reads are part of answering a search, not a reader opening a page, so they are not
/// logged as fetches: a fetch record means "the agent read this document" to the log's
/// analyses (CTAR), and the search record already lists these documents.
pub(crate) async fn read_texts(
    state: &AppState,
    windows: Vec<FetchRequest>,
) -> Result<(Vec<String>, Duration), ApiError> {
    if windows.is_empty() {
        return Ok((Vec::new(), Duration::ZERO));
    }
    let snapshot = state.snapshot()?;
    let (outcome, engine) = state
        .run_light(move || {
            windows
                .iter()
                .map(|window| snapshot.fetch(window).map(|answer| answer.text))
                .collect::<Result<Vec<String>, _>>()
        })
        .await?;
    // The windows come from the engine's own hits, so a refusal here is our fault.
    let texts = outcome.map_err(|error| ApiError::internal(&error))?;
    Ok((texts, engine))
}

/// driftless's error body plus Tavily's `detail.error` (the same message), which
/// `tavily-python` puts in the exception it raises.
pub(crate) fn error_with_detail(error: &ApiError) -> Response {
    #[derive(Serialize)]
    struct Detail<'a> {
        error: &'a str,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        error: ErrorDetail,
        detail: Detail<'a>,
    }
    let body = Body {
        error: ErrorDetail {
            code: error.code.as_str().to_string(),
            message: error.message.clone(),
        },
        detail: Detail {
            error: &error.message,
        },
    };
    let mut response = json_response(error.status, &body);
    if let Some(seconds) = error.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
