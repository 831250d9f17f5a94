//! Operations: API keys and quotas over HTTP, `/metrics`, the request timeout.
use axum::body::Body;
use axum::http::{Request, StatusCode};
use driftless_server::access::{
    Access, AccessPolicy, AnonymousAccess, KeyEntry, KeysFile, Quota, hash_key,
};
use driftless_server::{AppState, ServerConfig, app};

use crate::common::{FIXTURE, get, send};

fn state(config: &ServerConfig) -> AppState {
    let snapshot =
        driftless_index::Snapshot::open(&FIXTURE.snapshot_dir).expect("open the test snapshot");
    AppState::with_snapshot(snapshot, config)
}

fn keyed_state() -> AppState {
    let file = KeysFile {
        anonymous: AnonymousAccess {
            allow: false,
            quota: None,
        },
        keys: vec![KeyEntry {
            id: "trainer".into(),
            sha256: hash_key("k-123"),
            quota: Some(Quota {
                rate_per_sec: 0.01,
                burst: 2.0,
            }),
        }],
    };
    let policy = AccessPolicy::new(file, None).expect("valid policy");
    state(&ServerConfig::with_workers(1)).with_access(Access::with_policy(policy))
}

fn with_key(uri: &str, key: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .expect("valid request")
}

#[tokio::test]
async fn keys_quota_and_open_probes() {
    let state = keyed_state();
    let search = "/v1/search?q=vacuum";
    let missing = get(app(state.clone()), search).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.error_code(), "missing_api_key");
    let wrong = send(app(state.clone()), with_key(search, "nope")).await;
    assert_eq!(wrong.error_code(), "invalid_api_key");
    for _ in 0..2 {
        let ok = send(app(state.clone()), with_key(search, "k-123")).await;
        assert_eq!(ok.status, StatusCode::OK);
    }
    let limited = send(app(state.clone()), with_key(search, "k-123")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_code(), "rate_limited");
    assert!(limited.header("retry-after").is_some());
    // Probes, metrics and documents need no key.
    for open in ["/health", "/ready", "/metrics", "/openapi.yaml"] {
        let response = get(app(state.clone()), open).await;
        assert_eq!(response.status, StatusCode::OK, "{open}");
    }
    let metrics = get(app(state), "/metrics").await;
    let text = String::from_utf8(metrics.body).expect("UTF-8 metrics");
    for line in [
        "driftless_requests_total{route=\"/v1/search\",status=\"200\"} 2",
        "driftless_requests_total{route=\"/v1/search\",status=\"401\"} 2",
        "driftless_requests_total{route=\"/v1/search\",status=\"429\"} 1",
        "driftless_rate_limited_total 1",
        "driftless_snapshot_ready 1",
    ] {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
}

#[tokio::test]
async fn metrics_count_routes_not_raw_paths() {
    let state = state(&ServerConfig::with_workers(1));
    for uri in [
        "/v1/search?q=index",
        "/v1/search?q=",
        "/wp-login.php",
        "/.env",
    ] {
        let _ = get(app(state.clone()), uri).await;
    }
    let metrics = get(app(state), "/metrics").await;
    assert_eq!(
        metrics.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(metrics.body).expect("UTF-8 metrics");
    assert!(text.contains("driftless_requests_total{route=\"/v1/search\",status=\"400\"} 1"));
    assert!(text.contains("driftless_requests_total{route=\"unmatched\",status=\"404\"} 2"));
    assert!(
        !text.contains("wp-login"),
        "raw paths must not become labels"
    );
    assert!(
        text.contains(
            "driftless_request_duration_seconds_bucket{route=\"/v1/search\",le=\"+Inf\"} 2"
        )
    );
    assert!(text.contains("# TYPE driftless_queue_depth gauge"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_timeout_is_a_503_with_retry_after() {
    let mut config = ServerConfig::with_workers(1);
    config.request_timeout = std::time::Duration::from_millis(1);
    let state = state(&config);
    // Hold the only permit so the request can only wait, past its timeout.
    let pool = state.pool().clone();
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let busy = tokio::spawn(async move {
        let budget = driftless_server::Budget::from_now(std::time::Duration::from_secs(30));
        pool.run_items(driftless_server::Job::Heavy, 1, budget, move || {
            hold.recv().is_ok()
        })
        .await
    });
    while state.pool().running() == 0 {
        tokio::task::yield_now().await;
    }
    let response = get(app(state.clone()), "/v1/search?q=index").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.error_code(), "timeout");
    assert_eq!(response.header("retry-after"), Some("1"));
    release.send(()).expect("the busy job waits");
    assert!(busy.await.expect("join").expect("ran").0);
}

/// Issue 20: the query-log store's size is in `/metrics` once the owner measured it (serve
/// does every minute), and it is the SQLite file's real size.
#[tokio::test]
async fn metrics_report_the_query_log_store_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, capture) = crate::common::logged_state(dir.path()).await;
    let before = String::from_utf8(get(app(state.clone()), "/metrics").await.body).expect("UTF-8");
    assert!(
        !before.contains("driftless_querylog_store_bytes"),
        "unmeasured yet"
    );
    let search = get(app(state.clone()), "/v1/search?q=vacuum").await;
    assert_eq!(search.status, 200);
    let store = crate::common::closed_log(dir.path(), &capture).await;
    let bytes = store.size_bytes().await.expect("size");
    let file = std::fs::metadata(crate::common::log_db(dir.path())).expect("file");
    assert!(bytes >= file.len() && bytes > 0);
    state.metrics().set_querylog_store_bytes(bytes);
    let after = String::from_utf8(get(app(state), "/metrics").await.body).expect("UTF-8");
    assert!(
        after.contains(&format!("driftless_querylog_store_bytes {bytes}\n")),
        "{after}"
    );
}
