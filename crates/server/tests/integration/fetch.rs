//! Fetch: by id and by url, windows, unknown documents.
use crate::common::{get, get_ok, ready_app};

#[tokio::test]
async fn fetch_body_shape() {
    let response = get_ok(ready_app(), "/v1/fetch?doc_id=rust/borrow&max_chars=60").await;
    let body = response.json();
    assert_eq!(body["doc_id"], "rust/borrow");
    assert_eq!(body["offset"], 0);
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|text| text.chars().count() <= 60)
    );
    // Typed, so the snapshot keeps the field order of the wire.
    let typed: driftless_api::FetchResponse =
        serde_json::from_slice(&response.body).expect("a fetch response");
    insta::assert_json_snapshot!("fetch_rust_borrow_60", typed);
}

#[tokio::test]
async fn fetch_by_url_matches_fetch_by_id() {
    let by_id = get_ok(ready_app(), "/v1/fetch?doc_id=git/rebase").await;
    let by_url = get(
        ready_app(),
        "/v1/fetch?url=https%3A%2F%2Fgit-scm.com%2Fdocs%2Fgit-rebase",
    )
    .await;
    assert_eq!(by_id.body, by_url.body);
}

#[tokio::test]
async fn windows_tile_the_text() {
    let whole = get(ready_app(), "/v1/fetch?doc_id=python/os").await.json();
    let total = whole["total_chars"].as_u64().unwrap_or_default();
    let text = whole["text"].as_str().unwrap_or_default().to_owned();
    assert_eq!(text.chars().count() as u64, total);
    let tail = get(
        ready_app(),
        "/v1/fetch?doc_id=python/os&offset=10&max_chars=20",
    )
    .await
    .json();
    let expected: String = text.chars().skip(10).take(20).collect();
    assert_eq!(tail["text"], expected);
    assert_eq!(tail["offset"], 10);
}

#[tokio::test]
async fn unknown_documents_are_404() {
    for uri in [
        "/v1/fetch?doc_id=no/such/doc",
        "/v1/fetch?url=https%3A%2F%2Fexample.org%2F",
    ] {
        let response = get(ready_app(), uri).await;
        assert_eq!(response.status, 404, "{uri}");
        assert_eq!(response.error_code(), "not_found");
    }
}

/// Issue 20: a page's URL as a client copies it (`#fragment`, `http://`) fetches the page.
#[tokio::test]
async fn fetch_by_url_normalises_fragment_and_scheme() {
    let by_id = get_ok(ready_app(), "/v1/fetch?doc_id=git/rebase").await;
    assert_eq!(by_id.status, 200);
    for url in [
        "https%3A%2F%2Fgit-scm.com%2Fdocs%2Fgit-rebase%23_interactive_mode",
        "http%3A%2F%2Fgit-scm.com%2Fdocs%2Fgit-rebase",
        "HTTP%3A%2F%2FGit-SCM.com%2Fdocs%2Fgit-rebase%23x",
    ] {
        let by_url = get(ready_app(), &format!("/v1/fetch?url={url}")).await;
        assert_eq!(by_url.status, 200, "{url}");
        assert_eq!(by_id.body, by_url.body, "{url}");
    }
}

/// REST fetch has MCP fetch's `next_offset`: present while text remains, absent at the end,
/// and following it tiles the document.
#[tokio::test]
async fn next_offset_walks_the_document() {
    let whole = get(ready_app(), "/v1/fetch?doc_id=python/os").await.json();
    assert!(whole.get("next_offset").is_none(), "{whole}");
    let total = whole["total_chars"].as_u64().unwrap_or_default();
    let mut offset = 0;
    let mut text = String::new();
    let mut windows = 0;
    loop {
        let uri = format!("/v1/fetch?doc_id=python/os&offset={offset}&max_chars=700");
        let window = get(ready_app(), &uri).await.json();
        text.push_str(window["text"].as_str().unwrap_or_default());
        windows += 1;
        match window
            .get("next_offset")
            .and_then(serde_json::Value::as_u64)
        {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert_eq!(text, whole["text"].as_str().unwrap_or_default());
    assert_eq!(windows, total.div_ceil(700).max(1));
}
