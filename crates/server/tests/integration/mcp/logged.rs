//! MCP calls land in the query log under `mcp:*` endpoints with the usual client hints.
use driftless_server::app;
use serde_json::json;

use super::McpServer;

#[tokio::test]
async fn calls_are_logged_under_mcp_endpoints() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (state, capture) = crate::common::logged_state(dir.path()).await;
    let server = McpServer::start(app(state)).await;
    let hints = [
        ("x-client-id", "agent-7"),
        ("x-session-id", "episode-3"),
        ("x-step", "2"),
    ];
    let args = json!({"query": "release", "k": 3});
    let search = server.call_with("search", args, &hints).await;
    server
        .call_with("fetch", json!({"id": "postgres/select"}), &hints)
        .await;
    server
        .call_with("get_document", json!({"docid": "git/rebase"}), &hints)
        .await;
    server.call("search", json!({"query": "-only"})).await;
    server.stop().await;

    let mut records = crate::common::logged_records(dir.path(), &capture).await;
    records.sort_by(|a, b| (&a.endpoint, a.status).cmp(&(&b.endpoint, b.status)));
    let seen: Vec<(&str, u16)> = records
        .iter()
        .map(|r| (r.endpoint.as_str(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("mcp:fetch", 200),
            ("mcp:get_document", 200),
            ("mcp:search", 200),
            ("mcp:search", 400)
        ]
    );
    let logged = &records[2];
    assert_eq!(logged.client, "agent-7");
    assert_eq!(logged.session_hint.as_deref(), Some("episode-3"));
    assert_eq!(logged.step_hint, Some(2));
    assert!(!logged.request_id.is_empty());
    let ranked: Vec<&str> = logged.results.iter().map(|r| r.doc_id.as_str()).collect();
    let answered: Vec<&str> = search["structuredContent"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ranked, answered);
    assert_eq!(
        records[0].fetched_doc_id.as_deref(),
        Some("postgres/select")
    );
    assert_eq!(records[1].fetched_doc_id.as_deref(), Some("git/rebase"));
    // Without x-client-id the client is the peer address, as on /v1.
    assert_eq!(records[3].client, "127.0.0.1");
}
