//! `/mcp` refuses requests whose `Host` or `Origin` is not allowed (DNS rebinding): loopback
//! by default, more by `OriginPolicy` (the `--allowed-host` / `--allowed-origin` flags),
//! with the API's error shape; the REST routes are not affected.
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use driftless_server::access::Access;
use driftless_server::mcp::OriginPolicy;
use driftless_server::{AppState, ServerConfig, app};

use crate::common::{TestResponse, send};

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"origin-test","version":"1"}}}"#;

fn router(policy: OriginPolicy) -> axum::Router {
    let state = AppState::new(&ServerConfig::with_workers(1))
        .with_access(Access::default().with_mcp_origins(policy));
    app(state)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// `POST /mcp` initialize with these headers (a `None` host sends no Host at all).
async fn initialize(
    policy: &OriginPolicy,
    host: Option<&str>,
    origin: Option<&str>,
) -> TestResponse {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if let Some(host) = host {
        request = request.header("host", host);
    }
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let request = request.body(Body::from(INITIALIZE)).expect("request");
    send(router(policy.clone()), request).await
}

async fn assert_refused(
    policy: &OriginPolicy,
    host: Option<&str>,
    origin: Option<&str>,
    code: &str,
) {
    let response = initialize(policy, host, origin).await;
    assert_eq!(
        response.status,
        StatusCode::FORBIDDEN,
        "{host:?} {origin:?}"
    );
    assert_eq!(response.error_code(), code, "{host:?} {origin:?}");
}

async fn assert_admitted(policy: &OriginPolicy, host: Option<&str>, origin: Option<&str>) {
    let response = initialize(policy, host, origin).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{host:?} {origin:?}: {}",
        String::from_utf8_lossy(&response.body)
    );
}

#[tokio::test]
async fn loopback_only_by_default() {
    let policy = OriginPolicy::default();
    for host in [
        "127.0.0.1:8080",
        "localhost",
        "LOCALHOST:1",
        "[::1]:8080",
        "localhost.",
    ] {
        assert_admitted(&policy, Some(host), None).await;
    }
    for origin in [
        "http://localhost:5173",
        "https://127.0.0.1",
        "http://[::1]:80",
    ] {
        assert_admitted(&policy, Some("127.0.0.1:8080"), Some(origin)).await;
    }
    // The rebinding attack: the attacker's name resolves to 127.0.0.1.
    for host in [
        "evil.example",
        "evil.example:8080",
        "127.0.0.1.evil.example",
        "192.168.1.5",
    ] {
        assert_refused(&policy, Some(host), None, "forbidden_host").await;
    }
    assert_refused(&policy, None, None, "forbidden_host").await;
    for origin in [
        "http://evil.example",
        "null",
        "https://localhost.evil.example",
        "ftp://localhost",
        "garbage",
    ] {
        assert_refused(
            &policy,
            Some("127.0.0.1:8080"),
            Some(origin),
            "forbidden_origin",
        )
        .await;
    }
}

#[tokio::test]
async fn flags_allow_named_hosts_and_origins() {
    let policy = OriginPolicy::new(
        &strings(&["search.internal", "gateway.example:9000"]),
        &strings(&["https://app.example.com", "http://tools.example:8080"]),
    )
    .expect("valid flags");
    assert_admitted(&policy, Some("search.internal:8080"), None).await;
    assert_admitted(&policy, Some("gateway.example:9000"), None).await;
    assert_admitted(&policy, Some("localhost:8080"), None).await;
    assert_refused(
        &policy,
        Some("gateway.example:9001"),
        None,
        "forbidden_host",
    )
    .await;
    assert_refused(&policy, Some("other.internal"), None, "forbidden_host").await;
    for origin in [
        "https://app.example.com",
        "https://app.example.com:443",
        "http://tools.example:8080",
    ] {
        assert_admitted(&policy, Some("search.internal"), Some(origin)).await;
    }
    for origin in [
        "http://app.example.com",
        "https://app.example.com:8443",
        "http://tools.example",
    ] {
        assert_refused(
            &policy,
            Some("search.internal"),
            Some(origin),
            "forbidden_origin",
        )
        .await;
    }
    let any = OriginPolicy::new(&strings(&["*"]), &strings(&["*"])).expect("wildcards");
    assert_admitted(
        &any,
        Some("anything.example"),
        Some("https://anywhere.example"),
    )
    .await;
    assert_admitted(&any, Some("anything.example"), Some("null")).await;
}

#[test]
fn malformed_flag_values_are_named() {
    let error = OriginPolicy::new(&strings(&["bad host/"]), &[]).unwrap_err();
    assert!(error.contains("--allowed-host `bad host/`"), "{error}");
    let error = OriginPolicy::new(&[], &strings(&["app.example.com"])).unwrap_err();
    assert!(
        error.contains("--allowed-origin `app.example.com`"),
        "{error}"
    );
}

#[tokio::test]
async fn rest_routes_answer_any_host() {
    let router = router(OriginPolicy::default());
    let request = Request::get("/v1/snapshot")
        .header("host", "evil.example")
        .body(Body::empty())
        .expect("request");
    let response = send(router, request).await;
    // Not ready (no snapshot in this state), but not refused for its Host.
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
}
