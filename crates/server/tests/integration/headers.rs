//! Request ids and Server-Timing travel in headers, on every kind of response.
use axum::body::Body;
use axum::http::Request;

use crate::common::{TestResponse, get, get_ok, loading_app, ready_app, send};

/// Checks `engine;dur=<ms>, total;dur=<ms>` with three decimals each.
fn assert_server_timing(response: &TestResponse) {
    let value = response
        .header("server-timing")
        .expect("a Server-Timing header");
    let parts: Vec<&str> = value.split(", ").collect();
    assert_eq!(parts.len(), 2, "{value}");
    for (part, name) in parts.iter().zip(["engine", "total"]) {
        let millis = part
            .strip_prefix(&format!("{name};dur="))
            .unwrap_or_else(|| panic!("{value}"));
        let (whole, decimals) = millis.split_once('.').unwrap_or_else(|| panic!("{value}"));
        assert!(
            whole.chars().all(|c| c.is_ascii_digit()) && !whole.is_empty(),
            "{value}"
        );
        assert!(
            decimals.len() == 3 && decimals.chars().all(|c| c.is_ascii_digit()),
            "{value}"
        );
    }
}

#[tokio::test]
async fn engine_routes_carry_server_timing() {
    for uri in [
        "/v1/search?q=rust",
        "/v1/fetch?doc_id=rust/borrow",
        "/v1/stats/terms?terms=index,release",
    ] {
        let response = get_ok(ready_app(), uri).await;
        assert_server_timing(&response);
        assert!(response.header("x-request-id").is_some(), "{uri}");
    }
}

#[tokio::test]
async fn rejected_requests_carry_timing_and_ids_too() {
    let response = get(loading_app(), "/v1/search?q=%zz").await;
    assert_server_timing(&response);
    assert!(response.header("x-request-id").is_some());
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    for uri in [
        "/health",
        "/ready",
        "/nowhere",
        "/openapi.yaml",
        "/v1/search",
    ] {
        let response = get(loading_app(), uri).await;
        let id = response.header("x-request-id").unwrap_or_default();
        assert!(!id.is_empty() && id.len() <= 128, "{uri}: {id:?}");
    }
}

#[tokio::test]
async fn valid_incoming_ids_are_echoed_and_bad_ones_replaced() {
    let with_id = |id: &str| {
        Request::get("/health")
            .header("x-request-id", id)
            .body(Body::empty())
            .expect("request")
    };
    let echoed = send(loading_app(), with_id("agent-7/step-3")).await;
    assert_eq!(echoed.header("x-request-id"), Some("agent-7/step-3"));

    let long = "x".repeat(129);
    for bad in ["has space", long.as_str()] {
        let replaced = send(loading_app(), with_id(bad)).await;
        let id = replaced.header("x-request-id").unwrap_or_default();
        assert!(!id.is_empty() && id != bad, "{bad:?} -> {id:?}");
    }
}

#[tokio::test]
async fn bodies_hold_nothing_request_dependent() {
    let first = get(ready_app(), "/v1/fetch?doc_id=git/rebase&max_chars=30").await;
    let second = get(ready_app(), "/v1/fetch?doc_id=git/rebase&max_chars=30").await;
    assert_eq!(first.body, second.body);
    let id = first.header("x-request-id").unwrap_or_default();
    assert!(!String::from_utf8_lossy(&first.body).contains(id));
}
