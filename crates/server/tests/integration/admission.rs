//! Admission by deadline and cost caps, through the router (issue 13): closed loops are
//! served, deadlines come from the server or the client, multi-query requests are capped
//! and streamed.
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use driftless_server::{AppState, Budget, Job, ServerConfig, app};

use crate::common::{FIXTURE, TestResponse, get, post_json, ready_app, send};

fn state(workers: usize) -> AppState {
    let snapshot =
        driftless_index::Snapshot::open(&FIXTURE.snapshot_dir).expect("open the test snapshot");
    AppState::with_snapshot(snapshot, &ServerConfig::with_workers(workers))
}

fn with_timeout(uri: &str, millis: &str) -> Request<Body> {
    Request::get(uri)
        .header("x-request-timeout-ms", millis)
        .body(Body::empty())
        .expect("valid request")
}

/// 16 clients, each sending 20 searches back to back to a one-worker server: a closed loop,
/// whose queue never outgrows the clients, is never refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_closed_loop_of_clients_gets_every_answer() {
    let state = state(1);
    let mut clients = Vec::new();
    for client in 0..16 {
        let state = state.clone();
        clients.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..20 {
                let uri = match (client + i) % 3 {
                    0 => "/v1/search?q=release+index&k=100",
                    1 => "/v1/search?q=%22release+branch%22&unit=passage",
                    _ => "/v1/fetch?doc_id=",
                };
                let uri = if uri.ends_with('=') {
                    let hit = get(app(state.clone()), "/v1/search?q=release").await;
                    format!(
                        "{uri}{}",
                        hit.json()["results"][0]["doc_id"].as_str().unwrap()
                    )
                } else {
                    uri.to_string()
                };
                statuses.push(get(app(state.clone()), &uri).await.status);
            }
            statuses
        }));
    }
    for client in clients {
        for status in client.await.expect("client task") {
            assert_eq!(status, StatusCode::OK);
        }
    }
    assert_eq!(state.pool().waiting(), 0);
}

#[tokio::test]
async fn a_client_deadline_is_read_and_checked() {
    for bad in ["0", "soon", "-1"] {
        let response = send(ready_app(), with_timeout("/v1/search?q=index", bad)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(response.error_code(), "invalid_header");
    }
    let fine = send(ready_app(), with_timeout("/v1/search?q=index", "5000")).await;
    assert_eq!(fine.status, StatusCode::OK);
}

/// With the only permit held, a request whose client allows 50 ms is answered 503 within
/// about that, not after the server's 10 s default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_client_deadline_ends_the_wait_early() {
    let state = state(1);
    let pool = state.pool().clone();
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let busy = tokio::spawn(async move {
        let budget = Budget::from_now(Duration::from_secs(30));
        pool.run_items(Job::Heavy, 1, budget, move || hold.recv().is_ok())
            .await
    });
    while state.pool().running() == 0 {
        tokio::task::yield_now().await;
    }
    let started = Instant::now();
    let response = send(app(state.clone()), with_timeout("/v1/search?q=index", "50")).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(matches!(
        response.error_code().as_str(),
        "timeout" | "overloaded"
    ));
    assert!(response.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited for the server's deadline"
    );
    release.send(()).expect("the busy job waits");
    assert!(busy.await.expect("join").expect("ran").0);
}

#[tokio::test]
async fn retrieve_is_capped_by_total_hits() {
    let queries = vec!["index"; 4096];
    let body = serde_json::json!({"queries": queries, "topk": 100}).to_string();
    let response = post_json(ready_app(), "/retrieve", &body).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let message = response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("409600 hits") && message.contains("50000"),
        "{message}"
    );
}

fn retrieve_body(queries: &[String]) -> String {
    serde_json::json!({"queries": queries, "topk": 3, "return_scores": true}).to_string()
}

fn ok(response: TestResponse) -> Vec<u8> {
    response.assert_status(200, "");
    response.body
}

/// Over 4,096 hits `/retrieve` streams its answer: the bytes must be those of the same
/// queries answered in two buffered halves, spliced together, in query order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_retrieve_is_byte_identical_to_buffered_answers() {
    let words = [
        "release", "index", "borrow", "rebase", "sphinx", "query", "zzz-none",
    ];
    let queries: Vec<String> = (0..1400)
        .map(|i| format!("{} {i}", words[i % words.len()]))
        .collect();
    let (first, second) = queries.split_at(700);
    let whole = ok(post_json(ready_app(), "/retrieve", &retrieve_body(&queries)).await);
    let a = ok(post_json(ready_app(), "/retrieve", &retrieve_body(first)).await);
    let b = ok(post_json(ready_app(), "/retrieve", &retrieve_body(second)).await);
    // {"result":[A…]} + {"result":[B…]} -> {"result":[A…,B…]}
    let inner = |body: &[u8]| body[b"{\"result\":[".len()..body.len() - 2].to_vec();
    let mut spliced = b"{\"result\":[".to_vec();
    spliced.extend(inner(&a));
    spliced.push(b',');
    spliced.extend(inner(&b));
    spliced.extend(b"]}");
    assert_eq!(
        String::from_utf8(whole).unwrap(),
        String::from_utf8(spliced).unwrap()
    );
}

/// A streamed `/retrieve` whose deadline cannot hold its first window gets an ordinary
/// 503 (status, JSON error, Retry-After), never a 200 whose chunked body breaks off:
/// schemathesis sent 4,096 queries with `x-request-timeout-ms: 1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_retrieve_past_its_deadline_is_a_whole_error() {
    let queries: Vec<String> = (0..4096).map(|i| format!("release {i}")).collect();
    let request = Request::post("/retrieve")
        .header("content-type", "application/json")
        .header("x-request-timeout-ms", "1")
        .body(Body::from(retrieve_body(&queries)))
        .expect("valid request");
    let response = send(ready_app(), request).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let code = response.json()["error"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(code == "timeout" || code == "overloaded", "{code}");
    assert!(response.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn phrase_clauses_are_capped() {
    let phrases: Vec<String> = (0..17).map(|i| format!("\"release {i}\"")).collect();
    let q = phrases.join(" ").replace(' ', "+").replace('"', "%22");
    let response = get(ready_app(), &format!("/v1/search?q={q}")).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_code(), "query_syntax");
}

fn keyed_retrieve(queries: usize) -> Request<Body> {
    let body = serde_json::json!({"queries": vec!["release"; queries], "topk": 1}).to_string();
    Request::post("/retrieve")
        .header("authorization", "Bearer k-multi")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("valid request")
}

/// Multi-query requests pay one quota token per query, not one per call.
#[tokio::test]
async fn quota_counts_queries() {
    use driftless_server::access::{
        Access, AccessPolicy, AnonymousAccess, KeyEntry, KeysFile, Quota, hash_key,
    };
    let file = KeysFile {
        anonymous: AnonymousAccess {
            allow: false,
            quota: None,
        },
        keys: vec![KeyEntry {
            id: "multi".into(),
            sha256: hash_key("k-multi"),
            quota: Some(Quota {
                rate_per_sec: 0.001,
                burst: 10.0,
            }),
        }],
    };
    let policy = AccessPolicy::new(file, None).expect("valid policy");
    let state = state(1).with_access(Access::with_policy(policy));
    let too_big = send(app(state.clone()), keyed_retrieve(11)).await;
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST);
    assert!(
        too_big.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("burst of 10")
    );
    // The refused call still took its first token (the guard's): 9 left.
    let six = send(app(state.clone()), keyed_retrieve(6)).await;
    assert_eq!(six.status, StatusCode::OK);
    let four = send(app(state.clone()), keyed_retrieve(4)).await;
    assert_eq!(
        four.status,
        StatusCode::TOO_MANY_REQUESTS,
        "3 tokens left, 4 asked"
    );
    assert!(four.header("retry-after").is_some());
}
