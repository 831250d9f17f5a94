//! Unit tests of the JSONL reader: record shapes and every kind of bad line.

use super::*;
use crate::error::CorpusError;
use crate::record::split_quoted_title;
use crate::test_files::{doc_ids, read_shard, skips};

fn read_all(content: &[u8], options: &ReaderOptions) -> Vec<ReadItem> {
    read_shard(JsonlRecords::open_shard, "x.jsonl", content, options)
}

/// The document at `i`; a skip there fails the test, showing it.
fn doc_at(items: &[ReadItem], i: usize) -> Document {
    match items.get(i) {
        Some(ReadItem::Document(d)) => d.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn full_records_and_numeric_ids() {
    let items = read_all(
        b"{\"id\":\"a\",\"url\":\"https://e.org/a\",\"title\":\" A  page \",\"text\":\"hello\"}\n{\"id\":42,\"text\":\"num\"}\n",
        &ReaderOptions::default(),
    );
    assert_eq!(items.len(), 2);
    let a = doc_at(&items, 0);
    assert_eq!(
        (
            a.doc_id.as_str(),
            a.url.as_str(),
            a.title.as_str(),
            a.text.as_str()
        ),
        ("a", "https://e.org/a", "A page", "hello")
    );
    let n = doc_at(&items, 1);
    assert_eq!(
        (n.doc_id.as_str(), n.url.as_str()),
        ("42", "urn:driftless:42")
    );
    assert_eq!(n.metadata.get("line").map(String::as_str), Some("2"));
}

#[test]
fn contents_with_quoted_title_line() {
    let items = read_all(b"{\"id\":\"1\",\"contents\":\"\\\"Aaron\\\"\\nAaron is a prophet.\"}\n{\"id\":\"2\",\"contents\":\"no title here\"}", &ReaderOptions::default());
    let one = doc_at(&items, 0);
    assert_eq!(
        (one.title.as_str(), one.text.as_str()),
        ("Aaron", "Aaron is a prophet.")
    );
    let two = doc_at(&items, 1);
    assert_eq!(
        (two.title.as_str(), two.text.as_str()),
        ("", "no title here")
    );
}

#[test]
fn bad_lines_are_skipped_with_line_numbers() {
    let mut data = Vec::new();
    data.extend_from_slice(b"not json\n");
    data.extend_from_slice(b"[1,2]\n");
    data.extend_from_slice(b"{\"text\":\"no id\"}\n");
    data.extend_from_slice(b"{\"id\":1.5,\"text\":\"x\"}\n");
    data.extend_from_slice(b"{\"id\":\"e\",\"text\":\"   \"}\n");
    data.extend_from_slice(b"{\"id\":\"bad\",\"text\":\"\xff\xfe\"}\n");
    data.extend_from_slice(b"\n   \n");
    data.extend_from_slice(b"{\"id\":\"t\",\"title\":5,\"text\":\"x\"}\n");
    data.extend_from_slice(b"{\"id\":\"ok\",\"text\":\"fine\"}");
    let items = read_all(&data, &ReaderOptions::default());
    let reasons: Vec<(String, SkipReason)> = skips(&items)
        .map(|s| {
            (
                s.source.rsplit(':').next().unwrap_or("").to_string(),
                s.reason,
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("1".to_string(), SkipReason::InvalidRecord),
            ("2".to_string(), SkipReason::InvalidRecord),
            ("3".to_string(), SkipReason::InvalidRecord),
            ("4".to_string(), SkipReason::InvalidRecord),
            ("5".to_string(), SkipReason::Empty),
            ("6".to_string(), SkipReason::InvalidUtf8),
            ("9".to_string(), SkipReason::InvalidRecord),
        ]
    );
    assert!(
        skips(&items).all(|s| s.detail.starts_with("line ") || s.reason == SkipReason::InvalidUtf8)
    );
    assert_eq!(doc_ids(&items), ["ok"]);
}

#[test]
fn over_long_lines_are_skipped_and_reading_continues() {
    let options = ReaderOptions {
        max_page_bytes: 64,
        ..ReaderOptions::default()
    };
    let long = format!(
        "{{\"id\":\"big\",\"text\":\"{}\"}}\n{{\"id\":\"small\",\"text\":\"s\"}}\n",
        "x".repeat(500)
    );
    let items = read_all(long.as_bytes(), &options);
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].skip().map(|s| s.reason),
        Some(SkipReason::TooLarge)
    );
    assert_eq!(
        items[1].document().map(|d| d.doc_id.as_str()),
        Some("small")
    );
}

#[test]
fn quoted_title_needs_both_quotes() {
    assert_eq!(
        split_quoted_title("\"\"\nx"),
        (String::new(), "x".to_string())
    );
    assert_eq!(split_quoted_title("\""), (String::new(), "\"".to_string()));
    assert_eq!(
        split_quoted_title("\"T\""),
        ("T".to_string(), String::new())
    );
}

#[test]
fn blank_title_falls_back_to_the_quoted_first_line() {
    let items = read_all(
        b"{\"id\":\"1\",\"title\":\" \",\"contents\":\"\\\"Aaron\\\"\\nAaron is a prophet.\"}\n",
        &ReaderOptions::default(),
    );
    let one = doc_at(&items, 0);
    assert_eq!(
        (one.title.as_str(), one.text.as_str()),
        ("Aaron", "Aaron is a prophet.")
    );
    assert_eq!(one.url, "urn:driftless:1");
}

#[test]
fn field_map_replaces_the_default_lookup() -> Result<(), CorpusError> {
    let options = ReaderOptions {
        fields: FieldMap::parse(&["id=docid,text=body".to_string()])?,
        ..ReaderOptions::default()
    };
    let items = read_all(
        b"{\"id\":\"ignored\",\"docid\":\"d1\",\"body\":\"\\\"Not a title\\\"\\nmapped body\",\"text\":\"not this\",\"title\":\"T\"}\n{\"id\":\"x\",\"body\":\"no docid\"}\n{\"docid\":9,\"text\":\"no body\"}\n",
        &options,
    );
    let first = doc_at(&items, 0);
    assert_eq!(
        (
            first.doc_id.as_str(),
            first.title.as_str(),
            first.text.as_str()
        ),
        ("d1", "T", "\"Not a title\"\nmapped body")
    );
    let details: Vec<&str> = skips(&items).map(|s| s.detail.as_str()).collect();
    assert_eq!(
        details,
        ["line 2: missing \"docid\"", "line 3: needs \"body\""]
    );
    Ok(())
}
