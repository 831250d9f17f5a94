//! `AppState::switch_snapshot` and `GET /v1/snapshot/build`: the served snapshot is replaced
//! while requests run (each answers from one snapshot, named in its body), and the
//! background build's phase, progress and outcome are visible to clients.
use driftless_server::{AppState, BuildState, ServerConfig, app};

use crate::common::{FIXTURE, get, k1_variant, loading_app};

/// The test pages with another k1: another snapshot id over the same pages.
fn other_snapshot(dir: &std::path::Path) -> driftless_index::Snapshot {
    driftless_index::Snapshot::open(&k1_variant(dir)).expect("open the second snapshot")
}

fn served(state: &AppState) -> String {
    state.snapshot().expect("a snapshot").id().to_owned()
}

#[tokio::test]
async fn without_a_build_the_route_names_the_served_snapshot() {
    let loading = get(loading_app(), "/v1/snapshot/build").await;
    assert_eq!(loading.status, 200);
    assert_eq!(loading.body, br#"{"serving":null,"build":null}"#);

    let snapshot = driftless_index::Snapshot::open(&FIXTURE.snapshot_dir).expect("open");
    let id = snapshot.id().to_owned();
    let state = AppState::with_snapshot(snapshot, &ServerConfig::with_workers(1));
    let body = get(app(state), "/v1/snapshot/build").await.json();
    assert_eq!(body, serde_json::json!({"serving": id, "build": null}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_under_load_answers_every_request_from_one_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = driftless_index::Snapshot::open(&FIXTURE.snapshot_dir).expect("open");
    let state = AppState::with_snapshot(first, &ServerConfig::with_workers(2));
    let old_id = served(&state);
    let second = other_snapshot(dir.path());
    let new_id = second.id().to_owned();
    assert_ne!(old_id, new_id);

    let board = state.build_board();
    board.start("dense", &old_id);
    board.phase("embedding", 100);
    board.progress(40, 100);
    let status = get(app(state.clone()), "/v1/snapshot/build").await.json();
    assert_eq!(status["serving"], old_id.as_str());
    let build = &status["build"];
    assert_eq!(
        (
            &build["state"],
            &build["phase"],
            &build["done"],
            &build["total"]
        ),
        (
            &serde_json::json!("building"),
            &serde_json::json!("embedding"),
            &serde_json::json!(40),
            &serde_json::json!(100)
        )
    );
    assert_eq!(build["replaces"], old_id.as_str());
    assert!(build["snapshot"].is_null() && build["message"].is_null());

    // 100 searches in flight; the switch comes once the first 50 are answered, then 100
    // more. The first 50 answer from the old snapshot and the last 100 from the new one
    // (they start after the switch); those in flight from either, each from one.
    let rebuilt = other_snapshot(&dir.path().join("again"));
    let search = |i: usize| {
        let router = app(state.clone());
        tokio::spawn(async move {
            let uri = format!("/v1/search?q=release+index&k={}", 1 + i % 10);
            let response = get(router, &uri).await;
            let id = response.json()["snapshot"].as_str().map(str::to_owned);
            (
                response.status.as_u16(),
                id.expect("every body names its snapshot"),
            )
        })
    };
    let mut before: Vec<_> = (0..100).map(search).collect();
    let in_flight = before.split_off(50);
    for task in before {
        assert_eq!(task.await.expect("task"), (200, old_id.clone()));
    }
    let previous = state.switch_snapshot(rebuilt);
    assert_eq!(previous.map(|s| s.id().to_owned()), Some(old_id.clone()));
    let after: Vec<_> = (100..200).map(search).collect();
    for task in in_flight {
        let (status, id) = task.await.expect("task");
        assert_eq!(status, 200);
        assert!(id == old_id || id == new_id, "{id}");
    }
    for task in after {
        assert_eq!(task.await.expect("task"), (200, new_id.clone()));
    }
    assert_eq!(
        served(&state),
        new_id,
        "a rebuild of the same options has the same id"
    );

    board.switched(&new_id);
    let status = get(app(state.clone()), "/v1/snapshot/build").await.json();
    assert_eq!(status["serving"], new_id.as_str());
    assert_eq!(status["build"]["state"], "switched");
    assert_eq!(status["build"]["snapshot"], new_id.as_str());
    assert!(status["build"]["eta_seconds"].is_null());
    let ready = get(app(state), "/ready").await.json();
    assert_eq!(ready["snapshot"], new_id.as_str());
}

#[tokio::test]
async fn a_failed_build_keeps_the_served_snapshot_and_says_why() {
    let snapshot = driftless_index::Snapshot::open(&FIXTURE.snapshot_dir).expect("open");
    let state = AppState::with_snapshot(snapshot, &ServerConfig::with_workers(1));
    let id = served(&state);
    state.build_board().start("dense", &id);
    state.build_board().phase("fetching_model", 0);
    state
        .build_board()
        .failed("fetching the model failed; run quickstart again to retry");
    let status = state.build_board().status().expect("a build");
    assert_eq!(status.state, BuildState::Failed);
    assert_eq!(status.phase, "fetching_model");
    let body = get(app(state.clone()), "/v1/snapshot/build").await.json();
    assert_eq!(body["serving"], id.as_str());
    assert_eq!(body["build"]["state"], "failed");
    assert!(
        body["build"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("run quickstart again"))
    );
    assert_eq!(get(app(state), "/v1/search?q=release").await.status, 200);
}
