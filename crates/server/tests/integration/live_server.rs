//! One real server on 127.0.0.1:0, driven over TCP with reqwest, then shut down gracefully.
use driftless_server::serve;

use crate::common::ready_app;

#[tokio::test]
async fn serves_over_tcp_and_shuts_down() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = listener.local_addr().expect("local address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, ready_app(), async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{address}/health"))
        .send()
        .await
        .expect("GET /health");
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));

    let search = client
        .get(format!("http://{address}/v1/search?q=borrow+checker&k=2"))
        .header("x-request-id", "live-test-1")
        .send()
        .await
        .expect("GET /v1/search");
    assert_eq!(search.status(), 200);
    assert_eq!(search.headers()["x-request-id"], "live-test-1");
    assert!(search.headers().contains_key("server-timing"));
    let body: serde_json::Value = search.json().await.expect("JSON body");
    assert_eq!(body["query"], "borrow checker");

    let posted = client
        .post(format!("http://{address}/v1/search"))
        .json(&serde_json::json!({"q": "borrow checker", "k": 2}))
        .send()
        .await
        .expect("POST /v1/search");
    assert_eq!(posted.status(), 200);
    let posted: serde_json::Value = posted.json().await.expect("JSON body");
    assert_eq!(posted, body);

    stop.send(()).expect("the server is still running");
    server
        .await
        .expect("the server task")
        .expect("serve returns cleanly");
}
