//! SearXNG (`GET /search`, `GET /?q=`, form `POST /search`) and Tavily (JSON `POST /search`):
//! exact bodies, tolerated and refused parameters, domain filters, error bodies.
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::json;

use super::post_ok;
use crate::common::{get, post_json, ready_app, send};

#[tokio::test]
async fn searxng_json_shape_and_paging() {
    let response = get(
        ready_app(),
        "/search?q=release+index&format=json&language=en",
    )
    .await
    .ok_json();
    let typed: driftless_api::SearxngResponse =
        serde_json::from_value(response.clone()).expect("typed");
    insta::assert_json_snapshot!("searxng_release_index", typed);
    let second = get(ready_app(), "/search?q=release+index&format=json&pageno=2")
        .await
        .ok_json();
    assert_eq!(second["results"], json!([]), "six pages fit on page 1");
    // SearXNG's real extra parameters are tolerated.
    let extra = "/search?q=release+index&format=json&categories=general&engines=google,bing\
        &safesearch=0&time_range=&theme=simple&image_proxy=True&enabled_plugins=x";
    assert_eq!(
        get(ready_app(), extra).await.ok_json()["results"],
        response["results"]
    );
}

/// Where `uri` redirects to, permanently (308).
async fn redirect(uri: &str) -> String {
    let response = get(ready_app(), uri).await;
    response.assert_status(308, uri);
    response.header("location").expect("a Location").to_owned()
}

#[tokio::test]
async fn searxng_root_and_form_post_reach_the_same_search() {
    assert_eq!(
        redirect("/?q=release&format=json").await,
        "/search?q=release&format=json"
    );
    assert_eq!(redirect("/").await, "/docs");
    let by_get = get(ready_app(), "/search?q=release&format=json").await;
    let form = Request::builder()
        .method(Method::POST)
        .uri("/search")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("q=release&format=json"))
        .expect("request");
    let by_post = send(ready_app(), form).await;
    assert_eq!(by_post.status, 200);
    assert_eq!(by_get.body, by_post.body);
}

#[tokio::test]
async fn searxng_refuses_malformed_known_parameters() {
    for query in [
        "format=json",
        "q=&format=json",
        "q=a&format=html",
        "q=a&pageno=0",
        "q=a&pageno=two",
        "q=a&safesearch=3",
        "q=a&language=English",
        "q=a&time_range=decade",
        "q=a&q=b",
        "q=%zz",
        "q=a&pageno=5000",
    ] {
        let response = get(ready_app(), &format!("/search?{query}")).await;
        assert_eq!(response.status, 400, "{query}");
        response.error_code();
    }
}

#[tokio::test]
async fn tavily_shape_is_deterministic_but_for_response_time() {
    let body = r#"{"query":"release","max_results":3,"api_key":"x","include_answer":true,"search_depth":"advanced","topic":"news"}"#;
    let mut first = post_ok("/search", body).await;
    let mut second = post_ok("/search", body).await;
    assert!(first["response_time"].is_f64());
    first["response_time"] = json!(0.0);
    second["response_time"] = json!(0.0);
    assert_eq!(first, second);
    let typed: driftless_api::TavilyResponse = serde_json::from_value(first).expect("typed");
    insta::assert_json_snapshot!("tavily_release", typed);
    let raw = r#"{"query":"rebase","max_results":1,"include_raw_content":"text"}"#;
    let raw = post_ok("/search", raw).await;
    let text = raw["results"][0]["raw_content"]
        .as_str()
        .expect("raw content");
    assert!(
        text.contains("Reapply commits on top of another base tip"),
        "{text}"
    );
}

#[tokio::test]
async fn tavily_domains_become_site_filters() {
    let only_python = r#"{"query":"release index module","include_domains":["docs.python.org"]}"#;
    let response = post_ok("/search", only_python).await;
    let urls: Vec<&str> = response["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["url"].as_str())
        .collect();
    assert_eq!(urls, ["https://docs.python.org/3.11/library/os.html"]);
    assert_eq!(response["query"], "release index module");
    let without = r#"{"query":"release","exclude_domains":["https://docs.djangoproject.com/","git-scm.com"]}"#;
    let response = post_ok("/search", without).await;
    for result in response["results"].as_array().expect("results") {
        let url = result["url"].as_str().expect("url");
        assert!(
            !url.contains("djangoproject") && !url.contains("git-scm"),
            "{url}"
        );
    }
}

#[tokio::test]
async fn tavily_errors_carry_tavilys_detail_too() {
    for body in [
        r#"{"max_results":3}"#,
        r#"{"query":"a","max_results":21}"#,
        r#"{"query":"a","max_results":"3"}"#,
        r#"{"query":"a","search_depth":"deepest"}"#,
        r#"{"query":"a","include_raw_content":"html"}"#,
        r#"{"query":"a","include_domains":["two words"]}"#,
        r#"{"query":"a","include_domains_mode":"prefer","include_domains":["a.org"]}"#,
    ] {
        let response = post_json(ready_app(), "/search", body).await;
        assert_eq!(response.status, 400, "{body}");
        let error = response.json();
        assert_eq!(
            error["detail"]["error"], error["error"]["message"],
            "{body}"
        );
        response.error_code();
    }
}
