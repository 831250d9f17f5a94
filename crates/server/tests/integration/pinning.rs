//! Issue 19, items 1 and 2: a request may require its snapshot (`x-snapshot-id` header or
//! `snapshot=` parameter) and one server answers from several snapshots side by side.
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use driftless_api::SearchRequest;
use driftless_server::{AppState, ServerConfig, app};

use crate::common::{FIXTURE, get, k1_variant, post_json, send};

/// The test snapshot (the default) and the same pages built with k1 = 1.2 (other scores,
/// another id), served by one state; the second one's directory lives in `dir`.
async fn two_snapshots(dir: &std::path::Path) -> (AppState, String, String) {
    let other = k1_variant(dir);
    let state = AppState::new(&ServerConfig::with_workers(2));
    state
        .load_snapshots_with(
            vec![FIXTURE.snapshot_dir.clone(), other],
            driftless_index::OpenOptions::default(),
        )
        .await
        .expect("load both");
    let ids: Vec<String> = state
        .snapshots()
        .iter()
        .map(|s| s.id().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    (state, ids[0].clone(), ids[1].clone())
}

async fn get_pinned_by_header(router: Router, uri: &str, id: &str) -> crate::common::TestResponse {
    let request = Request::get(uri)
        .header("x-snapshot-id", id)
        .body(Body::empty())
        .expect("request");
    send(router, request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_pinned_requests_get_their_snapshot_or_409() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, first, second) = two_snapshots(dir.path()).await;
    let router = app(state);
    let wrong = "0123456789abcdef";
    for i in 0..1000 {
        let (id, expect) = match i % 4 {
            0 => (first.as_str(), 200),
            1 => (second.as_str(), 200),
            _ => (wrong, 409),
        };
        let response = if i % 2 == 0 {
            get(
                router.clone(),
                &format!("/v1/search?q=release&k={}&snapshot={id}", 1 + i % 7),
            )
            .await
        } else {
            get_pinned_by_header(router.clone(), "/v1/search?q=release", id).await
        };
        assert_eq!(response.status, expect, "request {i} pinned to {id}");
        if expect == 200 {
            assert_eq!(response.json()["snapshot"], id, "request {i}");
        } else {
            assert_eq!(response.error_code(), "snapshot_mismatch");
            let message = response.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            assert!(
                message.contains(&format!("{first} (default)")) && message.contains(&second),
                "{message}"
            );
        }
    }
}

#[tokio::test]
async fn each_snapshot_answers_with_its_own_bytes_on_every_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, first, second) = two_snapshots(dir.path()).await;
    let router = app(state.clone());
    let request = SearchRequest::new("release index");
    for (id, snapshot) in [
        (&first, &state.snapshots()[0]),
        (&second, &state.snapshots()[1]),
    ] {
        let expected =
            serde_json::to_vec(&snapshot.search(&request).expect("search")).expect("json");
        let pinned = get(
            router.clone(),
            &format!("/v1/search?q=release+index&snapshot={id}"),
        )
        .await;
        assert_eq!(pinned.body, expected, "GET pinned to {id}");
        let posted = post_json(
            router.clone(),
            &format!("/v1/search?snapshot={id}"),
            r#"{"q":"release index"}"#,
        )
        .await;
        assert_eq!(posted.body, expected, "POST pinned to {id}");
        let manifest = get_pinned_by_header(router.clone(), "/v1/snapshot", id)
            .await
            .json();
        assert_eq!(manifest["snapshot_id"], id.as_str());
        let fetched = get(
            router.clone(),
            &format!("/v1/fetch?doc_id=git/rebase&snapshot={id}"),
        )
        .await;
        assert_eq!(fetched.json()["snapshot"], id.as_str());
        let retrieved = post_json(
            router.clone(),
            &format!("/retrieve?snapshot={id}"),
            r#"{"queries":["release"],"topk":2}"#,
        )
        .await;
        retrieved.assert_status(200, "");
    }
    let scores = |id: &str| {
        let state = state.clone();
        let id = id.to_owned();
        async move {
            get(
                app(state),
                &format!("/v1/search?q=release+index&snapshot={id}"),
            )
            .await
            .json()["results"][0]["score"]
                .clone()
        }
    };
    assert_ne!(
        scores(&first).await,
        scores(&second).await,
        "k1 differs, so scores do"
    );
    let unpinned = get(router.clone(), "/v1/search?q=release+index")
        .await
        .json();
    assert_eq!(unpinned["snapshot"], first.as_str(), "no pin: the default");

    let listed = get(router, "/v1/snapshots").await.json();
    let listed: Vec<(String, bool)> = listed["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or("").to_owned(),
                s["default"] == true,
            )
        })
        .collect();
    assert_eq!(listed, [(first, true), (second, false)]);
}

#[tokio::test]
async fn malformed_pins_are_400_and_conflicting_ones_409() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, first, second) = two_snapshots(dir.path()).await;
    let router = app(state);
    for (uri, header, code) in [
        ("/v1/search?q=a&snapshot=", None, "invalid_parameter"),
        (
            "/v1/search?q=a&snapshot=..%2Fetc",
            None,
            "invalid_parameter",
        ),
        (
            &*format!("/v1/search?q=a&snapshot={first}&snapshot={first}"),
            None,
            "duplicate_parameter",
        ),
        ("/v1/search?q=a", Some("not an id"), "invalid_parameter"),
    ] {
        let response = match header {
            Some(id) => get_pinned_by_header(router.clone(), uri, id).await,
            None => get(router.clone(), uri).await,
        };
        assert_eq!(
            (response.status.as_u16(), response.error_code()),
            (400, code.to_owned()),
            "{uri}"
        );
    }
    // Two well-formed pins that disagree: no snapshot is both, as with an id not served.
    let both = get_pinned_by_header(
        router.clone(),
        &format!("/v1/search?q=a&snapshot={first}"),
        &second,
    )
    .await;
    assert_eq!(
        (both.status.as_u16(), both.error_code()),
        (409, "snapshot_mismatch".to_owned())
    );
    // The same pin twice, as header and parameter, is fine.
    let agreeing = get_pinned_by_header(
        router,
        &format!("/v1/search?q=a&snapshot={second}"),
        &second,
    )
    .await;
    assert_eq!(agreeing.status, 200);
}

#[tokio::test]
async fn the_same_snapshot_twice_is_refused_and_named() {
    let state = AppState::new(&ServerConfig::with_workers(1));
    let dir = FIXTURE.snapshot_dir.clone();
    let error = state
        .load_snapshots_with(
            vec![dir.clone(), dir],
            driftless_index::OpenOptions::default(),
        )
        .await
        .expect_err("refused");
    assert!(
        error.to_string().contains("serve each snapshot once"),
        "{error}"
    );
    assert_eq!(
        get(app(state), "/ready").await.error_code(),
        "snapshot_unavailable"
    );
}
