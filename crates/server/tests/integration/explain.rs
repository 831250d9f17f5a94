//! `explain=true` and the scales of `score` (issue 20): the explanation adds one object per
//! hit and nothing else, its ranks and scores are those of the separate BM25 and dense
//! rankings, a hybrid score is the RRF sum of its ranks, and Tavily's score is a monotone
//! relevance in [0, 1]. BM25 over the shared fixture; dense and hybrid with the real model
//! (skipped, like dense.rs, when it has not been fetched).
use axum::Router;
use driftless_server::{AppState, ServerConfig, app};
use serde_json::{Value, json};

use crate::common::external::dense_options;
use crate::common::{get, get_ok, post_json, ready_app};
use crate::integration::dense::dense_fixture;

/// The body of a 200 answer (the test fails on anything else).
async fn ok(router: Router, uri: &str) -> (Vec<u8>, Value) {
    let response = get_ok(router, uri).await;
    let json = response.json();
    (response.body, json)
}

/// `body` without the hits' `explain` objects.
fn unexplained(mut body: Value) -> Value {
    for hit in body["results"].as_array_mut().expect("results") {
        hit.as_object_mut().expect("hit").remove("explain");
    }
    body
}

/// The (rank, score) of `id` in a ranking of up to 100 results, if it is there.
fn place(body: &Value, id: &str, key: &str) -> Option<Value> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|hit| hit[key] == id)
        .map(|hit| json!({"rank": hit["rank"], "score": hit["score"]}))
}

/// Explained and plain answers of `uri` (without `explain`), checked against each other:
/// the plain body has no `explain`, `explain=false` is the plain body byte for byte, the
/// explained one adds exactly one object per hit and is the same bytes when asked again.
async fn explained(router: &Router, uri: &str) -> Value {
    let (plain_bytes, plain) = ok(router.clone(), uri).await;
    assert!(
        !String::from_utf8_lossy(&plain_bytes).contains("explain"),
        "{uri}"
    );
    let (off, _) = ok(router.clone(), &format!("{uri}&explain=false")).await;
    assert_eq!(off, plain_bytes, "{uri}: explain=false");
    let (bytes, body) = ok(router.clone(), &format!("{uri}&explain=true")).await;
    let (again, _) = ok(router.clone(), &format!("{uri}&explain=true")).await;
    assert_eq!(bytes, again, "{uri}: explained twice");
    assert_eq!(unexplained(body.clone()), plain, "{uri}");
    let hits = body["results"].as_array().expect("results");
    assert!(!hits.is_empty(), "{uri}");
    for hit in hits {
        assert!(hit["explain"].is_object(), "{uri}: {hit}");
    }
    body
}

#[tokio::test]
async fn bm25_explains_the_hits_own_place() {
    let router = ready_app();
    let body = explained(&router, "/v1/search?q=release&mode=bm25&k=3&offset=1").await;
    for hit in body["results"].as_array().expect("results") {
        assert_eq!(
            hit["explain"],
            json!({"bm25": {"rank": hit["rank"], "score": hit["score"]}}),
            "{hit}"
        );
    }
    // The JSON body and the batch take the flag too; a bad value is the house 400.
    let post = post_json(
        ready_app(),
        "/v1/search",
        r#"{"q":"release","mode":"bm25","explain":true}"#,
    )
    .await;
    assert!(post.json()["results"][0]["explain"]["bm25"].is_object());
    let batch = r#"{"requests":[{"q":"release","mode":"bm25","explain":true},{"q":"release","mode":"bm25"}]}"#;
    let batch = post_json(ready_app(), "/v1/search/batch", batch)
        .await
        .json();
    assert!(batch["responses"][0]["results"][0]["explain"].is_object());
    assert!(batch["responses"][1]["results"][0].get("explain").is_none());
    for uri in ["/v1/search?q=a&explain=yes", "/v1/search?q=a&explain=1"] {
        let response = get(ready_app(), uri).await;
        assert_eq!(response.status, 400, "{uri}");
        assert_eq!(response.error_code(), "invalid_parameter");
    }
    let response = post_json(ready_app(), "/v1/search", r#"{"q":"a","explain":"true"}"#).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.error_code(), "invalid_parameter");
}

/// Tavily's scores of `body` (mode `mode`): each in [0, 1], never rising with the rank.
async fn tavily_scores(router: &Router, mode: &str) -> Vec<f64> {
    let body = format!(r#"{{"query":"release notes","max_results":6,"mode":"{mode}"}}"#);
    let response = post_json(router.clone(), "/search", &body).await;
    assert_eq!(response.status, 200, "{mode}");
    let scores: Vec<f64> = response.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["score"].as_f64().expect("score"))
        .collect();
    assert!(!scores.is_empty(), "{mode}");
    assert!(
        scores.iter().all(|s| (0.0..=1.0).contains(s)),
        "{mode}: {scores:?}"
    );
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "{mode}: {scores:?}"
    );
    scores
}

#[tokio::test]
async fn tavily_bm25_scores_are_relevances() {
    let scores = tavily_scores(&ready_app(), "bm25").await;
    let (_, body) = ok(ready_app(), "/v1/search?q=release+notes&mode=bm25&k=6").await;
    let engine = body["results"][0]["score"].as_f64().expect("score");
    let expected = engine / (engine + 5.0);
    assert!(
        (scores[0] - expected).abs() < 1e-6,
        "{scores:?} vs {engine}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_explains_its_sum_with_the_bm25_and_dense_ranks() {
    let Some(dense) = dense_options() else { return };
    let (_dir, out) = dense_fixture(&dense);
    let open = driftless_index::OpenOptions {
        ort_library: dense.ort_library.clone(),
        ..Default::default()
    };
    let snapshot = driftless_index::Snapshot::open_with(&out, &open).expect("open");
    let router = app(AppState::with_snapshot(
        snapshot,
        &ServerConfig::with_workers(2),
    ));

    for (unit, key) in [("doc", "doc_id"), ("passage", "passage_id")] {
        let q = "q=release+notes+index";
        let bm25 = ok(
            router.clone(),
            &format!("/v1/search?{q}&unit={unit}&mode=bm25&k=100"),
        )
        .await
        .1;
        let dense = ok(
            router.clone(),
            &format!("/v1/search?{q}&unit={unit}&mode=dense&k=100"),
        )
        .await
        .1;
        for fusion_k in [60, 10] {
            let uri = format!("/v1/search?{q}&unit={unit}&mode=hybrid&k=6&fusion_k={fusion_k}");
            let body = explained(&router, &uri).await;
            let hits = body["results"].as_array().expect("results");
            let both = |hit: &&Value| {
                hit["explain"]["bm25"].is_object() && hit["explain"]["dense"].is_object()
            };
            assert!(hits.iter().any(|hit| both(&hit)), "{body}");
            // Pages without a query word are found by the dense ranking alone.
            assert!(
                hits.iter().any(|hit| hit["explain"]["bm25"].is_null()),
                "{body}"
            );
            for hit in hits {
                let explain = &hit["explain"];
                let id = hit[key].as_str().expect("id");
                assert_eq!(explain["fusion_k"], fusion_k, "{hit}");
                // Both rankings are named, `null` when the hit is not in one.
                assert_eq!(
                    explain["bm25"],
                    place(&bm25, id, key).unwrap_or(Value::Null),
                    "{hit}"
                );
                assert_eq!(
                    explain["dense"],
                    place(&dense, id, key).unwrap_or(Value::Null),
                    "{hit}"
                );
                let sum: f64 = [&explain["bm25"], &explain["dense"]]
                    .iter()
                    .filter_map(|list| list["rank"].as_f64())
                    .map(|rank| 1.0 / (f64::from(fusion_k) + rank))
                    .sum();
                let score = hit["score"].as_f64().expect("score");
                assert!((score - (sum * 1e6).round() / 1e6).abs() < 1e-12, "{hit}");
            }
        }
        // The dense modes explain with the hit's own place.
        let body = explained(
            &router,
            &format!("/v1/search?{q}&unit={unit}&mode=dense_exact"),
        )
        .await;
        for hit in body["results"].as_array().expect("results") {
            let own = json!({"rank": hit["rank"], "score": hit["score"]});
            assert_eq!(hit["explain"], json!({"dense": own}), "{hit}");
        }
    }

    for mode in ["hybrid", "dense", "dense_exact", "bm25"] {
        let scores = tavily_scores(&router, mode).await;
        assert_eq!(
            scores,
            tavily_scores(&router, mode).await,
            "{mode}: asked twice"
        );
    }
    // Hybrid: the share of the largest RRF sum, 2/(k+1) with the snapshot's k = 60.
    let (_, body) = ok(router.clone(), "/v1/search?q=release+notes&mode=hybrid&k=6").await;
    let engine = body["results"][0]["score"].as_f64().expect("score");
    let scores = tavily_scores(&router, "hybrid").await;
    assert!(
        (scores[0] - engine * 61.0 / 2.0).abs() < 1e-6,
        "{scores:?} vs {engine}"
    );
}
