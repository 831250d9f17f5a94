//! The tools over HTTP: handshake, list, search = /v1/search, fetch windows, errors.
use serde_json::{Value, json};

use super::{McpServer, PROTOCOL, error_text};
use crate::common::{get, ready_app};

#[tokio::test]
async fn initialize_and_list_tools() {
    let server = McpServer::start(ready_app()).await;
    let init = json!({"protocolVersion": PROTOCOL, "capabilities": {},
        "clientInfo": {"name": "driftless-test", "version": "0"}});
    let response = server.rpc("initialize", init, &[]).await;
    let result = &response["result"];
    assert_eq!(result["protocolVersion"], PROTOCOL);
    assert_eq!(result["serverInfo"]["name"], "driftless");
    assert!(result["capabilities"]["tools"].is_object(), "{result}");
    assert!(
        result["instructions"]
            .as_str()
            .is_some_and(|s| s.contains("fetch"))
    );

    let tools = server.rpc("tools/list", json!({}), &[]).await;
    let tools = tools["result"]["tools"]
        .as_array()
        .expect("a tool list")
        .clone();
    let names: Vec<&str> = tools
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for (tool, argument) in [
        ("search", "query"),
        ("fetch", "id"),
        ("get_document", "docid"),
        ("term_stats", "terms"),
    ] {
        let spec = tools
            .iter()
            .find(|t| t["name"] == tool)
            .expect("tool listed");
        assert_eq!(spec["inputSchema"]["required"], json!([argument]), "{tool}");
        assert_eq!(spec["annotations"]["readOnlyHint"], true);
        assert!(
            spec["outputSchema"].is_object(),
            "{tool} has an output schema"
        );
        let description = spec["description"].as_str().expect("description");
        assert!(description.len() > 100, "{tool}: describe it for the model");
    }
    server.stop().await;
}

#[tokio::test]
async fn search_ranks_like_v1_search() {
    let server = McpServer::start(ready_app()).await;
    for (query, args) in [
        ("release", json!({"query": "release", "k": 3})),
        (
            "index",
            json!({"query": "index", "k": 5, "unit": "passage", "mode": "bm25"}),
        ),
    ] {
        let result = server.call("search", args.clone()).await;
        assert_eq!(result["isError"], false, "{result}");
        let structured = &result["structuredContent"];
        // The deep-research shape: one text item holding the same JSON as structuredContent.
        let text = result["content"][0]["text"].as_str().expect("text content");
        assert_eq!(
            &serde_json::from_str::<Value>(text).expect("JSON text"),
            structured
        );
        let unit = args.get("unit").and_then(Value::as_str).unwrap_or("doc");
        let k = args["k"].as_u64().expect("k");
        let v1 = server
            .v1(&format!("/v1/search?q={query}&k={k}&unit={unit}"))
            .await;
        let ids = |results: &Value, key: &str| -> Vec<String> {
            let list = results.as_array().expect("results");
            list.iter()
                .map(|r| r[key].as_str().expect("id").to_owned())
                .collect()
        };
        assert!(!ids(&v1["results"], "doc_id").is_empty());
        assert_eq!(
            ids(&structured["results"], "id"),
            ids(&v1["results"], "doc_id")
        );
        assert_eq!(structured["snapshot"], v1["snapshot"]);
        // Pinned to the snapshot it serves: the same answer.
        let mut pinned_args = args.clone();
        pinned_args["snapshot"] = v1["snapshot"].clone();
        let pinned = server.call("search", pinned_args).await;
        assert_eq!(pinned["structuredContent"], *structured);
        for (ours, theirs) in structured["results"]
            .as_array()
            .expect("list")
            .iter()
            .zip(v1["results"].as_array().expect("list"))
        {
            for field in ["title", "url", "snippet", "score", "rank"] {
                assert_eq!(ours[field], theirs[field], "{field}");
            }
        }
        // Deterministic: the same call gives the same bytes.
        let again = server.call("search", args).await;
        assert_eq!(again, result);
    }
    server.stop().await;
}

#[tokio::test]
async fn fetch_windows_and_get_document() {
    let server = McpServer::start(ready_app()).await;
    let doc_id = "postgres/select";
    let whole = server.v1(&format!("/v1/fetch?doc_id={doc_id}")).await;
    let total = whole["total_chars"].as_u64().expect("total_chars");

    let first = server
        .call("fetch", json!({"id": doc_id, "max_chars": 40}))
        .await;
    let first = &first["structuredContent"];
    assert_eq!(first["id"], doc_id);
    assert_eq!(
        first["url"],
        "https://www.postgresql.org/docs/15/sql-select.html"
    );
    assert_eq!(first["title"], whole["title"]);
    assert_eq!(first["metadata"]["total_chars"], total);
    assert_eq!(first["metadata"]["next_offset"], 40);
    let rest = server
        .call(
            "fetch",
            json!({"id": doc_id, "offset": 40, "max_chars": 100_000}),
        )
        .await;
    let rest = &rest["structuredContent"];
    assert!(rest["metadata"].get("next_offset").is_none(), "{rest}");
    let joined = format!(
        "{}{}",
        first["text"].as_str().unwrap(),
        rest["text"].as_str().unwrap()
    );
    assert_eq!(joined, whole["text"].as_str().expect("text"));

    let by_url = server.call("fetch", json!({"id": first["url"]})).await;
    assert_eq!(by_url["structuredContent"]["text"], whole["text"]);

    let document = server.call("get_document", json!({"docid": doc_id})).await;
    let document = &document["structuredContent"];
    assert_eq!(document["docid"], doc_id);
    assert_eq!(document["text"], whole["text"]);
    assert_eq!(document["total_chars"], total);
    server.stop().await;
}

/// `term_stats` answers what `/v1/stats/terms` answers, and a boosted search through MCP
/// ranks like the same query over REST.
#[tokio::test]
async fn term_stats_match_rest_and_boosts_rank_alike() {
    let server = McpServer::start(ready_app()).await;
    let stats = server
        .call(
            "term_stats",
            json!({"terms": ["release", "rebase branch", "the"]}),
        )
        .await;
    let rest = get(
        ready_app(),
        "/v1/stats/terms?terms=release,rebase+branch,the",
    )
    .await;
    assert_eq!(stats["structuredContent"], rest.json());
    assert_eq!(stats["structuredContent"]["terms"][2]["doc_freq"], 0);
    let boosted = server
        .call("search", json!({"query": "release^3 rebase", "k": 5}))
        .await;
    let rest = get(ready_app(), "/v1/search?q=release%5E3+rebase&k=5").await;
    let ids = |hits: &serde_json::Value, key: &str| -> Vec<String> {
        hits.as_array()
            .unwrap()
            .iter()
            .map(|h| h[key].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&boosted["structuredContent"]["results"], "id"),
        ids(&rest.json()["results"], "doc_id")
    );
    let error = server.call("term_stats", json!({"terms": []})).await;
    assert_eq!(error["isError"], true);
    server.stop().await;
}

#[tokio::test]
async fn bad_arguments_are_tool_errors() {
    let server = McpServer::start(ready_app()).await;
    let cases = [
        (
            "search",
            json!({"query": "release", "k": 0}),
            "invalid_parameter",
        ),
        (
            "search",
            json!({"query": "release", "k": 101}),
            "invalid_parameter",
        ),
        (
            "search",
            json!({"query": "release", "mode": "nope"}),
            "unknown variant",
        ),
        (
            "search",
            json!({"query": "release", "top_k": 3}),
            "unknown field",
        ),
        ("search", json!({"k": 3}), "missing field `query`"),
        (
            "search",
            json!({"query": "release", "k": "three"}),
            "invalid type",
        ),
        ("search", json!({"query": "-only"}), "query_syntax"),
        (
            "search",
            json!({"query": "x".repeat(1001)}),
            "invalid_parameter",
        ),
        ("fetch", json!({"id": "no/such-doc"}), "not_found"),
        ("fetch", json!({"id": ""}), "must not be empty"),
        (
            "fetch",
            json!({"id": "postgres/select", "max_chars": 0}),
            "invalid_parameter",
        ),
        (
            "get_document",
            json!({"id": "postgres/select"}),
            "unknown field",
        ),
        ("get_document", json!({"docid": "no/such-doc"}), "not_found"),
        (
            "search",
            json!({"query": "release", "snapshot": "0123456789abcdef"}),
            "snapshot_mismatch",
        ),
        (
            "fetch",
            json!({"id": "postgres/select", "snapshot": "0123456789abcdef"}),
            "snapshot_mismatch",
        ),
        (
            "get_document",
            json!({"docid": "postgres/select", "snapshot": "no spaces"}),
            "invalid_parameter",
        ),
    ];
    for (tool, arguments, expected) in cases {
        let text = error_text(&server.call(tool, arguments.clone()).await);
        assert!(text.contains(expected), "{tool} {arguments}: {text}");
    }
    // An unknown tool is a protocol error, not a tool result.
    let response = server
        .rpc(
            "tools/call",
            json!({"name": "browse", "arguments": {}}),
            &[],
        )
        .await;
    assert!(
        response["error"]["message"].as_str().is_some(),
        "{response}"
    );
    server.stop().await;
}
