//! Records a client can poison: NUL and other control characters in every string, the
//! escape marker itself, client-chosen request ids that collide. Each one must be stored
//! exactly on both backends and read back unchanged by every read path.
use driftless_querylog::analysis::{AnalysisConfig, analyse};
use driftless_querylog::{
    LogRecord, LogStore, LoggedResult, RecordFilter, export_jsonl, export_parquet, import_jsonl,
    sort_canonical,
};
use serde_json::json;

use super::support::{load_record, on_postgres, on_sqlite};

/// Every string field holds something Postgres `text`/`jsonb` cannot take as is, or looks
/// like the escape of something else.
pub fn poisoned(i: usize) -> LogRecord {
    let odd = [
        "\0",
        "a\0b",
        "%00 literal",
        "\u{FFFF}esc:%00",
        "\u{FFFF}esc:",
        "\u{1}\u{1b}[31m\u{7f}\t\r\n",
        "100% \u{FFFE}\u{FFFF}",
        "😀\0é",
    ];
    let s = |k: usize| format!("{}{i}", odd[(i + k) % odd.len()]);
    let mut record = load_record(i);
    record.client = s(0);
    record.session_hint = Some(s(1));
    record.endpoint = format!("/v1/search{}", s(2));
    record.query = Some(s(3));
    record.params = json!({ "k": 5, s(4): s(5), "list": [s(6), null, 1.5] });
    record.snapshot_id = s(7);
    record.results = vec![LoggedResult {
        doc_id: s(1),
        score: 0.5,
        title: s(2),
        snippet: s(3),
        span: None,
    }];
    record.fetched_doc_id = Some(s(4));
    record.request_id = s(5);
    // The replica id comes from the operator, but is stored as exactly as any other string.
    record.replica = Some(s(6));
    record
}

async fn round_trip(store: &LogStore) {
    let mut records: Vec<LogRecord> = (0..24).map(poisoned).collect();
    records.extend((100..110).map(load_record));
    assert_eq!(store.insert_batch(&records).await.expect("insert"), 34);
    // Same log ids again (a spill replay): nothing new.
    assert_eq!(store.insert_batch(&records).await.expect("replay"), 0);
    sort_canonical(&mut records);
    let back = store
        .read_all(&RecordFilter::default())
        .await
        .expect("read");
    assert_eq!(back, records, "every string comes back exactly");

    // Filters compare with the original strings, not the stored form.
    let filter = RecordFilter {
        client: Some(records[0].client.clone()),
        ..RecordFilter::default()
    };
    let mine = store.read_all(&filter).await.expect("filtered read");
    assert!(!mine.is_empty() && mine.iter().all(|r| r.client == records[0].client));

    // JSONL export → import gives the originals back (clients hashed by design).
    let mut jsonl = Vec::new();
    export_jsonl(&back, "salt", &mut jsonl).expect("export");
    let imported = import_jsonl(jsonl.as_slice()).expect("import");
    for (a, b) in imported.iter().zip(&back) {
        assert_eq!(
            (&a.query, &a.params, &a.results),
            (&b.query, &b.params, &b.results)
        );
        assert_eq!((&a.request_id, &a.log_id), (&b.request_id, &b.log_id));
        assert_eq!(a.replica, b.replica);
    }
    // Parquet strings are bytes: NUL is fine there; the export must not fail on it.
    let mut parquet = Vec::new();
    assert_eq!(
        export_parquet(&back, "salt", &mut parquet).expect("parquet"),
        34
    );
    let config = AnalysisConfig::default();
    assert_eq!(analyse(&back, &config), analyse(&records, &config));
}

#[tokio::test]
async fn sqlite_stores_every_string_exactly() {
    on_sqlite(round_trip).await;
}

#[tokio::test]
async fn postgres_stores_every_string_exactly() {
    on_postgres(round_trip).await;
}

/// A client reusing another's `x-request-id` neither hides its request nor drops theirs.
async fn request_ids_are_not_keys(store: &LogStore) {
    let mut first = load_record(1);
    first.request_id = "chosen-by-client".into();
    let mut second = load_record(2);
    second.request_id = "chosen-by-client".into();
    assert_eq!(store.insert_batch(&[first]).await.expect("first"), 1);
    assert_eq!(store.insert_batch(&[second]).await.expect("second"), 1);
    let rows = store
        .read_all(&RecordFilter::default())
        .await
        .expect("read");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.request_id == "chosen-by-client"));
}

#[tokio::test]
async fn sqlite_request_ids_are_not_keys() {
    on_sqlite(request_ids_are_not_keys).await;
}

#[tokio::test]
async fn postgres_request_ids_are_not_keys() {
    on_postgres(request_ids_are_not_keys).await;
}
