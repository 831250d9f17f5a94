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
    response.assert_status(200, &format!("{host:?} {origin:?}"));
}

/// Host headers alone (no Origin): the `admitted` answer, the `refused` are `forbidden_host`.
async fn check_hosts(policy: &OriginPolicy, admitted: &[&str], refused: &[&str]) {
    for host in admitted {
        assert_admitted(policy, Some(host), None).await;
    }
    for host in refused {
        assert_refused(policy, Some(host), None, "forbidden_host").await;
    }
}

/// Origins sent with an allowed `host`: the `admitted` answer, the `refused` are
/// `forbidden_origin`.
async fn check_origins(policy: &OriginPolicy, host: &str, admitted: &[&str], refused: &[&str]) {
    for origin in admitted {
        assert_admitted(policy, Some(host), Some(origin)).await;
    }
    for origin in refused {
        assert_refused(policy, Some(host), Some(origin), "forbidden_origin").await;
    }
}

#[tokio::test]
async fn loopback_only_by_default() {
    let policy = OriginPolicy::default();
    check_hosts(
        &policy,
        &[
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]:8080",
            "localhost.",
        ],
        // The rebinding attack: the attacker's name resolves to 127.0.0.1.
        &[
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "192.168.1.5",
        ],
    )
    .await;
    assert_refused(&policy, None, None, "forbidden_host").await;
    check_origins(
        &policy,
        "127.0.0.1:8080",
        &[
            "http://localhost:5173",
            "https://127.0.0.1",
            "http://[::1]:80",
        ],
        &[
            "http://evil.example",
            "null",
            "https://localhost.evil.example",
            "ftp://localhost",
            "garbage",
        ],
    )
    .await;
}

#[tokio::test]
async fn flags_allow_named_hosts_and_origins() {
    let policy = OriginPolicy::new(
        &strings(&["search.internal", "gateway.example:9000"]),
        &strings(&["https://app.example.com", "http://tools.example:8080"]),
    )
    .expect("valid flags");
    check_hosts(
        &policy,
        &[
            "search.internal:8080",
            "gateway.example:9000",
            "localhost:8080",
        ],
        &["gateway.example:9001", "other.internal"],
    )
    .await;
    check_origins(
        &policy,
        "search.internal",
        &[
            "https://app.example.com",
            "https://app.example.com:443",
            "http://tools.example:8080",
        ],
        &[
            "http://app.example.com",
            "https://app.example.com:8443",
            "http://tools.example",
        ],
    )
    .await;
    let any = OriginPolicy::new(&strings(&["*"]), &strings(&["*"])).expect("wildcards");
    for origin in ["https://anywhere.example", "null"] {
        assert_admitted(&any, Some("anything.example"), Some(origin)).await;
    }
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
