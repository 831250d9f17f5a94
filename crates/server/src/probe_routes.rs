//! Liveness, readiness, the OpenAPI document and the answers for unknown routes and methods.
use std::any::Any;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use driftless_api::ErrorBody;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, json_response};
use crate::error_code::ErrorCode;
use crate::state::AppState;

/// Body of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HealthStatus {
    /// Always `ok`: the process is up and answering.
    pub status: String,
}

/// Body of `GET /ready` once the snapshot is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReadyStatus {
    /// Always `ready`.
    pub status: String,
    /// Id of the snapshot being served.
    pub snapshot: String,
}

/// Liveness: the process answers, whether or not the snapshot is loaded.
#[utoipa::path(
    get,
    path = "/health",
    tag = "probes",
    responses((status = 200, description = "The process is alive.", body = HealthStatus))
)]
pub async fn health() -> Response {
    json_response(
        StatusCode::OK,
        &HealthStatus {
            status: "ok".into(),
        },
    )
}

/// Readiness: 200 once the snapshot is loaded and verified, 503 before.
#[utoipa::path(
    get,
    path = "/ready",
    tag = "probes",
    responses(
        (status = 200, description = "The snapshot is loaded and verified.", body = ReadyStatus),
        (status = 503, description = "Still loading (`not_ready`) or failed to load (`snapshot_unavailable`).", body = ErrorBody),
    )
)]
pub async fn ready(State(state): State<AppState>) -> Result<Response, ApiError> {
    let snapshot = state.snapshot()?;
    let body = ReadyStatus {
        status: "ready".into(),
        snapshot: snapshot.id().to_owned(),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// The OpenAPI document of this server, generated from the code.
#[utoipa::path(
    get,
    path = "/openapi.yaml",
    tag = "probes",
    responses((status = 200, description = "OpenAPI 3.1 document (a YAML mapping).", body = Object, content_type = "application/yaml"))
)]
pub async fn openapi_document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/yaml"),
        )],
        crate::openapi::cached_yaml(),
    )
        .into_response()
}

/// Fallback for paths no route matches.
pub async fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "no such route; see GET /openapi.yaml for the routes this server answers",
    )
}

/// Fallback for a known path with a method it does not accept.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not accept that method; see the Allow header",
    )
}

/// Turns a handler panic into a 500 with the usual error body instead of a dropped connection.
#[expect(
    clippy::needless_pass_by_value,
    reason = "CatchPanicLayer hands the payload over by value"
)]
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    ApiError::internal(&format!("handler panicked: {detail}")).into_response()
}
