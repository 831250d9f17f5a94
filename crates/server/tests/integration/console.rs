//! Issue 18: the console's pages through the router — what each shows, its headers, how it
//! refuses bad input, and that it sits behind the API keys (the browser test drives the
//! same pages in Chromium: console_browser.rs).
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use driftless_server::{AppState, app};

use crate::common::{TestResponse, get, ready_app, send};

fn body(r: &TestResponse) -> String {
    String::from_utf8(r.body.clone()).expect("UTF-8 page")
}

#[tokio::test]
async fn search_page_shows_ranked_hits_the_request_and_the_snapshot() {
    let empty = get(ready_app(), "/ui/search").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(body(&empty).contains("name=\"q\""));

    let page = get(ready_app(), "/ui/search?q=release&k=3&unit=passage&k1=&b=").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(
        csp.starts_with("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let html = body(&page);
    assert!(html.contains("Django 4.2 release notes"), "{html}");
    assert!(
        html.contains("<b>release</b>"),
        "snippets keep the engine's marks"
    );
    assert!(html.contains("/v1/search?q=release&amp;k=3&amp;unit=passage&amp;highlight=html"));
    // The answer's snapshot id, as /v1/snapshot says.
    let manifest = get(ready_app(), "/v1/snapshot").await.json();
    assert!(html.contains(manifest["snapshot_id"].as_str().expect("id")));
    assert!(!html.contains("<script"), "the console runs no script");

    // A pinned page keeps its pin in the form and in the curl line.
    let id = manifest["snapshot_id"].as_str().expect("id");
    let pinned = body(&get(ready_app(), &format!("/ui/search?q=release&snapshot={id}")).await);
    assert!(
        pinned.contains(&format!("type=\"hidden\" name=\"snapshot\" value=\"{id}\"")),
        "{pinned}"
    );
    assert!(pinned.contains(&format!("snapshot={id}&amp;highlight=html")));
}

#[tokio::test]
async fn user_text_is_escaped_and_bad_parameters_are_the_api_refusals() {
    let page = get(
        ready_app(),
        "/ui/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    )
    .await;
    let html = body(&page);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    let bad = get(ready_app(), "/ui/search?q=release&k=lots").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(body(&bad).contains("invalid_parameter"));
    let bad_encoding = get(ready_app(), "/ui/search?q=%ZZ").await;
    assert_eq!(bad_encoding.status, StatusCode::BAD_REQUEST);
    assert!(body(&bad_encoding).contains("invalid_encoding"));
    let missing = get(ready_app(), "/ui/doc?doc_id=no-such-doc").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(body(&missing).contains("not_found"));
    let no_log = get(ready_app(), "/ui/sessions").await;
    assert_eq!(no_log.status, StatusCode::NOT_FOUND);
    assert!(body(&no_log).contains("no_query_log"));
    let post = send(
        ready_app(),
        Request::post("/ui/search")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED, "read-only");
}

#[tokio::test]
async fn compare_marks_what_moved_entered_and_left() {
    let same = get(
        ready_app(),
        "/ui/compare?q=release&k=5&a_mode=bm25&b_mode=bm25",
    )
    .await;
    assert_eq!(same.status, StatusCode::OK);
    let html = body(&same);
    assert!(html.contains("id=\"jaccard\">1.000<"), "{html}");
    assert!(html.contains("id=\"rbo\">1.000<"));

    let k2 = get(
        ready_app(),
        "/ui/compare?q=release+index&k=2&a_unit=doc&b_unit=passage",
    )
    .await;
    assert_eq!(k2.status, StatusCode::OK, "{}", body(&k2));
    // Dense on a BM25-only snapshot: that side shows the API's refusal, the other its hits.
    let dense = get(ready_app(), "/ui/compare?q=release").await;
    assert_eq!(dense.status, StatusCode::BAD_REQUEST);
    let html = body(&dense);
    assert!(html.contains("mode_unavailable") && html.contains("Django 4.2 release notes"));
}

#[tokio::test]
async fn document_viewer_and_snapshot_page() {
    let hits = get(ready_app(), "/v1/search?q=rebase&k=1").await.json();
    let doc_id = hits["results"][0]["doc_id"]
        .as_str()
        .expect("a hit")
        .to_string();
    let doc = get(ready_app(), &format!("/ui/doc?doc_id={doc_id}")).await;
    assert_eq!(doc.status, StatusCode::OK);
    let html = body(&doc);
    assert!(
        html.contains("Reapply commits on top of another base tip"),
        "{html}"
    );
    assert!(html.contains("https://git-scm.com/docs/git-rebase"));

    let snapshot = get(ready_app(), "/ui/snapshot").await;
    let html = body(&snapshot);
    assert!(html.contains("id=\"documents\">6<"), "{html}");
    assert!(html.contains("BM25 only"));
}

/// Sends a search with a session id, as an agent would.
pub async fn agent_search(state: &AppState, q: &str, step: u32) {
    let request = Request::get(format!("/v1/search?q={q}&k=3"))
        .header("x-client-id", "agent-7")
        .header("x-session-id", "episode-1")
        .header("x-step", step.to_string())
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send(app(state.clone()), request).await.status,
        StatusCode::OK
    );
}

/// Waits until the capture has written `n` records.
pub async fn wait_for_records(state: &AppState, n: u64) {
    let store = state.log_reader().expect("a log reader");
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.count().await.expect("count") < n {
        assert!(
            Instant::now() < deadline,
            "the capture did not write {n} records"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn sessions_timeline_and_dashboards_read_the_live_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, capture) = crate::common::logged_state(dir.path()).await;
    agent_search(&state, "release", 1).await;
    // "django" was in the first step's results: adopted from the most recent retrieval.
    agent_search(&state, "release+django", 2).await;
    agent_search(&state, "borrow", 3).await;
    wait_for_records(&state, 3).await;

    let list = get(app(state.clone()), "/ui/sessions").await;
    assert_eq!(list.status, StatusCode::OK);
    let html = body(&list);
    assert!(
        html.contains("1 sessions") && html.contains("agent-7"),
        "{html}"
    );
    let link = html
        .split("class=\"session-link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a session link")
        .replace("&amp;", "&");
    let timeline = get(app(state.clone()), &link).await;
    assert_eq!(timeline.status, StatusCode::OK);
    let html = body(&timeline);
    assert!(html.contains("agent-7|hint:episode-1"), "{html}");
    assert!(
        html.contains("<span class=\"adopted-recent\">django</span>"),
        "{html}"
    );
    assert!(html.contains("<span class=\"repeated\">release</span>"));
    assert!(html.contains("specialization") && html.contains("exploration"));

    let dash = get(app(state.clone()), "/ui/dashboards").await;
    assert_eq!(dash.status, StatusCode::OK);
    let html = body(&dash);
    assert!(html.matches("<svg").count() >= 5, "{html}");
    assert!(html.contains("3 requests from 1 clients"));
    assert!(
        !html.contains(" style=\""),
        "inline styles would break the CSP"
    );
    // Labels cached by `logs annotate --model m`: the intent filters the list, the LLM's
    // reformulation type stands beside the lexical one.
    let store = state.log_reader().expect("reader");
    let sessions = driftless_querylog::sessionize(
        &store.read_all(&Default::default()).await.expect("rows"),
        driftless_querylog::DEFAULT_SESSION_GAP,
    );
    for task in driftless_querylog::annotate::tasks(&sessions) {
        let label = if task.kind == "intent" {
            "fact_seeking"
        } else {
            "specialization_llm"
        };
        let key = task.cache_key("m");
        let entry = driftless_querylog::CachedLabel {
            cache_key: &key,
            prompt_version: driftless_querylog::annotate::PROMPT_VERSION,
            model: "m",
            task: task.kind,
            label,
        };
        store.cache_label(&entry, 0).await.expect("cache a label");
    }
    let labelled = body(
        &get(
            app(state.clone()),
            "/ui/sessions?model=m&intent=fact_seeking",
        )
        .await,
    );
    assert!(
        labelled.contains("1 sessions") && labelled.contains("fact_seeking"),
        "{labelled}"
    );
    let other = body(
        &get(
            app(state.clone()),
            "/ui/sessions?model=m&intent=exploratory",
        )
        .await,
    );
    assert!(other.contains("0 sessions"), "{other}");
    let with_model = format!("{link}&model=m");
    let timeline = body(&get(app(state.clone()), &with_model).await);
    assert!(timeline.contains("LLM: specialization_llm"), "{timeline}");

    let bad = get(app(state.clone()), "/ui/sessions?since=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    capture.shutdown().await;
}

#[tokio::test]
async fn the_console_sits_behind_the_keys_and_takes_them_from_a_browser() {
    use base64::Engine as _;
    use driftless_server::access::{
        Access, AccessPolicy, AnonymousAccess, KeyEntry, KeysFile, hash_key,
    };
    let file = KeysFile {
        anonymous: AnonymousAccess {
            allow: false,
            quota: None,
        },
        keys: vec![KeyEntry {
            id: "analyst".into(),
            sha256: hash_key("k-ui"),
            quota: None,
        }],
    };
    let policy = AccessPolicy::new(file, None).expect("valid policy");
    let snapshot =
        driftless_index::Snapshot::open(&crate::common::FIXTURE.snapshot_dir).expect("snapshot");
    let state = AppState::with_snapshot(snapshot, &driftless_server::ServerConfig::with_workers(1))
        .with_access(Access::with_policy(policy));
    let refused = get(app(state.clone()), "/ui/search?q=release").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused
            .header("www-authenticate")
            .expect("a challenge")
            .starts_with("Basic")
    );
    assert!(body(&refused).contains("missing_api_key"));
    let basic = base64::engine::general_purpose::STANDARD.encode("anyone:k-ui");
    let admitted = send(
        app(state.clone()),
        Request::get("/ui/search?q=release")
            .header("authorization", format!("Basic {basic}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(admitted.status, StatusCode::OK);
    let wrong = base64::engine::general_purpose::STANDARD.encode("anyone:nope");
    let wrong = send(
        app(state),
        Request::get("/ui/search?q=release")
            .header("authorization", format!("Basic {wrong}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}
