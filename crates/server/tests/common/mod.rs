//! Test harness: a tiny snapshot built once per test process from six HTML pages written into
//! a temporary directory, and small helpers to send requests to the router.
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use driftless_server::{AppState, ServerConfig, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The model lookup and the skip-or-fail rule for missing fixtures, shared with the index
/// crate's tests.
#[path = "../../../index/tests/integration/external.rs"]
pub mod external;
pub mod webdriver;

/// The pages of the test corpus: (relative path, canonical URL, title, body paragraphs).
/// Several share words ("release", "index") so rankings have more than one hit.
const PAGES: &[(&str, &str, &str, &str)] = &[
    (
        "rust/borrow.html",
        "https://doc.rust-lang.org/book/ch04-02-references-and-borrowing.html",
        "References and Borrowing",
        "The borrow checker enforces that references never outlive the data they point to. \
      A mutable reference is exclusive: while it exists no other reference may read the value.",
    ),
    (
        "python/os.html",
        "https://docs.python.org/3.11/library/os.html",
        "os — Miscellaneous operating system interfaces",
        "This module provides a portable way of using operating system dependent functionality. \
      Use os.path to manipulate paths and os.environ to read the environment.",
    ),
    (
        "postgres/select.html",
        "https://www.postgresql.org/docs/15/sql-select.html",
        "SELECT",
        "SELECT retrieves rows from zero or more tables. An index can speed up a query \
      that filters on an indexed column; the planner decides whether to use the index.",
    ),
    (
        "git/rebase.html",
        "https://git-scm.com/docs/git-rebase",
        "git-rebase",
        "Reapply commits on top of another base tip. Interactive rebase lets you edit, \
      squash or drop commits before a release branch is merged.",
    ),
    (
        "sphinx/index.html",
        "https://www.sphinx-doc.org/en/master/usage/index.html",
        "Using Sphinx",
        "Sphinx builds documentation from reStructuredText sources. The general index lists \
      every entry, and each release of Sphinx documents its changes.",
    ),
    (
        "django/release.html",
        "https://docs.djangoproject.com/en/4.2/releases/4.2/",
        "Django 4.2 release notes",
        "Welcome to Django 4.2. This release brings psycopg 3 support, comments on columns \
      and tables, and a mitigation for the BREACH attack against compressed responses.",
    ),
];

/// The directories of the built snapshot; the temporary directory lives as long as the process.
pub struct Fixture {
    _root: tempfile::TempDir,
    /// The snapshot directory.
    pub snapshot_dir: PathBuf,
}

/// Built on first use, shared by every test of the process.
pub static FIXTURE: LazyLock<Fixture> = LazyLock::new(build_fixture);

fn build_fixture() -> Fixture {
    let root = tempfile::tempdir().expect("create a temporary directory");
    let corpus = root.path().join("corpus");
    for (path, url, title, text) in PAGES {
        write_page(&corpus, path, url, title, text);
    }
    let snapshot_dir = root.path().join("snapshot");
    let mut options = driftless_ingest::BuildOptions::new(&corpus, &snapshot_dir);
    options.progress = driftless_ingest::Progress::Hidden;
    driftless_ingest::build(&options).expect("build the test snapshot");
    Fixture {
        _root: root,
        snapshot_dir,
    }
}

fn write_page(corpus: &Path, path: &str, url: &str, title: &str, text: &str) {
    let file = corpus.join(path);
    std::fs::create_dir_all(file.parent().expect("page paths have a directory"))
        .expect("create the page directory");
    let html = format!(
        "<!DOCTYPE html><html><head><title>{title}</title>\
         <link rel=\"canonical\" href=\"{url}\"></head>\
         <body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
    );
    std::fs::write(file, html).expect("write a page");
}

/// The test pages built again with k1 = 1.2 into `dir/k1-1.2`: another snapshot id (and
/// other scores) over the same pages.
pub fn k1_variant(dir: &Path) -> PathBuf {
    let corpus = FIXTURE.snapshot_dir.with_file_name("corpus");
    let out = dir.join("k1-1.2");
    let mut options = driftless_ingest::BuildOptions::new(&corpus, &out);
    options.progress = driftless_ingest::Progress::Hidden;
    options.bm25_k1 = 1.2;
    driftless_ingest::build(&options).expect("build the k1 = 1.2 snapshot");
    out
}

/// The snapshot opened once; `AppState` is a handle, so every test shares the same snapshot.
static READY_STATE: LazyLock<AppState> = LazyLock::new(|| {
    let snapshot =
        driftless_index::Snapshot::open(&FIXTURE.snapshot_dir).expect("open the test snapshot");
    AppState::with_snapshot(snapshot, &ServerConfig::with_workers(2))
});

/// A router serving the test snapshot.
pub fn ready_app() -> Router {
    app(READY_STATE.clone())
}

/// The test snapshot served with a query log in a SQLite file under `dir`, which the console
/// reads too: the state and the capture (flush it before reading the store back).
pub async fn logged_state(dir: &Path) -> (AppState, driftless_querylog::CaptureHandle) {
    use driftless_querylog::{Capture, CaptureConfig, LogStore};
    let store = LogStore::connect(log_db(dir).to_str().expect("UTF-8 path"))
        .await
        .expect("open the SQLite log");
    let config = CaptureConfig {
        spill_path: dir.join("spill.jsonl"),
        ..CaptureConfig::default()
    };
    let capture = Capture::start(store.clone(), config).expect("start the capture");
    let snapshot =
        driftless_index::Snapshot::open(&FIXTURE.snapshot_dir).expect("open the test snapshot");
    let state = AppState::with_snapshot(snapshot, &ServerConfig::with_workers(2))
        .with_capture(capture.clone())
        .with_log_reader(store);
    (state, capture)
}

/// The SQLite file of the query log [`logged_state`] keeps under `dir`.
pub fn log_db(dir: &Path) -> PathBuf {
    dir.join("querylog.sqlite")
}

/// The query log under `dir`, reopened once `capture` has written everything.
pub async fn closed_log(
    dir: &Path,
    capture: &driftless_querylog::CaptureHandle,
) -> driftless_querylog::LogStore {
    capture.shutdown().await;
    let db = log_db(dir);
    driftless_querylog::LogStore::connect(db.to_str().expect("UTF-8 path"))
        .await
        .expect("reopen the log")
}

/// Every record of the query log under `dir`, once `capture` has written everything.
pub async fn logged_records(
    dir: &Path,
    capture: &driftless_querylog::CaptureHandle,
) -> Vec<driftless_querylog::LogRecord> {
    closed_log(dir, capture)
        .await
        .read_all(&driftless_querylog::RecordFilter::default())
        .await
        .expect("read the log")
}

/// A router whose snapshot has not been loaded (needs no engine).
pub fn loading_app() -> Router {
    app(AppState::new(&ServerConfig::with_workers(1)))
}

/// A response, body collected.
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Raw body bytes.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Fails unless the status is `expected`, naming `context` (the URI, the request body)
    /// and showing the response body.
    #[track_caller]
    pub fn assert_status(&self, expected: u16, context: &str) {
        let body = String::from_utf8_lossy(&self.body);
        let separator = if context.is_empty() { "" } else { ": " };
        assert_eq!(self.status, expected, "{context}{separator}{body}");
    }

    /// The body of a 200 answer as JSON; fails, showing the body, on any other status.
    #[track_caller]
    pub fn ok_json(&self) -> serde_json::Value {
        self.assert_status(200, "");
        self.json()
    }

    /// The `error.code` of an error body; fails when the body is not an error body.
    pub fn error_code(&self) -> String {
        let body = self.json();
        let code = body["error"]["code"].as_str().map(str::to_owned);
        assert!(
            body["error"]["message"].is_string(),
            "no error message in {body}"
        );
        code.unwrap_or_else(|| panic!("no error code in {body}"))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Sends `request` to `router` without a network.
pub async fn send(router: Router, request: Request<Body>) -> TestResponse {
    let response = router
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("read the body")
        .to_bytes()
        .to_vec();
    TestResponse {
        status,
        headers,
        body,
    }
}

/// `GET uri`.
pub async fn get(router: Router, uri: &str) -> TestResponse {
    send(
        router,
        Request::get(uri)
            .body(Body::empty())
            .expect("valid request"),
    )
    .await
}

/// `GET uri`, which must answer 200 (a failure shows the body).
pub async fn get_ok(router: Router, uri: &str) -> TestResponse {
    let response = get(router, uri).await;
    response.assert_status(200, uri);
    response
}

/// `POST uri` with a JSON body (and the JSON content type).
pub async fn post_json(router: Router, uri: &str, body: &str) -> TestResponse {
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("valid request");
    send(router, request).await
}
