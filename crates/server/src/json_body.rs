//! A `Json` extractor whose rejections are [`ApiError`]s, so a malformed body gets the same
//! `{"error":{"code","message"}}` shape as every other error (axum `examples/error-handling`).
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

use crate::error::ApiError;
use crate::error_code::ErrorCode;

/// Largest request body accepted, in bytes. Search requests are a few hundred bytes; the limit
/// only has to keep a client from making the server buffer megabytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_to_error(&rejection)),
        }
    }
}

fn rejection_to_error(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body with `Content-Type: application/json`",
        ),
        JsonRejection::JsonSyntaxError(_) | JsonRejection::JsonDataError(_) => {
            ApiError::new(ErrorCode::InvalidJson, rejection.body_text())
        }
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            )
        }
        // `JsonRejection` is non-exhaustive; anything else is a body that could not be read.
        _ => ApiError::with_status(
            ErrorCode::InvalidBody,
            rejection.status(),
            rejection.body_text(),
        ),
    }
}
