//! Issue 18: the console's pages through the router — what each shows, its headers, how it
//! refuses bad input, and that it sits behind the API keys (the browser test drives the
//! same pages in Chromium: console_browser.rs).
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use driftless_server::{AppState, app};

use crate::common::{TestResponse, get, ready_app, send};

fn body(r: &TestResponse) -> String {
    String::from_utf8(r.body.clone()).expect("UTF-8 page")
}

/// The page `router` answers `uri` with, which must have this status.
async fn page(router: Router, uri: &str, status: u16) -> String {
    let response = get(router, uri).await;
    response.assert_status(status, uri);
    body(&response)
}

/// Fails unless `html` contains every one of `needles`.
#[track_caller]
fn assert_shows(html: &str, needles: &[&str]) {
    for needle in needles {
        assert!(html.contains(needle), "{needle} not in {html}");
    }
}

#[tokio::test]
async fn search_page_shows_ranked_hits_the_request_and_the_snapshot() {
    assert_shows(&page(ready_app(), "/ui/search", 200).await, &["name=\"q\""]);

    let response = get(ready_app(), "/ui/search?q=release&k=3&unit=passage&k1=&b=").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = response.header("content-security-policy").expect("a CSP");
    assert!(
        csp.starts_with("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    let html = body(&response);
    assert_shows(
        &html,
        &[
            "Django 4.2 release notes",
            // Snippets keep the engine's marks.
            "<b>release</b>",
            "/v1/search?q=release&amp;k=3&amp;unit=passage&amp;highlight=html",
        ],
    );
    // The answer's snapshot id, as /v1/snapshot says.
    let manifest = get(ready_app(), "/v1/snapshot").await.json();
    assert!(html.contains(manifest["snapshot_id"].as_str().expect("id")));
    assert!(!html.contains("<script"), "the console runs no script");

    // A pinned page keeps its pin in the form and in the curl line.
    let id = manifest["snapshot_id"].as_str().expect("id");
    let pinned = body(&get(ready_app(), &format!("/ui/search?q=release&snapshot={id}")).await);
    assert_shows(
        &pinned,
        &[
            &format!("type=\"hidden\" name=\"snapshot\" value=\"{id}\""),
            &format!("snapshot={id}&amp;highlight=html"),
        ],
    );
}

#[tokio::test]
async fn user_text_is_escaped_and_bad_parameters_are_the_api_refusals() {
    let escaped = "/ui/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let html = body(&get(ready_app(), escaped).await);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    for (uri, status, code) in [
        ("/ui/search?q=release&k=lots", 400, "invalid_parameter"),
        ("/ui/search?q=%ZZ", 400, "invalid_encoding"),
        ("/ui/doc?doc_id=no-such-doc", 404, "not_found"),
        ("/ui/sessions", 404, "no_query_log"),
    ] {
        assert_shows(&page(ready_app(), uri, status).await, &[code]);
    }
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
    let same = "/ui/compare?q=release&k=5&a_mode=bm25&b_mode=bm25";
    assert_shows(
        &page(ready_app(), same, 200).await,
        &["id=\"jaccard\">1.000<", "id=\"rbo\">1.000<"],
    );
    page(
        ready_app(),
        "/ui/compare?q=release+index&k=2&a_unit=doc&b_unit=passage",
        200,
    )
    .await;
    // Dense on a BM25-only snapshot: that side shows the API's refusal, the other its hits.
    assert_shows(
        &page(ready_app(), "/ui/compare?q=release", 400).await,
        &["mode_unavailable", "Django 4.2 release notes"],
    );
}

#[tokio::test]
async fn document_viewer_and_snapshot_page() {
    let hits = get(ready_app(), "/v1/search?q=rebase&k=1").await.json();
    let doc_id = hits["results"][0]["doc_id"]
        .as_str()
        .expect("a hit")
        .to_string();
    let doc = page(ready_app(), &format!("/ui/doc?doc_id={doc_id}"), 200).await;
    assert_shows(
        &doc,
        &[
            "Reapply commits on top of another base tip",
            "https://git-scm.com/docs/git-rebase",
        ],
    );

    let snapshot = body(&get(ready_app(), "/ui/snapshot").await);
    assert_shows(&snapshot, &["id=\"documents\">6<", "BM25 only"]);
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

    let html = page(app(state.clone()), "/ui/sessions", 200).await;
    assert_shows(&html, &["1 sessions", "agent-7"]);
    let link = html
        .split("class=\"session-link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a session link")
        .replace("&amp;", "&");
    assert_shows(
        &page(app(state.clone()), &link, 200).await,
        &[
            "agent-7|hint:episode-1",
            "<span class=\"adopted-recent\">django</span>",
            "<span class=\"repeated\">release</span>",
            "specialization",
            "exploration",
        ],
    );

    let html = page(app(state.clone()), "/ui/dashboards", 200).await;
    assert!(html.matches("<svg").count() >= 5, "{html}");
    assert_shows(&html, &["3 requests from 1 clients"]);
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
    for (uri, needles) in [
        (
            "/ui/sessions?model=m&intent=fact_seeking".to_owned(),
            &["1 sessions", "fact_seeking"][..],
        ),
        (
            "/ui/sessions?model=m&intent=exploratory".to_owned(),
            &["0 sessions"],
        ),
        (format!("{link}&model=m"), &["LLM: specialization_llm"]),
    ] {
        assert_shows(&body(&get(app(state.clone()), &uri).await), needles);
    }

    let bad = get(app(state.clone()), "/ui/sessions?since=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    capture.shutdown().await;
}

#[tokio::test]
async fn the_console_sits_behind_the_keys_and_takes_them_from_a_browser() {
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
    let refused = search_as(&state, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused
            .header("www-authenticate")
            .expect("a challenge")
            .starts_with("Basic")
    );
    assert!(body(&refused).contains("missing_api_key"));
    let admitted = search_as(&state, Some("k-ui")).await;
    assert_eq!(admitted.status, StatusCode::OK);
    let wrong = search_as(&state, Some("nope")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

/// `GET /ui/search?q=release` as a browser sends it: with `key` as Basic credentials (any
/// user name), or without credentials.
async fn search_as(state: &AppState, key: Option<&str>) -> TestResponse {
    use base64::Engine as _;
    let mut request = Request::get("/ui/search?q=release");
    if let Some(key) = key {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("anyone:{key}"));
        request = request.header("authorization", format!("Basic {basic}"));
    }
    let request = request.body(Body::empty()).expect("request");
    send(app(state.clone()), request).await
}
