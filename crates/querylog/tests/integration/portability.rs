//! JSONL export with salted client hashes, and import of exports and minimal logs.
use driftless_querylog::analysis::{AnalysisConfig, analyse};
use driftless_querylog::{QueryLogError, anonymize_client, export_jsonl, import_jsonl};

use super::fixtures::agent_log;

#[test]
fn export_hashes_clients_and_round_trips() {
    let log = agent_log();
    let mut out = Vec::new();
    assert_eq!(export_jsonl(&log, "pepper", &mut out).expect("export"), 12);
    let text = String::from_utf8(out.clone()).expect("utf8");
    assert_eq!(text.lines().count(), 12);
    assert!(!text.contains("\"client\":\"A\""));

    let a = anonymize_client("pepper", "A");
    assert_eq!(a.len(), 16);
    assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(a, anonymize_client("salt", "A"));
    assert_ne!(a, anonymize_client("pepper", "B"));

    let back = import_jsonl(out.as_slice()).expect("import");
    assert_eq!(back.len(), 12);
    for (original, imported) in log.iter().zip(&back) {
        assert_eq!(
            imported.client,
            anonymize_client("pepper", &original.client)
        );
        let mut restored = imported.clone();
        restored.client.clone_from(&original.client);
        assert_eq!(&restored, original);
    }
    // Hashing keeps client identity, so sessions and metrics survive anonymisation.
    let config = AnalysisConfig::default();
    let (before, after) = (analyse(&log, &config), analyse(&back, &config));
    assert_eq!(before.ctar.overall, after.ctar.overall);
    assert_eq!(before.sessions, after.sessions);
}

#[test]
fn import_minimal_shapes() {
    let input = r#"
{"query": "rust tokio", "timestamp": 1700000000, "client": "u1"}
{"q": "rust tokio spawn", "ts": 1700000060123, "user_id": 42, "k": 5}
{"Query": "aol style", "QueryTime": "2006-03-01 07:17:12", "AnonID": "217"}
{"query": "rfc", "timestamp": "2023-11-14T22:13:20.5Z", "client": "u1", "session_id": "s9"}
"#;
    let records = import_jsonl(input.as_bytes()).expect("import");
    let got: Vec<(i64, &str, Option<&str>)> = records
        .iter()
        .map(|r| (r.ts_ms, r.client.as_str(), r.query.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1_700_000_000_000, "u1", Some("rust tokio")),
            (1_700_000_060_123, "42", Some("rust tokio spawn")),
            (1_141_197_432_000, "217", Some("aol style")),
            (1_700_000_000_500, "u1", Some("rfc")),
        ]
    );
    assert_eq!(records[1].k(), Some(5));
    assert_eq!(records[3].session_hint.as_deref(), Some("s9"));
    assert!(
        records
            .iter()
            .all(|r| r.endpoint == "/v1/search" && r.request_id.starts_with("import:"))
    );
    // Re-importing yields the same ids, so a store keeps each record once.
    let again = import_jsonl(input.as_bytes()).expect("import");
    assert_eq!(records, again);
}

#[test]
fn import_reports_the_bad_line() {
    let input =
        "{\"query\":\"a\",\"timestamp\":1,\"client\":\"c\"}\n{\"query\":\"b\",\"client\":\"c\"}\n";
    match import_jsonl(input.as_bytes()) {
        Err(QueryLogError::Import { line, message }) => {
            assert_eq!(line, 2);
            assert!(message.contains("timestamp"), "{message}");
        }
        other => panic!("expected an import error, got {other:?}"),
    }
    assert!(matches!(
        import_jsonl("[1,2]\n".as_bytes()),
        Err(QueryLogError::Import { line: 1, .. })
    ));
}
