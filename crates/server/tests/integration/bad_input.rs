//! Every malformed request is a 4xx with the error body, never a 5xx.
use axum::Router;
use axum::body::Body;
use axum::http::Request;

use crate::common::{TestResponse, get, loading_app, post_json, ready_app, send};

/// Asserts a 4xx with an error body and returns its code.
fn client_error(uri: &str, response: &TestResponse) -> String {
    assert!(
        response.status.is_client_error(),
        "{uri}: expected 4xx, got {} {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    response.error_code()
}

/// `GET uri` answered 400 with an error body: its code.
async fn bad_request(router: Router, uri: &str) -> String {
    let response = get(router, uri).await;
    response.assert_status(400, uri);
    response.error_code()
}

/// Malformed searches by the code they are refused with (`None`: any code).
const BAD_SEARCHES: &[(Option<&str>, &[&str])] = &[
    (
        None,
        &[
            "/v1/search?q=",
            "/v1/search?q=rust&k=0",
            "/v1/search?q=rust&k=101",
            "/v1/search?q=ru%01st",
            "/v1/search?q=rust&offset=1000000",
        ],
    ),
    (
        Some("invalid_parameter"),
        &[
            "/v1/search",
            "/v1/search?k=5",
            "/v1/search?q=rust&k=-1",
            "/v1/search?q=rust&k=abc",
            "/v1/search?q=rust&mode=semantic",
            "/v1/search?q=rust&unit=chapter",
            "/v1/search?q=rust&highlight=bold",
        ],
    ),
    (
        Some("invalid_encoding"),
        &[
            "/v1/search?q=%zz",
            "/v1/search?q=%E0%A4",
            "/v1/search?q=%FF",
        ],
    ),
    (Some("duplicate_parameter"), &["/v1/search?q=rust&k=1&k=2"]),
    (Some("unknown_parameter"), &["/v1/search?q=rust&limit=5"]),
];

#[tokio::test]
async fn bad_search_parameters_are_400() {
    let long_query = format!("/v1/search?q={}", "word+".repeat(2_000));
    let cases = BAD_SEARCHES
        .iter()
        .flat_map(|&(code, uris)| uris.iter().map(move |&uri| (code, uri)));
    for (expected, uri) in cases.chain([(None, long_query.as_str())]) {
        let code = bad_request(ready_app(), uri).await;
        if let Some(expected) = expected {
            assert_eq!(code, expected, "{uri}");
        }
    }
}

#[tokio::test]
async fn messages_name_the_parameter_and_the_accepted_values() {
    for (uri, named) in [
        ("/v1/search?q=rust&k=abc", "`k`"),
        ("/v1/search?q=rust&mode=semantic", "bm25"),
        ("/v1/search?q=rust&limit=5", "q, k, offset"),
    ] {
        let body = get(ready_app(), uri).await.json();
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(named)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn bad_fetch_parameters_are_4xx() {
    for uri in [
        "/v1/fetch?doc_id=rust/borrow&offset=1000000",
        "/v1/fetch?doc_id=rust/borrow&offset=-3",
        "/v1/fetch?doc_id=rust/borrow&max_chars=x",
        "/v1/fetch?doc_id=%zz",
        "/v1/fetch?id=rust/borrow",
    ] {
        let response = get(ready_app(), uri).await;
        client_error(uri, &response);
    }
}

#[tokio::test]
async fn bad_term_lists_are_400() {
    let too_many = format!("/v1/stats/terms?terms={}", vec!["a"; 33].join(","));
    let too_long = format!("/v1/stats/terms?terms={}", "x".repeat(101));
    for uri in [
        "/v1/stats/terms",
        "/v1/stats/terms?terms=",
        "/v1/stats/terms?terms=a,,b",
        &too_many,
        &too_long,
    ] {
        assert_eq!(bad_request(ready_app(), uri).await, "invalid_parameter");
    }
}

#[tokio::test]
async fn bad_json_bodies_are_4xx() {
    let cases = [
        ("{not json", 400, "invalid_json"),
        (r#"{"q": 5}"#, 400, "invalid_parameter"),
        (r#"{"q": "rust", "k": "ten"}"#, 400, "invalid_parameter"),
        (r#"{"k": 3}"#, 400, "invalid_parameter"),
        (r#"{"q": "rust", "limit": 3}"#, 400, "unknown_parameter"),
        (r#"["rust"]"#, 400, "invalid_json"),
        (
            r#"{"q": "rust", "mode": "semantic"}"#,
            400,
            "invalid_parameter",
        ),
    ];
    for (body, status, code) in cases {
        let response = post_json(ready_app(), "/v1/search", body).await;
        response.assert_status(status, body);
        assert_eq!(response.error_code(), code, "{body}");
    }
}

#[tokio::test]
async fn body_transport_errors_need_no_snapshot() {
    let no_type = Request::post("/v1/search")
        .body(Body::from(r#"{"q":"rust"}"#))
        .expect("request");
    let response = send(loading_app(), no_type).await;
    assert_eq!(response.status, 415);
    assert_eq!(response.error_code(), "unsupported_media_type");

    let huge = format!(r#"{{"q":"{}"}}"#, "a".repeat(70 * 1024));
    let response = post_json(loading_app(), "/v1/search", &huge).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.error_code(), "payload_too_large");

    let response = post_json(loading_app(), "/v1/search", "{oops").await;
    assert_eq!(response.status, 400);
    assert_eq!(response.error_code(), "invalid_json");
}

#[tokio::test]
async fn query_string_errors_need_no_snapshot() {
    for (uri, code) in [
        ("/v1/search?q=%zz", "invalid_encoding"),
        ("/v1/search?q=a&q=b", "duplicate_parameter"),
        ("/v1/search?q=a&k=abc", "invalid_parameter"),
        ("/v1/fetch?doc=a", "unknown_parameter"),
    ] {
        assert_eq!(bad_request(loading_app(), uri).await, code, "{uri}");
    }
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods() {
    let response = get(loading_app(), "/v2/search?q=rust").await;
    assert_eq!(response.status, 404);
    assert_eq!(response.error_code(), "not_found");

    let delete = Request::delete("/v1/search")
        .body(Body::empty())
        .expect("request");
    let response = send(loading_app(), delete).await;
    assert_eq!(response.status, 405);
    assert_eq!(response.error_code(), "method_not_allowed");
    assert!(
        response
            .header("allow")
            .is_some_and(|allow| allow.contains("GET"))
    );

    let post_fetch = post_json(loading_app(), "/v1/fetch", "{}").await;
    assert_eq!(post_fetch.status, 405);
    assert_eq!(post_fetch.error_code(), "method_not_allowed");
}
