//! Parquet export read back with the `parquet` crate's own reader: schema, row count and
//! values (optional columns null where absent, the result-id list, salted clients). When
//! `python3 -c "import pyarrow"` works (not required), pyarrow reads the file too.
use std::collections::BTreeMap;
use std::fs::File;

use driftless_querylog::{anonymize_client, export_parquet};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::fixtures::agent_log;

fn text(field: &Field) -> Option<String> {
    match field {
        Field::Str(s) => Some(s.clone()),
        Field::Null => None,
        other => panic!("expected a string, got {other:?}"),
    }
}

#[test]
fn parquet_export_reads_back_with_every_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log.parquet");
    let log = agent_log();
    let rows =
        export_parquet(&log, "pepper", File::create(&path).expect("create")).expect("export");
    assert_eq!(rows, 12);

    let reader = SerializedFileReader::new(File::open(&path).expect("open")).expect("reader");
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.num_rows(), 12);
    let columns: Vec<&str> = meta
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name())
        .collect();
    assert_eq!(
        columns,
        [
            "request_id",
            "ts_ms",
            "ts",
            "client",
            "session_hint",
            "step_hint",
            "endpoint",
            "query",
            "k",
            "params",
            "snapshot_id",
            "result_doc_ids",
            "results",
            "fetched_doc_id",
            "status",
            "latency_us",
            "log_id",
            "replica"
        ]
    );

    let mut by_id: BTreeMap<String, BTreeMap<String, Field>> = BTreeMap::new();
    for row in reader.get_row_iter(None).expect("rows") {
        let row = row.expect("row");
        let fields: BTreeMap<String, Field> = row
            .get_column_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        by_id.insert(text(&fields["request_id"]).expect("id"), fields);
    }
    assert_eq!(by_id.len(), 12);
    let r01 = &by_id["r01"];
    assert_eq!(text(&r01["client"]), Some(anonymize_client("pepper", "A")));
    assert_eq!(r01["ts_ms"], Field::Long(0));
    assert_eq!(r01["ts"], Field::TimestampMillis(0));
    assert_eq!(text(&r01["query"]).as_deref(), Some("rust async runtime"));
    assert_eq!(r01["k"], Field::Long(10));
    assert_eq!(r01["session_hint"], Field::Null);
    assert_eq!(r01["latency_us"], Field::Long(1_000));
    assert_eq!(r01["replica"], Field::Null);
    assert_eq!(r01["status"], Field::Int(200));
    let Field::ListInternal(ids) = &r01["result_doc_ids"] else {
        panic!("{:?}", r01["result_doc_ids"])
    };
    assert_eq!(ids.elements(), [Field::Str("d1".into())]);
    let results: serde_json::Value =
        serde_json::from_str(&text(&r01["results"]).expect("results")).expect("json");
    assert_eq!(results[0]["title"], "Tokio runtime");

    let r03 = &by_id["r03"]; // the fetch: no query, no k, no results
    assert_eq!((&r03["query"], &r03["k"]), (&Field::Null, &Field::Null));
    assert_eq!(text(&r03["fetched_doc_id"]).as_deref(), Some("d2"));
    let Field::ListInternal(empty) = &r03["result_doc_ids"] else {
        panic!("list")
    };
    assert!(empty.elements().is_empty());
    assert_eq!(text(&by_id["r07"]["session_hint"]).as_deref(), Some("s1"));
    assert_eq!(by_id["r09"]["status"], Field::Int(400));

    pyarrow_reads(&path);
}

/// Optional cross-check with pyarrow (what pandas uses); skipped when it is not installed.
fn pyarrow_reads(path: &std::path::Path) {
    let script = "import sys, pyarrow.parquet as pq\n\
        t = pq.read_table(sys.argv[1])\n\
        assert t.num_rows == 12, t.num_rows\n\
        d = t.to_pydict()\n\
        i = d['request_id'].index('r01')\n\
        assert d['result_doc_ids'][i] == ['d1'], d['result_doc_ids'][i]\n\
        assert d['query'][d['request_id'].index('r03')] is None\n\
        assert str(t.schema.field('ts').type) == 'timestamp[ms, tz=UTC]', t.schema.field('ts').type\n\
        print('pyarrow ok', t.num_columns)\n";
    let has_pyarrow = std::process::Command::new("python3")
        .args(["-c", "import pyarrow"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pyarrow {
        eprintln!(
            "note: pyarrow not installed; Parquet checked with the parquet crate's reader only"
        );
        return;
    }
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "pyarrow: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
