//! `x-request-id` on every response: a caller's id is echoed so it can join its own logs with
//! ours; otherwise the server makes one. It travels in headers only, never in bodies, so
//! identical requests keep identical bodies.
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The header name.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming id echoed back; longer ones are replaced.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// A per-process random prefix, so ids from two server processes (or restarts) do not collide.
/// `RandomState` is seeded from the OS, which spares a dependency on a random-number crate.
static PREFIX: LazyLock<u64> =
    LazyLock::new(|| RandomState::new().hash_one("driftless-request-id"));
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether an incoming id is echoed: 1..=128 bytes of visible ASCII (no spaces or controls,
/// which would let a caller forge log lines).
pub fn is_valid_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID_LEN
        && bytes.iter().all(|b| (0x21..=0x7e).contains(b))
}

/// A fresh id: the process prefix and a counter, e.g. `3f2a…-00000042`.
pub fn generate_request_id() -> HeaderValue {
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = format!("{:016x}-{count:08}", *PREFIX);
    HeaderValue::try_from(id).unwrap_or_else(|_| HeaderValue::from_static("driftless"))
}

/// Middleware: picks the id, puts it on the request (so the trace span can log it) and on the
/// response, whatever the status.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .filter(|value| is_valid_request_id(value))
        .cloned()
        .unwrap_or_else(generate_request_id);
    request
        .headers_mut()
        .insert(X_REQUEST_ID.clone(), id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(X_REQUEST_ID.clone(), id);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_incoming_ids() {
        assert!(is_valid_request_id(&HeaderValue::from_static(
            "abc-123_XYZ"
        )));
        assert!(!is_valid_request_id(&HeaderValue::from_static("")));
        assert!(!is_valid_request_id(&HeaderValue::from_static("has space")));
        let long = HeaderValue::try_from("x".repeat(129)).unwrap();
        assert!(!is_valid_request_id(&long));
        let max = HeaderValue::try_from("x".repeat(128)).unwrap();
        assert!(is_valid_request_id(&max));
    }

    #[test]
    fn generated_ids_are_unique_and_valid() {
        let a = generate_request_id();
        let b = generate_request_id();
        assert_ne!(a, b);
        assert!(is_valid_request_id(&a));
    }
}
