//! Lenient import of public logs: TSV and CSV with a header, column mapping, bad lines
//! skipped and counted (never a panic, never a silent loss), strict import unchanged.
use driftless_querylog::analysis::{AnalysisConfig, analyse};
use driftless_querylog::{ColumnMap, ImportFormat, import_jsonl, import_lenient};

#[test]
fn column_map_parses_and_rejects_unknown_fields() {
    let map: ColumnMap = "query=Query, ts=QueryTime,client=AnonID,session=sid"
        .parse()
        .expect("map");
    assert_eq!(map.query.as_deref(), Some("Query"));
    assert_eq!(map.ts.as_deref(), Some("QueryTime"));
    assert_eq!(map.client.as_deref(), Some("AnonID"));
    assert_eq!(map.session.as_deref(), Some("sid"));
    assert!(
        "clicks=ItemRank"
            .parse::<ColumnMap>()
            .unwrap_err()
            .contains("unknown field")
    );
    assert!("query".parse::<ColumnMap>().is_err());
}

#[test]
fn aol_style_tsv_with_default_names_and_bad_lines() {
    // The AOL 2006 log's own header: the default names already cover it.
    let mut tsv = b"AnonID\tQuery\tQueryTime\tItemRank\tClickURL\n\
        142\trentdirect.com\t2006-03-01 07:17:12\t\t\n\
        \n\
        142\tstaple.com\t2006-03-01 07:19:30\t1\thttp://www.staples.com\n\
        217\t\t2006-03-01 11:58:51\t\t\n\
        217\tlottery\t2006-03-01 11:58:51\textra\tcolumns\ttoo many\n"
        .to_vec();
    tsv.extend_from_slice(b"217\t\xc3\x28 broken\t2006-03-01 11:58:51\n");
    let report =
        import_lenient(tsv.as_slice(), ImportFormat::Tsv, &ColumnMap::default()).expect("import");
    assert_eq!((report.lines, report.records.len(), report.bad), (5, 2, 3));
    let issues: Vec<(u64, bool)> = report
        .issues
        .iter()
        .map(|i| {
            (
                i.line,
                i.message.contains("query")
                    || i.message.contains("fields")
                    || i.message.contains("UTF-8"),
            )
        })
        .collect();
    assert_eq!(
        issues,
        [(5, true), (6, true), (7, true)],
        "{:?}",
        report.issues
    );
    assert_eq!(report.records[0].client, "142");
    assert_eq!(report.records[0].ts_ms, 1_141_197_432_000);
    // Both of 142's queries fall in one session (138 s apart).
    let r = analyse(&report.records, &AnalysisConfig::default());
    assert_eq!(r.sessions.sessions, 1);
}

#[test]
fn csv_with_quotes_and_a_column_map() {
    let csv = "user,text,at,note\n\
        u1,\"rust, tokio\",1700000000,\"said \"\"hi\"\"\"\n\
        u1,tokio spawn,1700000030,\n\
        u2,no time here,,\n";
    let map: ColumnMap = "query=text,ts=at,client=user".parse().expect("map");
    let report = import_lenient(csv.as_bytes(), ImportFormat::Csv, &map).expect("import");
    assert_eq!((report.records.len(), report.bad), (2, 1));
    assert_eq!(report.records[0].query.as_deref(), Some("rust, tokio"));
    assert_eq!(report.records[1].ts_ms, 1_700_000_030_000);
    assert!(
        report.issues[0].message.contains("missing timestamp (at)"),
        "{:?}",
        report.issues
    );
    // Mapped names are the only ones consulted: `text` is not a default query name, and
    // with a map naming another column the line has no query.
    let other: ColumnMap = "query=missing".parse().expect("map");
    let none = import_lenient(csv.as_bytes(), ImportFormat::Csv, &other).expect("import");
    assert_eq!((none.records.len(), none.bad), (0, 3));
}

/// Issue 16: a quoted field may hold a line break (a multi-line query); the import read
/// lines, so such a record became two bad lines. Line numbers still count file lines.
#[test]
fn csv_quoted_line_breaks_stay_in_their_field() {
    let csv = "user,text,at\n\
        u1,\"first line\nsecond, \"\"quoted\"\"\",1700000000\n\
        u2,plain,1700000030\n\
        u3,broken,\n";
    let map: ColumnMap = "query=text,ts=at,client=user".parse().expect("map");
    let report = import_lenient(csv.as_bytes(), ImportFormat::Csv, &map).expect("import");
    assert_eq!(
        (report.records.len(), report.bad),
        (2, 1),
        "{:?}",
        report.issues
    );
    assert_eq!(
        report.records[0].query.as_deref(),
        Some("first line\nsecond, \"quoted\"")
    );
    assert_eq!(report.records[1].query.as_deref(), Some("plain"));
    assert_eq!(
        report.issues[0].line, 5,
        "the bad record is on the file's fifth line"
    );
    // A file that ends inside quotes is one bad record, not a panic or a lost error.
    let unclosed = "query,timestamp,client\n\"never closed,1,c\n";
    let open = import_lenient(
        unclosed.as_bytes(),
        ImportFormat::Csv,
        &ColumnMap::default(),
    )
    .expect("import");
    assert_eq!((open.records.len(), open.bad), (0, 1));
    assert!(
        open.issues[0].message.contains("inside a quoted field"),
        "{:?}",
        open.issues
    );
}

#[test]
fn jsonl_lenient_counts_what_strict_refuses() {
    let input = "{\"query\":\"a\",\"timestamp\":1,\"client\":\"c\"}\nnot json\n[1]\n{\"q\":\"b\",\"ts\":2,\"user\":\"c\"}\n";
    assert!(import_jsonl(input.as_bytes()).is_err());
    let report = import_lenient(input.as_bytes(), ImportFormat::Jsonl, &ColumnMap::default())
        .expect("import");
    assert_eq!((report.lines, report.records.len(), report.bad), (4, 2, 2));
    // Request ids are the same as the strict import gives (re-imports stay idempotent).
    let strict = import_jsonl("{\"query\":\"a\",\"timestamp\":1,\"client\":\"c\"}\n".as_bytes())
        .expect("strict");
    assert_eq!(strict[0].request_id, report.records[0].request_id);
}
