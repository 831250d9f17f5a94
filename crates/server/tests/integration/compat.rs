//! Compatibility shapes: Search-R1 `/retrieve`, the native batch, the same ranking through
//! every shape and `/docs` here; SearXNG and Tavily in `web`, the query log in `logged`. Exact bodies, 4xx error bodies, the same ranking as
//! `/v1/search`, and one query-log record per search under the shape's endpoint.
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{get, post_json, ready_app, send};

mod logged;
mod web;

/// The 200 JSON answer of the ready app to `POST uri` with `body`.
pub(super) async fn post_ok(uri: &str, body: &str) -> Value {
    post_json(ready_app(), uri, body).await.ok_json()
}

fn doc_ids(v1: &Value) -> Vec<String> {
    v1["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|hit| hit["doc_id"].as_str().expect("doc_id").to_owned())
        .collect()
}

/// `url → doc_id` from a `/v1/search` body, to map the url-only shapes back.
fn doc_id_of(v1: &Value, url: &str) -> String {
    v1["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|hit| hit["url"] == url)
        .and_then(|hit| hit["doc_id"].as_str())
        .unwrap_or_else(|| panic!("{url} is not among the /v1/search results"))
        .to_owned()
}

#[tokio::test]
async fn retrieve_is_search_r1_shaped() {
    let body = r#"{"queries":["borrow checker","release"],"topk":2,"return_scores":true}"#;
    let response = post_ok("/retrieve", body).await;
    // Typed, so the snapshot keeps the field order of the wire.
    let typed: driftless_api::RetrieveResponse =
        serde_json::from_value(response.clone()).expect("typed");
    insta::assert_json_snapshot!("retrieve_two_queries", typed);
    let first = &response["result"][0][0];
    let contents = first["document"]["contents"].as_str().expect("contents");
    // wiki-18 layout: the quoted title, a newline, the passage's whole plain text.
    assert!(
        contents.starts_with("\"References and Borrowing\"\n"),
        "{contents}"
    );
    assert!(contents.contains("The borrow checker enforces that references never outlive"));
    assert!(!contents.contains("**"));
    assert_eq!(
        first["document"]["id"].as_str().map(|id| id.contains('#')),
        Some(true)
    );
}

#[tokio::test]
async fn retrieve_defaults_follow_search_r1() {
    // topk absent or 0 → 3; return_scores absent → bare documents; unknown fields ignored.
    for body in [
        r#"{"queries":["release"]}"#,
        r#"{"queries":["release"],"topk":0,"return_scores":false,"unknown":1}"#,
    ] {
        let response = post_ok("/retrieve", body).await;
        let passages = response["result"][0].as_array().expect("one list");
        assert_eq!(passages.len(), 3, "{response}");
        for document in passages {
            let keys: Vec<&String> = document.as_object().expect("object").keys().collect();
            assert_eq!(keys, ["contents", "id"]);
        }
    }
    let empty = post_ok("/retrieve", r#"{"queries":[]}"#).await;
    assert_eq!(empty, json!({"result": []}));
}

#[tokio::test]
async fn retrieve_answers_a_refused_query_with_an_empty_list() {
    let body = r#"{"queries":["-release","","rebase"],"topk":1,"return_scores":true}"#;
    let response = post_ok("/retrieve", body).await;
    assert_eq!(response["result"][0], json!([]));
    assert_eq!(response["result"][1], json!([]));
    assert_eq!(response["result"][2].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn retrieve_refuses_malformed_requests() {
    for (body, code) in [
        (r#"{"topk":3}"#, "invalid_parameter"),
        (r#"{"queries":"a"}"#, "invalid_parameter"),
        (r#"{"queries":["a"],"topk":-1}"#, "invalid_parameter"),
        (r#"{"queries":["a"],"topk":101}"#, "invalid_parameter"),
        (
            r#"{"queries":["a"],"return_scores":"yes"}"#,
            "invalid_parameter",
        ),
        (r#"{"queries":["a"],"mode":"fast"}"#, "invalid_parameter"),
        (r#"["a"]"#, "invalid_json"),
        ("{", "invalid_json"),
    ] {
        let response = post_json(ready_app(), "/retrieve", body).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.error_code(), code, "{body}");
    }
    let many = json!({ "queries": vec!["a"; driftless_api::MAX_RETRIEVE_QUERIES + 1] });
    let response = post_json(ready_app(), "/retrieve", &many.to_string()).await;
    assert_eq!(response.status, 400);
    let huge = format!(r#"{{"queries":["{}"]}}"#, "a".repeat(1024 * 1024));
    let response = post_json(ready_app(), "/retrieve", &huge).await;
    assert_eq!(
        (response.status.as_u16(), response.error_code().as_str()),
        (413, "payload_too_large")
    );
    let no_type = Request::post("/retrieve")
        .body(Body::from(r#"{"queries":["a"]}"#))
        .expect("request");
    let response = send(ready_app(), no_type).await;
    assert_eq!(response.status, 415);
    let wrong_method = get(ready_app(), "/retrieve").await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.error_code(), "method_not_allowed");
}

#[tokio::test]
async fn batch_answers_each_request_as_if_alone() {
    let body = r#"{"requests":[{"q":"release index","k":3},{"q":"release","k":0},{"q":"rebase","kk":1},{"q":"borrow","unit":"passage"}]}"#;
    let response = post_ok("/v1/search/batch", body).await;
    let items = response["responses"].as_array().expect("responses");
    assert_eq!(items.len(), 4);
    for (item, alone) in items.iter().zip([
        r#"{"q":"release index","k":3}"#,
        r#"{"q":"release","k":0}"#,
        r#"{"q":"rebase","kk":1}"#,
        r#"{"q":"borrow","unit":"passage"}"#,
    ]) {
        let single = post_json(ready_app(), "/v1/search", alone).await;
        assert_eq!(*item, single.json(), "{alone}");
    }
    assert_eq!(items[1]["error"]["code"], "invalid_parameter");
    assert_eq!(items[2]["error"]["code"], "unknown_parameter");
}

#[tokio::test]
async fn batch_envelope_errors_fail_the_whole_call() {
    let many =
        json!({ "requests": vec![json!({"q": "a"}); driftless_api::MAX_BATCH_REQUESTS + 1] });
    for (body, code) in [
        (many.to_string(), "invalid_parameter"),
        (r#"{"requests":{"q":"a"}}"#.to_owned(), "invalid_parameter"),
        (r#"{"queries":[]}"#.to_owned(), "unknown_parameter"),
        ("[]".to_owned(), "invalid_json"),
    ] {
        let response = post_json(ready_app(), "/v1/search/batch", &body).await;
        assert_eq!(response.status, 400);
        assert_eq!(response.error_code(), code);
    }
    let empty = post_ok("/v1/search/batch", r#"{"requests":[]}"#).await;
    assert_eq!(empty, json!({"responses": []}));
}

#[tokio::test]
async fn every_shape_ranks_the_same_documents() {
    let q = "release index";
    let v1 = get(ready_app(), "/v1/search?q=release+index&k=5")
        .await
        .ok_json();
    let expected = doc_ids(&v1);
    assert!(expected.len() >= 3, "{v1}");
    let searxng = get(ready_app(), "/search?q=release+index&format=json")
        .await
        .ok_json();
    let tavily = post_ok(
        "/search",
        &json!({"query": q, "max_results": 5}).to_string(),
    )
    .await;
    for (shape, body) in [("searxng", &searxng), ("tavily", &tavily)] {
        let ids: Vec<String> = body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| doc_id_of(&v1, r["url"].as_str().expect("url")))
            .collect();
        assert_eq!(ids, expected, "{shape}");
    }
    let batch = post_ok(
        "/v1/search/batch",
        &json!({"requests": [{"q": q, "k": 5}]}).to_string(),
    )
    .await;
    assert_eq!(batch["responses"][0], v1);
    let passages = get(ready_app(), "/v1/search?q=release+index&k=5&unit=passage")
        .await
        .ok_json();
    let retrieve = post_ok(
        "/retrieve",
        &json!({"queries": [q], "topk": 5, "return_scores": true}).to_string(),
    )
    .await;
    let retrieved: Vec<(&Value, &Value)> = retrieve["result"][0]
        .as_array()
        .expect("list")
        .iter()
        .map(|item| (&item["document"]["id"], &item["score"]))
        .collect();
    let searched: Vec<(&Value, &Value)> = passages["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|hit| (&hit["passage_id"], &hit["score"]))
        .collect();
    assert_eq!(retrieved, searched);
}

#[tokio::test]
async fn docs_page_is_self_contained_and_lists_every_route() {
    let response = get(ready_app(), "/docs").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(response.body).expect("UTF-8");
    let routes = driftless_server::openapi().paths.paths.into_keys();
    let schemas = [
        "RetrieveResponse",
        "SearxngResponse",
        "TavilyRequest",
        "BatchSearchResponse",
    ];
    let listed = routes
        .map(|path| format!("<code>{path}</code>"))
        .chain(schemas.map(|schema| format!("id=\"schema-{schema}\"")));
    for entry in listed {
        assert!(html.contains(&entry), "{entry} missing");
    }
    // Nothing loaded from elsewhere: no scripts, stylesheets, images or absolute links.
    for needle in ["<script", "<link", "<img", "src=", "href=\"http"] {
        assert!(!html.contains(needle), "{needle}");
    }
}

#[test]
fn openapi_documents_the_compat_routes() {
    let document = driftless_server::openapi();
    let paths = &document.paths.paths;
    assert!(paths["/retrieve"].post.is_some());
    assert!(paths["/search"].get.is_some() && paths["/search"].post.is_some());
    assert!(paths["/v1/search/batch"].post.is_some());
    assert!(paths["/docs"].get.is_some());
}
