//! Search: response shape, determinism, GET and POST agreeing, query syntax leniency.
use crate::common::{get, get_ok, post_json, ready_app};

#[tokio::test]
async fn search_body_shape() {
    let response = get_ok(ready_app(), "/v1/search?q=release&k=3").await;
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body["query"], "release");
    assert_eq!(body["k"], 3);
    assert_eq!(body["offset"], 0);
    assert!(
        body["results"]
            .as_array()
            .is_some_and(|hits| !hits.is_empty())
    );
    // Typed, so the snapshot keeps the field order of the wire.
    let typed: driftless_api::SearchResponse =
        serde_json::from_slice(&response.body).expect("a search response");
    insta::assert_json_snapshot!("search_release_k3", typed);
}

#[tokio::test]
async fn identical_requests_get_identical_bodies() {
    let uri = "/v1/search?q=index+query&k=5";
    let first = get_ok(ready_app(), uri).await;
    let second = get(ready_app(), uri).await;
    assert_eq!(first.body, second.body);
    // Headers carry what differs between the two requests.
    assert_ne!(first.header("x-request-id"), second.header("x-request-id"));
}

#[tokio::test]
async fn get_and_post_agree() {
    let by_get = get_ok(ready_app(), "/v1/search?q=borrow+checker&k=2&mode=bm25").await;
    let by_post = post_json(
        ready_app(),
        "/v1/search",
        r#"{"q":"borrow checker","k":2,"mode":"bm25"}"#,
    )
    .await;
    by_post.assert_status(200, "POST");
    assert_eq!(by_get.body, by_post.body);
}

#[tokio::test]
async fn results_are_ranked_and_paginated() {
    let all = get(ready_app(), "/v1/search?q=release+index&k=4")
        .await
        .json();
    let page = get(ready_app(), "/v1/search?q=release+index&k=2&offset=2")
        .await
        .json();
    let hits = all["results"].as_array().cloned().unwrap_or_default();
    let paged = page["results"].as_array().cloned().unwrap_or_default();
    for (rank, hit) in hits.iter().enumerate() {
        assert_eq!(hit["rank"], rank + 1);
    }
    if hits.len() == 4 {
        assert_eq!(paged[0]["doc_id"], hits[2]["doc_id"]);
        assert_eq!(paged[0]["rank"], 3);
    }
}

#[tokio::test]
async fn a_lone_quote_is_literal_text() {
    for uri in [
        "/v1/search?q=%22",
        "/v1/search?q=%22borrow+checker",
        "/v1/search?q=git+%22",
    ] {
        get_ok(ready_app(), uri).await;
    }
}

#[tokio::test]
async fn plus_is_a_space() {
    let response = get(ready_app(), "/v1/search?q=borrow+checker").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["query"], "borrow checker");
}
