//! `Server-Timing: engine;dur=…, total;dur=…` on engine-backed routes. Time goes in a header,
//! never in the body, so that identical requests yield byte-identical bodies.
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The header name.
pub static SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// Time spent inside the engine, left in the response's extensions by the handler.
#[derive(Debug, Clone, Copy)]
pub struct EngineTime(pub Duration);

/// The header value: milliseconds with three decimals, as the Server-Timing spec's `dur`.
pub fn server_timing_value(engine: Duration, total: Duration) -> HeaderValue {
    let value = format!(
        "engine;dur={:.3}, total;dur={:.3}",
        engine.as_secs_f64() * 1_000.0,
        total.as_secs_f64() * 1_000.0
    );
    HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static("total;dur=0"))
}

/// Middleware: measures the whole request and adds the engine's share when the handler
/// reported one (requests rejected before reaching the engine report `engine;dur=0.000`).
pub async fn server_timing(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let engine = response
        .extensions()
        .get::<EngineTime>()
        .map_or(Duration::ZERO, |time| time.0);
    let value = server_timing_value(engine, started.elapsed());
    response.headers_mut().insert(SERVER_TIMING.clone(), value);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_milliseconds_with_three_decimals() {
        let value = server_timing_value(Duration::from_micros(1_234), Duration::from_micros(2_000));
        assert_eq!(value, "engine;dur=1.234, total;dur=2.000");
    }
}
