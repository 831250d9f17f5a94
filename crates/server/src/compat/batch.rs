//! `POST /v1/search/batch`: many searches in one round trip, each answered as if it had been
//! sent alone to `POST /v1/search`.
//!
//! Shape decisions:
//! - the envelope `{"requests":[…]}` is strict like `/v1` (unknown fields, a non-array,
//!   more than 256 requests: 400 for the whole call);
//! - each item is decoded and run on its own: a bad item gets, in its slot, exactly the
//!   error body `/v1/search` would have sent (`{"error":{"code","message"}}`) and the rest
//!   are answered, with status 200; the status of each item is in the query log;
//! - the whole call is refused with 503 only while the snapshot is not loaded, or when it is
//!   predicted to miss its deadline (admission is for the batch as a whole, so no item is
//!   refused on a prediction once the first has been answered);
//! - an empty list is answered with an empty list.
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use driftless_api::{BatchItem, BatchSearchResponse, ErrorBody, MAX_BATCH_REQUESTS, Mode};
use driftless_index::HitTexts;
use serde_json::Value;

use super::{MultiQueryJson, admit_request, bounded};
use crate::access::Payer;
use crate::cpu_pool::Job;
use crate::error::{ApiError, json_response};
use crate::error_code::ErrorCode;
use crate::log_capture::LogContext;
use crate::request_params::search_from_json;
use crate::server_timing::EngineTime;
use crate::service_many::chunks;
use crate::state::AppState;

/// The endpoint name in the query log.
pub const ENDPOINT: &str = "/v1/search/batch";

/// Several searches, answered in order.
#[utoipa::path(
    post,
    path = "/v1/search/batch",
    tag = "search",
    request_body(content = driftless_api::BatchSearchRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One item per request, in order: the `/v1/search` response, or the error body `/v1/search` would have sent for that request. Deterministic like `/v1/search`.", body = BatchSearchResponse),
        (status = 400, description = "Malformed JSON, no `requests` array, unknown envelope field, more than 256 requests.", body = ErrorBody),
        (status = 413, description = "Body larger than 1 MiB.", body = ErrorBody),
        (status = 415, description = "Missing `Content-Type: application/json`.", body = ErrorBody),
        (status = 429, description = "Quota used up: a batch costs one token per request in it; see `Retry-After`.", body = ErrorBody),
        (status = 503, description = "Snapshot not loaded yet, or the batch cannot be answered within its deadline (`overloaded`); see `Retry-After`. An item whose deadline passes gets the `timeout` error body in its slot.", body = ErrorBody),
    )
)]
pub async fn search_batch(
    State(state): State<AppState>,
    log: LogContext,
    payer: Payer,
    MultiQueryJson(body): MultiQueryJson,
) -> Result<Response, ApiError> {
    let items = envelope(body)?;
    let snapshot = state.snapshot()?;
    // One quota token per request in the batch (the access guard took the first).
    state.access().charge_queries(&payer, items.len())?;
    // 256 items × k 100 stay under MAX_REQUEST_HITS, so the envelope's limit is the cap.
    let weight = match snapshot.default_mode() {
        Mode::Bm25 => Job::Light,
        _ => Job::Heavy,
    };
    let budget = admit_request(&state, weight, items.len())?;
    // Undecodable items get their error in their slot; the others are searched in chunks
    // (service_many.rs), each item answered and logged as if sent alone.
    let mut slots: Vec<Option<BatchItem>> = (0..items.len()).map(|_| None).collect();
    let mut valid = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match search_from_json(item) {
            Ok(request) => valid.push((index, request)),
            Err(error) => slots[index] = Some(error_item(&error)),
        }
    }
    let workers = state.pool().workers();
    let answers = bounded(chunks(valid, workers), workers, budget, |_, chunk| {
        let state = state.clone();
        let log = log.clone();
        async move {
            let indexes: Vec<usize> = chunk.iter().map(|(index, _)| *index).collect();
            let chunk = chunk.into_iter().map(|(i, r)| (log.item(i), r)).collect();
            (
                indexes,
                state.search_chunk(chunk, ENDPOINT, HitTexts::Omit).await,
            )
        }
    })
    .await?;
    let mut engine = Duration::ZERO;
    for (indexes, answer) in answers {
        match answer {
            Ok((outcomes, time)) => {
                engine += time;
                for (index, outcome) in indexes.into_iter().zip(outcomes) {
                    slots[index] = Some(match outcome {
                        Ok((body, _)) => BatchItem::Ok(body),
                        Err(error) => error_item(&error),
                    });
                }
            }
            // A fault of the chunk's job (deadline, panic) is each of its items' answer.
            Err(error) => indexes
                .into_iter()
                .for_each(|i| slots[i] = Some(error_item(&error))),
        }
    }
    let responses = slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| error_item(&ApiError::internal(&"a batch item was lost")))
        })
        .collect();
    let mut response = json_response(StatusCode::OK, &BatchSearchResponse { responses });
    response.extensions_mut().insert(EngineTime(engine));
    Ok(response)
}

/// The error body `/v1/search` would have sent, in an item's slot.
fn error_item(error: &ApiError) -> BatchItem {
    BatchItem::Err(ErrorBody::new(error.code.as_str(), error.message.clone()))
}

/// The items of `{"requests":[…]}`, undecoded so that each can fail on its own.
fn envelope(body: Value) -> Result<Vec<Value>, ApiError> {
    let Value::Object(mut object) = body else {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            r#"the body must be a JSON object such as {"requests":[{"q":"..."}]}"#,
        ));
    };
    if let Some(unknown) = object.keys().find(|key| key.as_str() != "requests") {
        return Err(ApiError::new(
            ErrorCode::UnknownParameter,
            format!("unknown field {unknown:?}; this route accepts: requests"),
        ));
    }
    let Some(Value::Array(items)) = object.remove("requests") else {
        return Err(ApiError::invalid_parameter(
            "requests",
            "is required and must be an array of search requests",
        ));
    };
    if items.len() > MAX_BATCH_REQUESTS {
        return Err(ApiError::invalid_parameter(
            "requests",
            format!(
                "at most {MAX_BATCH_REQUESTS} requests per batch, got {}; split it",
                items.len()
            ),
        ));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_errors() {
        assert!(envelope(json!({"requests": []})).unwrap().is_empty());
        assert_eq!(
            envelope(json!([])).unwrap_err().code.as_str(),
            "invalid_json"
        );
        assert_eq!(
            envelope(json!({})).unwrap_err().code.as_str(),
            "invalid_parameter"
        );
        assert_eq!(
            envelope(json!({"requests": {"q": "a"}}))
                .unwrap_err()
                .code
                .as_str(),
            "invalid_parameter"
        );
        assert_eq!(
            envelope(json!({"requests": [], "k": 3}))
                .unwrap_err()
                .code
                .as_str(),
            "unknown_parameter"
        );
        let many = vec![json!({"q": "a"}); MAX_BATCH_REQUESTS + 1];
        assert_eq!(
            envelope(json!({"requests": many}))
                .unwrap_err()
                .code
                .as_str(),
            "invalid_parameter"
        );
    }
}
