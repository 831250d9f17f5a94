//! The one error type every handler returns, and the one place where engine errors become
//! HTTP statuses. Every error body has the shape `{"error":{"code","message"}}`.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use driftless_api::ErrorBody;
use driftless_index::{IndexError, UserError};

use crate::error_code::ErrorCode;

/// An error ready to be sent: status, stable code, message and an optional `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status (4xx for the caller's fault, 5xx for ours).
    pub status: StatusCode,
    /// Stable code for the body (its status and meaning: [`ErrorCode`], docs/errors.md).
    pub code: ErrorCode,
    /// Message written for the caller.
    pub message: String,
    /// Seconds a client should wait before retrying, sent as `Retry-After`.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error with `code`, sent with the code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::with_status(code, code.status(), message)
    }

    /// An error with `code` and another status: only a body decoder's own rejection
    /// (`invalid_body` as 400, 413 or 422) needs one.
    pub fn with_status(code: ErrorCode, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `invalid_parameter` naming the parameter.
    pub fn invalid_parameter(param: &str, message: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::InvalidParameter,
            format!("invalid parameter `{param}`: {message}"),
        )
    }

    /// 503 `not_ready`: the snapshot is still loading.
    pub fn not_ready() -> Self {
        Self::new(
            ErrorCode::NotReady,
            "the snapshot is still loading; retry shortly (GET /ready reports when it is loaded)",
        )
        .with_retry_after(1)
    }

    /// 503 `overloaded`: the CPU pool's wait queue holds `capacity` requests (its memory
    /// bound). `Retry-After` is the predicted wait, at least a second.
    pub fn queue_full(capacity: usize, wait: std::time::Duration) -> Self {
        Self::new(ErrorCode::Overloaded,
            format!(
                "the server is at capacity: {capacity} requests are already waiting; retry after a short pause"
            ),
        )
        .with_retry_after(retry_seconds(wait))
    }

    /// 503 `overloaded`: arrivals outpace the server, and this request's predicted
    /// completion lies past its deadline (or past the operator's `--max-queue-wait-ms`).
    pub fn past_deadline(predicted: std::time::Duration, allowed: std::time::Duration) -> Self {
        Self::new(ErrorCode::Overloaded,
            format!(
                "the server is at capacity: this request would be answered in ~{} ms, past its deadline of {} ms from now (x-request-timeout-ms / --request-timeout-ms); retry after a short pause",
                predicted.as_millis(),
                allowed.as_millis()
            ),
        )
        .with_retry_after(retry_seconds(predicted))
    }

    /// 503 `timeout`: on a free worker, this request's own searches are predicted to take
    /// longer than its whole deadline (a client timeout of a few milliseconds, or thousands
    /// of queries in one call): not overload, so the message says what to change.
    pub fn longer_than_deadline(
        predicted: std::time::Duration,
        allowed: std::time::Duration,
    ) -> Self {
        Self::new(ErrorCode::Timeout,
            format!(
                "this request needs ~{} ms of search, more than its deadline of {} ms from now allows; raise x-request-timeout-ms (up to the server's --request-timeout-ms) or send fewer queries per call",
                predicted.as_millis(),
                allowed.as_millis()
            ),
        )
        .with_retry_after(1)
    }

    /// 503 `timeout`: the request's deadline passed before it could be answered.
    pub fn deadline_passed() -> Self {
        Self::new(ErrorCode::Timeout,
            "the request's deadline (x-request-timeout-ms, or the server's --request-timeout-ms) passed before it could be answered; retry after a short pause",
        )
        .with_retry_after(1)
    }

    /// 500 `internal` with a generic message. The detail goes to the log, never to the
    /// client: it may name files on the server and it would make bodies differ between runs.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            ErrorCode::Internal,
            "internal server error; the detail is in the server log",
        )
    }

    /// Sets `Retry-After`.
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

/// Whole seconds for `Retry-After`, rounded up, at least one.
fn retry_seconds(wait: std::time::Duration) -> u32 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}

impl From<IndexError> for ApiError {
    /// The one mapping from engine errors to HTTP. No wildcard arm: a new engine error
    /// variant must be given a status here before the server compiles.
    fn from(error: IndexError) -> Self {
        match error {
            IndexError::User(user) => {
                let code = match &user {
                    UserError::InvalidParameter { .. } => ErrorCode::InvalidParameter,
                    UserError::QuerySyntax(_) => ErrorCode::QuerySyntax,
                    UserError::ModeUnavailable(_) => ErrorCode::ModeUnavailable,
                    UserError::NotFound(_) => ErrorCode::NotFound,
                };
                Self::new(code, user.to_string())
            }
            IndexError::Internal(internal) => Self::internal(&internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody::new(self.code.as_str(), self.message);
        let mut response = json_response(self.status, &body);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Serializes `body` as compact JSON with `status`. Compact and serde-ordered so that equal
/// values always give equal bytes.
pub fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        // Our response types hold only strings, integers and finite floats, so this is a bug;
        // answer with a fixed body rather than recursing into another serialization.
        Err(error) => {
            tracing::error!(%error, "cannot serialize a response body");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                r#"{"error":{"code":"internal","message":"internal server error; the detail is in the server log"}}"#,
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_errors_map_to_4xx() {
        let cases = [
            (UserError::QuerySyntax("x".into()), StatusCode::BAD_REQUEST),
            (
                UserError::ModeUnavailable("x".into()),
                StatusCode::BAD_REQUEST,
            ),
            (UserError::NotFound("x".into()), StatusCode::NOT_FOUND),
            (
                UserError::InvalidParameter {
                    param: "k",
                    message: "too big".into(),
                },
                StatusCode::BAD_REQUEST,
            ),
        ];
        for (user, status) in cases {
            let code = user.code();
            let api = ApiError::from(IndexError::User(user));
            assert_eq!(api.status, status);
            assert_eq!(
                api.code.as_str(),
                code,
                "the engine's code is the wire code"
            );
        }
    }

    #[test]
    fn internal_errors_hide_their_detail() {
        let internal = driftless_index::InternalError::Corrupt("/srv/secret/path".into());
        let api = ApiError::from(IndexError::Internal(internal));
        assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!api.message.contains("secret"));
    }
}
