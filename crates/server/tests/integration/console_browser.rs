//! Issue 18: the console in a real browser. Debian's headless Chromium, driven over W3C
//! WebDriver by chromedriver, against a real server on a TCP port with a real query log:
//! types a query and reads the results, opens a document, runs a comparison, opens a logged
//! session's timeline, looks at the dashboards and the snapshot page, and checks the pages
//! at phone width. It measures each page's weight and the time to the first result.
//!
//! Each page is also captured as a PNG (checked to be one); `DRIFTLESS_SCREENSHOTS=DIR`
//! keeps them. The screenshots in docs/console come from benches/console-page.py, which
//! drives the same pages over the PostgreSQL and Django manuals.
//! Without chromium and chromedriver the test is skipped — except under `CI`, where
//! `scripts/test.sh` installs them and a missing browser is a failure.
use std::path::PathBuf;

use driftless_server::{app, serve};

use crate::common::webdriver::{Browser, ENTER, required};

/// Captures the page; keeps the PNG in `$DRIFTLESS_SCREENSHOTS` when set.
async fn shot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Some(dir) = std::env::var_os("DRIFTLESS_SCREENSHOTS").map(PathBuf::from) {
        std::fs::create_dir_all(&dir).expect("the screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }
}

/// Bytes the page transferred (document, stylesheet), from the browser's resource timing.
async fn page_weight(browser: &Browser) -> u64 {
    let v = browser
        .script(
            "const n = performance.getEntriesByType('navigation')[0];\
             const r = performance.getEntriesByType('resource');\
             return n.decodedBodySize + r.reduce((s, e) => s + e.decodedBodySize, 0);",
        )
        .await;
    v.as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_chromium() {
    let Some((driver, chromium)) = required() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, capture) = crate::common::logged_state(dir.path()).await;
    // A logged agent session for the timeline.
    for (step, q) in [(1, "release"), (2, "release+django"), (3, "borrow+checker")] {
        super::console::agent_search(&state, q, step).await;
    }
    super::console::wait_for_records(&state, 3).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app(state.clone()), async {
        let _ = stopped.await;
    }));
    let browser = Browser::start(&driver, &chromium).await;

    // Playground: type a query, submit with the keyboard, read the results.
    browser.goto(&format!("{base}/ui/search")).await;
    let q = browser.find("#q").await;
    browser.type_into(&q, &format!("release{ENTER}")).await;
    browser.wait_for_url("/ui/search?q=release").await;
    let titles = browser.find_all("ol.hits .title").await;
    assert!(titles.len() >= 3, "results listed");
    let first = browser.text(&titles[0]).await;
    assert!(!first.is_empty());
    assert!(browser.url().await.contains("/ui/search?q=release"));
    let curl = browser.find("#curl").await;
    let timing = browser
        .script("const n = performance.getEntriesByType('navigation')[0]; return n.responseEnd - n.startTime;")
        .await;
    let first_result_ms = timing.as_f64().expect("navigation timing");
    let weight = page_weight(&browser).await;
    eprintln!("search page: first result after {first_result_ms:.1} ms, {weight} bytes");
    assert!(weight > 0 && !browser.text(&curl).await.contains("<"));
    shot(&browser, "search").await;

    // Document viewer from the first hit.
    browser.click(&titles[0]).await;
    browser.wait_for_url("/ui/doc?doc_id=").await;
    assert!(browser.url().await.contains("/ui/doc?doc_id="));
    let title = browser.text(&browser.find("#doc-title").await).await;
    assert_eq!(
        title, first,
        "the viewer shows the document that was clicked"
    );
    assert!(
        !browser
            .text(&browser.find("#doc-text").await)
            .await
            .is_empty()
    );
    shot(&browser, "document").await;

    // Comparison through the form: B is BM25 with other k1 and b (A's default is bm25).
    browser.goto(&format!("{base}/ui/compare")).await;
    browser
        .click(&browser.find("#b_mode option[value='bm25']").await)
        .await;
    browser.type_into(&browser.find("#b_k1").await, "3").await;
    browser.type_into(&browser.find("#b_b").await, "1").await;
    browser.type_into(&browser.find("#k").await, "5").await;
    let q = browser.find("#q").await;
    browser
        .type_into(&q, &format!("release index{ENTER}"))
        .await;
    browser.wait_for_url("b_k1=3").await;
    let jaccard = browser.text(&browser.find("#jaccard").await).await;
    let jaccard: f64 = jaccard.parse().expect("Jaccard@k as a number");
    assert!((0.0..=1.0).contains(&jaccard));
    assert_eq!(browser.find_all("section.side").await.len(), 2);
    let changed = browser.find_all("li.entered, li.left").await.len();
    assert_eq!(
        changed == 0,
        jaccard == 1.0,
        "entered/left marks agree with Jaccard@k"
    );
    shot(&browser, "compare").await;

    // Sessions: the list, then the logged session's timeline.
    // The console's own searches are logged too (ui:search, a gap session of 127.0.0.1):
    // filter the list to the agent's client.
    browser.goto(&format!("{base}/ui/sessions")).await;
    assert_eq!(browser.find_all("a.session-link").await.len(), 2);
    shot(&browser, "sessions").await;
    let client = browser.find("#client").await;
    browser.type_into(&client, &format!("agent-7{ENTER}")).await;
    browser.wait_for_url("client=agent-7").await;
    let links = browser.find_all("a.session-link").await;
    assert_eq!(links.len(), 1, "only the agent's session");
    let link = links[0].clone();
    browser.click(&link).await;
    browser.wait_for_url("/ui/session?id=").await;
    let id = browser.text(&browser.find("#session-id").await).await;
    assert_eq!(id, "agent-7|hint:episode-1");
    let adopted = browser
        .text(&browser.find("ol.timeline .adopted-recent").await)
        .await;
    assert_eq!(
        adopted, "django",
        "the word the agent took from step 1's results"
    );
    assert_eq!(browser.find_all("li.step").await.len(), 3);
    shot(&browser, "session").await;

    browser.goto(&format!("{base}/ui/dashboards")).await;
    assert!(browser.find_all("figure svg").await.len() >= 5);
    shot(&browser, "dashboards").await;
    browser.goto(&format!("{base}/ui/snapshot")).await;
    assert_eq!(browser.text(&browser.find("#documents").await).await, "6");
    shot(&browser, "snapshot").await;

    // Phone width: nothing wider than the viewport.
    browser.resize(390, 844).await;
    browser
        .goto(&format!("{base}/ui/search?q=release&k=5"))
        .await;
    let overflow = browser
        .script("return document.documentElement.scrollWidth - window.innerWidth;")
        .await;
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "horizontal overflow {overflow}"
    );
    shot(&browser, "search-phone").await;

    browser.quit().await;
    drop(browser);
    stop.send(()).expect("server running");
    server.await.expect("join").expect("serve");
    capture.shutdown().await;
}
