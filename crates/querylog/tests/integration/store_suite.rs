//! One suite, two backends: whatever SQLite does, Postgres must do identically.
use driftless_querylog::analysis::{AnalysisConfig, analyse};
use driftless_querylog::{Backend, LogStore, RecordFilter, sort_canonical};

use super::fixtures::agent_log;
use super::support::PgDatabase;

async fn suite(store: &LogStore) {
    assert_eq!(store.count().await.expect("count"), 0);
    let log = agent_log();
    assert_eq!(store.insert_batch(&log[..5]).await.expect("insert"), 5);
    // Overlapping batch: the five already stored are skipped, not duplicated.
    assert_eq!(store.insert_batch(&log).await.expect("insert"), 7);
    assert_eq!(store.insert_batch(&[]).await.expect("empty"), 0);
    assert_eq!(store.count().await.expect("count"), 12);

    let mut expected = log.clone();
    sort_canonical(&mut expected);
    let all = store
        .read_all(&RecordFilter::default())
        .await
        .expect("read");
    assert_eq!(
        all, expected,
        "round trip is lossless and in (ts_ms, request_id) order"
    );

    let only_b = RecordFilter {
        client: Some("B".into()),
        ..RecordFilter::default()
    };
    let b = store.read_all(&only_b).await.expect("read B");
    assert_eq!(b.len(), 5);
    assert!(b.iter().all(|r| r.client == "B"));

    let window = RecordFilter {
        since_ms: Some(5_000),
        until_ms: Some(401_000),
        ..RecordFilter::default()
    };
    let w: Vec<String> = store
        .read_all(&window)
        .await
        .expect("read")
        .into_iter()
        .map(|r| r.request_id)
        .collect();
    assert_eq!(w, ["r07", "r02", "r03", "r04"]);

    let fetches = RecordFilter {
        endpoint: Some("/v1/fetch".into()),
        ..RecordFilter::default()
    };
    let f = store.read_all(&fetches).await.expect("read");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].fetched_doc_id.as_deref(), Some("d2"));
    for filter in [&only_b, &window, &fetches] {
        let mem: Vec<_> = expected
            .iter()
            .filter(|r| filter.matches(r))
            .cloned()
            .collect();
        assert_eq!(
            store.read_all(filter).await.expect("read"),
            mem,
            "SQL and in-memory filters agree"
        );
    }

    // The annotation cache: a miss, then the first label stored wins; NUL survives.
    assert_eq!(store.cached_label("k1").await.expect("miss"), None);
    let entry = driftless_querylog::CachedLabel {
        cache_key: "k1",
        prompt_version: "annotate-v1",
        model: "m\0odel",
        task: "intent",
        label: "procedural",
    };
    store.cache_label(&entry, 1).await.expect("cache");
    let again = driftless_querylog::CachedLabel {
        label: "other",
        ..entry.clone()
    };
    store.cache_label(&again, 2).await.expect("cache again");
    assert_eq!(
        store.cached_label("k1").await.expect("hit").as_deref(),
        Some("procedural")
    );

    // Same rows → same report as the in-memory fixture.
    let config = AnalysisConfig::default();
    assert_eq!(analyse(&all, &config), analyse(&log, &config));

    // Ties on ts_ms order by request id bytes on both backends, whatever the collation.
    let mut tie = log[1].clone();
    tie.request_id = "R01-upper".into();
    tie.log_id = "log-tie".into();
    store.insert_batch(&[tie]).await.expect("insert tie");
    let ordered = store
        .read_all(&RecordFilter::default())
        .await
        .expect("read");
    assert_eq!(ordered[0].request_id, "R01-upper");
    assert_eq!(ordered[1].request_id, "r01");
}

#[tokio::test]
async fn sqlite_store_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested").join("log.db");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let store = LogStore::connect(path.to_str().expect("utf8 path"))
        .await
        .expect("connect");
    assert_eq!(store.backend(), Backend::Sqlite);
    suite(&store).await;
    store.close().await;
    // Reopening runs the migrations again without harm and finds the rows.
    let again = LogStore::connect(&format!("sqlite:{}", path.display()))
        .await
        .expect("reopen");
    assert_eq!(again.count().await.expect("count"), 13);
    again.close().await;
}

#[tokio::test]
async fn postgres_store_suite() {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    let store = LogStore::connect(&db.url()).await.expect("connect");
    assert_eq!(store.backend(), Backend::Postgres);
    suite(&store).await;
    store.close().await;
    let again = LogStore::connect(&db.url())
        .await
        .expect("reconnect migrates idempotently");
    assert_eq!(again.count().await.expect("count"), 13);
    again.close().await;
    db.drop_now().await;
}

#[tokio::test]
async fn connect_errors_name_the_target_without_password() {
    let err = LogStore::connect_with(
        "postgres://postgres:hunter2@127.0.0.1:1/none",
        &driftless_querylog::StoreOptions {
            acquire_timeout: std::time::Duration::from_millis(300),
            ..Default::default()
        },
    )
    .await
    .expect_err("closed port");
    let message = err.to_string();
    assert!(
        message.contains("postgres://postgres@127.0.0.1:1/none"),
        "{message}"
    );
    assert!(!message.contains("hunter2"));
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-dir").join("log.db");
    assert!(
        LogStore::connect(missing.to_str().expect("utf8"))
            .await
            .is_err()
    );
}
