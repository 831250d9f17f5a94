//! Liveness and readiness, before and after the snapshot is loaded.
use crate::common::{FIXTURE, get, loading_app, ready_app};
use driftless_server::{AppState, ServerConfig, app};

#[tokio::test]
async fn health_answers_before_the_snapshot_loads() {
    let response = get(loading_app(), "/health").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"{"status":"ok"}"#);
}

#[tokio::test]
async fn not_ready_until_loaded() {
    let ready = get(loading_app(), "/ready").await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.error_code(), "not_ready");
    for uri in [
        "/v1/search?q=rust",
        "/v1/fetch?doc_id=rust/borrow",
        "/v1/snapshot",
        "/v1/stats/terms?terms=a",
    ] {
        let response = get(loading_app(), uri).await;
        assert_eq!(response.status, 503, "{uri}");
        assert_eq!(response.error_code(), "not_ready", "{uri}");
        assert_eq!(response.header("retry-after"), Some("1"), "{uri}");
    }
}

#[tokio::test]
async fn ready_after_loading() {
    let state = AppState::new(&ServerConfig::with_workers(1));
    let router = app(state.clone());
    assert_eq!(get(router.clone(), "/ready").await.status, 503);
    state
        .load_snapshot(FIXTURE.snapshot_dir.clone())
        .await
        .expect("load the test snapshot");
    let ready = get(router.clone(), "/ready").await;
    assert_eq!(ready.status, 200);
    let body = ready.json();
    assert_eq!(body["status"], "ready");
    let manifest = get(router, "/v1/snapshot").await.json();
    assert_eq!(body["snapshot"], manifest["snapshot_id"]);
}

#[tokio::test]
async fn a_failed_load_is_reported() {
    let state = AppState::new(&ServerConfig::with_workers(1));
    let missing = std::env::temp_dir().join("driftless-server-test-no-such-snapshot");
    assert!(state.load_snapshot(missing).await.is_err());
    let ready = get(app(state), "/ready").await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.error_code(), "snapshot_unavailable");
}

#[tokio::test]
async fn snapshot_route_serves_the_manifest() {
    let response = get(ready_app(), "/v1/snapshot").await;
    assert_eq!(response.status, 200);
    let manifest: driftless_api::Manifest =
        serde_json::from_slice(&response.body).expect("the body is a manifest");
    let on_disk =
        std::fs::read(FIXTURE.snapshot_dir.join("manifest.json")).expect("read manifest.json");
    let on_disk: driftless_api::Manifest =
        serde_json::from_slice(&on_disk).expect("parse manifest.json");
    assert_eq!(manifest, on_disk);
}
