//! Unit tests of WARC record framing: junk between records, bad headers, size limits.

use super::*;
use crate::test_files::read_shard;
use crate::warc_fixture::warc_record;

/// One WARC/1.0 record with the given type, extra header lines and block.
fn record(warc_type: &str, headers: &str, block: &[u8]) -> Vec<u8> {
    warc_record("1.0", warc_type, headers, block)
}

fn page(id: &str, text: &str) -> Vec<u8> {
    let block = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>{text}</p></body></html>"
    );
    record(
        "response",
        &format!("WARC-Record-ID: <urn:uuid:{id}>\r\nWARC-Target-URI: <https://e.org/{id}>\r\n"),
        block.as_bytes(),
    )
}

fn read(bytes: &[u8], max: u64) -> Vec<ReadItem> {
    let options = ReaderOptions {
        max_page_bytes: max,
        ..ReaderOptions::default()
    };
    read_shard(WarcRecords::open_shard, "x.warc", bytes, &options)
}

/// Document ids, and `source reason` of skips, in order.
fn summary(items: &[ReadItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i {
            ReadItem::Document(d) => format!("{} {}", d.doc_id, d.url),
            ReadItem::Skipped(s) => format!("{} {}", s.source, s.reason),
        })
        .collect()
}

#[test]
fn junk_between_records_is_reported_once_and_reading_resumes() {
    let mut bytes = page("a", "first");
    let junk_at = bytes.len();
    bytes.extend_from_slice(b"some junk\nmore junk\n");
    let second_at = bytes.len();
    bytes.extend(page("b", "second"));
    let items = read(&bytes, 1 << 20);
    assert_eq!(
        summary(&items),
        [
            "a https://e.org/a".to_string(),
            format!("x.warc@{junk_at} invalid_record"),
            "b https://e.org/b".to_string(),
        ]
    );
    let offset = match items.get(2) {
        Some(ReadItem::Document(d)) => d.metadata.get("offset").cloned(),
        _ => None,
    };
    assert_eq!(offset, Some(second_at.to_string()));
}

#[test]
fn bad_headers_skip_the_record_quietly_up_to_the_next_one() {
    let mut bytes =
        b"WARC/1.0\r\nWARC-Type: response\r\nno colon here\r\n\r\nbody line\r\n\r\n".to_vec();
    let second_at = bytes.len();
    bytes.extend_from_slice(
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: lots\r\n\r\nbody\r\n\r\n",
    );
    bytes.extend(page("c", "third"));
    assert_eq!(
        summary(&read(&bytes, 1 << 20)),
        [
            "x.warc@0 invalid_record".to_string(),
            format!("x.warc@{second_at} invalid_record"),
            "c https://e.org/c".to_string(),
        ]
    );
}

#[test]
fn oversized_responses_are_passed_over_without_being_kept() {
    let mut bytes = page("big", &"word ".repeat(500));
    bytes.extend(page("small", "tiny"));
    assert_eq!(
        summary(&read(&bytes, 400)),
        ["x.warc@0 too_large", "small https://e.org/small"]
    );
}

#[test]
fn ids_prefer_the_trec_id_and_records_without_ids_are_skipped() {
    let block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>ClueWeb page</p>";
    let mut bytes = record(
        "response",
        "WARC-TREC-ID: clueweb12-0000tw-00-00013\r\nWARC-Record-ID: <urn:uuid:zz>\r\n",
        block,
    );
    let second_at = bytes.len();
    bytes.extend(record("response", "", block));
    bytes.extend(record("metadata", "", b"fetchTimeMs: 1"));
    assert_eq!(
        summary(&read(&bytes, 1 << 20)),
        [
            "clueweb12-0000tw-00-00013 urn:driftless:clueweb12-0000tw-00-00013".to_string(),
            format!("x.warc@{second_at} invalid_record"),
        ]
    );
}

#[test]
fn a_file_cut_inside_a_header_is_truncated() {
    let mut bytes = page("a", "first");
    let at = bytes.len();
    bytes.extend_from_slice(b"WARC/1.0\r\nWARC-Type: resp");
    assert_eq!(
        summary(&read(&bytes, 1 << 20)),
        [
            "a https://e.org/a".to_string(),
            format!("x.warc@{at} truncated")
        ]
    );
}
