//! Snapshot pinning: a request may require the snapshot it was tuned on.
//!
//! `x-snapshot-id: <id>` or `snapshot=<id>` in the query string, on every route (POST routes
//! take the query parameter on their URL); MCP tools take a `snapshot` argument. The pin
//! travels with the request as a task-local, like the deadline ([`crate::Budget`] carries it
//! into the tasks a multi-query request spawns), so every handler that asks
//! [`crate::AppState::snapshot`] gets the pinned snapshot, or 409 `snapshot_mismatch` naming
//! the snapshots this server serves. Without a pin a request gets the default snapshot.
use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::error_code::ErrorCode;
use crate::query_string::decode;

/// Header naming the snapshot a request requires.
pub static X_SNAPSHOT_ID: HeaderName = HeaderName::from_static("x-snapshot-id");
/// Query parameter naming the snapshot a request requires (every route accepts it).
pub const SNAPSHOT_PARAM: &str = "snapshot";
/// Longest snapshot id accepted (ids are 16 hex digits; longer is surely a mistake).
const MAX_ID_LEN: usize = 64;

tokio::task_local! {
    static PIN: Option<String>;
}

/// The snapshot id the request being served requires, if any.
pub fn current() -> Option<String> {
    PIN.try_with(Clone::clone).ok().flatten()
}

/// Runs `future` requiring snapshot `id` (`None`: the default snapshot).
pub fn scope<F: Future>(id: Option<String>, future: F) -> impl Future<Output = F::Output> {
    PIN.scope(id, future)
}

/// Checks the shape of an id from a client.
pub fn validate(id: &str, from: &str) -> Result<String, ApiError> {
    let id = id.trim();
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(id.to_owned())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!(
                "{from} must be a snapshot id (letters, digits, - or _, at most {MAX_ID_LEN}); GET /v1/snapshots lists the ones served"
            ),
        ))
    }
}

/// The pin of `request`: its header and its query parameter, which must agree.
fn requested(request: &Request) -> Result<Option<String>, ApiError> {
    let header = match request.headers().get(&X_SNAPSHOT_ID) {
        None => None,
        Some(value) => {
            let text = value.to_str().map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidHeader,
                    format!("header `{X_SNAPSHOT_ID}` must be ASCII"),
                )
            })?;
            Some(validate(text, &format!("header `{X_SNAPSHOT_ID}`"))?)
        }
    };
    // Most requests carry no pin: decode (and allocate) only when the raw query can name
    // one; a percent-encoded name needs a `%`. A query string that does not decode is the
    // route's to report, with its own message.
    let raw = request.uri().query().unwrap_or("");
    let may_pin = raw.contains(SNAPSHOT_PARAM) || raw.contains('%');
    let pairs = if may_pin {
        decode(raw).unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut params = pairs.iter().filter(|(name, _)| name == SNAPSHOT_PARAM);
    let param = match (params.next(), params.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::DuplicateParameter,
                format!("parameter `{SNAPSHOT_PARAM}` is given more than once; send it once"),
            ));
        }
        (Some((_, value)), None) => {
            Some(validate(value, &format!("parameter `{SNAPSHOT_PARAM}`"))?)
        }
    };
    match (header, param) {
        // Each is a well-formed pin; no snapshot is both, as with an id not served.
        (Some(h), Some(p)) if h != p => Err(ApiError::new(
            ErrorCode::SnapshotMismatch,
            format!(
                "header `{X_SNAPSHOT_ID}` ({h}) and parameter `{SNAPSHOT_PARAM}` ({p}) require different snapshots, and no snapshot is both; send one"
            ),
        )),
        (header, param) => Ok(header.or(param)),
    }
}

/// Middleware: sets the request's pin for everything below it.
pub async fn pin(request: Request, next: Next) -> Response {
    match requested(&request) {
        Ok(id) => scope(id, next.run(request)).await,
        Err(error) => error.into_response(),
    }
}
