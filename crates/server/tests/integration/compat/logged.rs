//! Every shape's searches land in the query log under the shape's endpoint name, one record
//! per search (batch items and `/retrieve` queries each with their own request id).
use std::collections::BTreeMap;

use driftless_querylog::LogRecord;
use driftless_server::app;
use serde_json::json;

use crate::common::{get_ok, logged_records, post_json};

#[tokio::test]
async fn every_shape_is_logged_under_its_endpoint() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (state, capture) = crate::common::logged_state(dir.path()).await;

    get_ok(app(state.clone()), "/v1/search?q=release&k=3").await;
    get_ok(app(state.clone()), "/search?q=release&format=json").await;
    let batch = json!({"requests": [{"q": "release", "k": 3}, {"q": "rebase"}, {"q": "", "k": 3}]})
        .to_string();
    for (uri, body) in [
        (
            "/search",
            r#"{"query":"release","max_results":3,"exclude_domains":["git-scm.com"]}"#,
        ),
        ("/v1/search/batch", batch.as_str()),
        (
            "/retrieve",
            r#"{"queries":["release","borrow checker","-only"],"topk":2,"return_scores":true}"#,
        ),
    ] {
        post_json(app(state.clone()), uri, body)
            .await
            .assert_status(200, uri);
    }

    let records = logged_records(dir.path(), &capture).await;
    let mut by_endpoint: BTreeMap<&str, Vec<&LogRecord>> = BTreeMap::new();
    for record in &records {
        by_endpoint
            .entry(record.endpoint.as_str())
            .or_default()
            .push(record);
    }
    let queries = |endpoint: &str| -> Vec<(String, u16)> {
        let mut list: Vec<(String, u16)> = by_endpoint[endpoint]
            .iter()
            .map(|r| (r.query.clone().unwrap_or_default(), r.status))
            .collect();
        list.sort();
        list
    };
    let owned = |list: &[(&str, u16)]| -> Vec<(String, u16)> {
        list.iter().map(|(q, s)| ((*q).to_owned(), *s)).collect()
    };
    assert_eq!(queries("/v1/search"), owned(&[("release", 200)]));
    assert_eq!(queries("/search#searxng"), owned(&[("release", 200)]));
    assert_eq!(
        queries("/search#tavily"),
        owned(&[("release -site:git-scm.com", 200)])
    );
    assert_eq!(
        queries("/v1/search/batch"),
        owned(&[("", 400), ("rebase", 200), ("release", 200)])
    );
    assert_eq!(
        queries("/retrieve"),
        owned(&[("-only", 400), ("borrow checker", 200), ("release", 200)])
    );
    // The same search through two shapes logs the same ranking.
    let ranked = |endpoint: &str| -> Vec<String> {
        let record = by_endpoint[endpoint]
            .iter()
            .find(|r| r.query.as_deref() == Some("release"))
            .expect("the release search");
        record.results.iter().map(|r| r.doc_id.clone()).collect()
    };
    assert_eq!(ranked("/v1/search"), ranked("/v1/search/batch"));
    // Items of one request share its request id, suffixed with their index.
    let mut ids: Vec<&str> = by_endpoint["/retrieve"]
        .iter()
        .map(|r| r.request_id.as_str())
        .collect();
    ids.sort_unstable();
    let base = ids[0].trim_end_matches("#0");
    assert_eq!(
        ids,
        [
            format!("{base}#0"),
            format!("{base}#1"),
            format!("{base}#2")
        ]
    );
    // /retrieve logs passage searches; no fetch records for the passage texts it reads.
    assert!(
        by_endpoint["/retrieve"]
            .iter()
            .all(|r| r.params["unit"] == "passage")
    );
    assert!(records.iter().all(|r| r.fetched_doc_id.is_none()));
    // …but each answered one says it delivered the passages' texts, and every passage hit
    // keeps its character span: with the snapshot id, the text comes back byte for byte.
    for record in by_endpoint["/retrieve"].iter().filter(|r| r.status == 200) {
        assert_eq!(record.params["delivered"], "unit_text", "{record:?}");
        assert!(!record.results.is_empty());
        assert!(
            record
                .results
                .iter()
                .all(|h| h.span.is_some_and(|[a, b]| a < b)),
            "{record:?}"
        );
    }
    // Titles and snippets only: nothing more is claimed.
    assert!(
        by_endpoint["/v1/search"][0]
            .params
            .get("delivered")
            .is_none()
    );
    assert!(
        by_endpoint["/v1/search"][0]
            .results
            .iter()
            .all(|h| h.span.is_none())
    );
}
