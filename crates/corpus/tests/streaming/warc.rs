//! A WARC.gz written the way crawlers write them (one gzip member per record) holding
//! every kind of record the reader must tell apart, and a last record cut short.

use driftless_corpus::{Format, ReadItem, ReaderOptions, SkipReason, open_corpus};

use crate::warc_fixture::warc_record;
use crate::{TestResult, docs, gzip, skips};

/// One WARC/1.1 record with the given type, extra header lines and block.
pub fn record(warc_type: &str, headers: &str, block: &[u8]) -> Vec<u8> {
    warc_record("1.1", warc_type, headers, block)
}

fn response(uuid: &str, uri: &str, http: &[u8]) -> Vec<u8> {
    let headers = format!(
        "WARC-Record-ID: <urn:uuid:{uuid}>\r\nWARC-Date: 2024-02-20T10:00:00Z\r\nWARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype=response\r\n"
    );
    record("response", &headers, http)
}

const ARTICLE: &str = "<!DOCTYPE html><html><head><title>Streaming readers</title></head><body>\
    <nav><a href=\"/\">Home</a> | <a href=\"/blog\">Blog</a></nav>\
    <main><h1>Streaming readers</h1><p>Readers hold one record at a time.</p>\
    <h2>Why it matters</h2><p>Web-scale corpora do not fit in memory.</p></main></body></html>";

/// The records, uncompressed, each with the item it should give (None: passed over).
pub fn records() -> Vec<(Vec<u8>, Option<&'static str>)> {
    let ok = |body: &str| {
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}")
    };
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for part in [
        "<html><body><p>Chunked pa",
        "ge body.</p></body>",
        "</html>",
    ] {
        chunked.extend(format!("{:x}\r\n{part}\r\n", part.len()).into_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    vec![
        (record("warcinfo", "WARC-Record-ID: <urn:uuid:info>\r\nContent-Type: application/warc-fields\r\n", b"software: test-crawler\r\nformat: WARC File Format 1.1\r\n"), None),
        (record("request", "WARC-Record-ID: <urn:uuid:req-1>\r\nWARC-Target-URI: https://blog.example/streams\r\n", b"GET /streams HTTP/1.1\r\nHost: blog.example\r\n\r\n"), None),
        (response("11111111-aaaa", "https://blog.example/streams", ok(ARTICLE).as_bytes()), Some("doc")),
        (record("metadata", "WARC-Record-ID: <urn:uuid:meta-1>\r\n", b"fetchTimeMs: 120\r\n"), None),
        (response("22222222-bbbb", "<https://blog.example/chunked>", &chunked), Some("doc")),
        (response("33333333-cccc", "https://blog.example/missing", b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html><body><p>Not found</p></body></html>"), Some("http_status")),
        (response("44444444-dddd", "https://blog.example/logo.png", b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\0\0"), Some("not_html")),
        (record("response", "WARC-TREC-ID: clueweb22-en0000-00-00001\r\nWARC-Record-ID: <urn:uuid:55555555>\r\nWARC-Target-URI: https://sniffed.example/\r\n", b"HTTP/1.1 200 OK\r\n\r\n<html><body><p>Sniffed as HTML.</p></body></html>"), Some("doc")),
    ]
}

#[test]
fn a_multi_member_warc_gz_gives_html_pages_and_reasons() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("crawl-00000.warc.gz");
    let mut compressed = Vec::new();
    let mut offsets = Vec::new();
    let mut at = 0usize;
    for (bytes, _) in records() {
        offsets.push(at);
        at += bytes.len();
        compressed.extend(gzip(&bytes)?);
    }
    // A last response whose gzip member is cut in the middle: an interrupted download.
    let last = response(
        "66666666-eeee",
        "https://blog.example/cut",
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>{}</p></body></html>",
            "long ".repeat(2000)
        )
        .as_bytes(),
    );
    let last_member = gzip(&last)?;
    compressed.extend_from_slice(&last_member[..last_member.len() / 2]);
    std::fs::write(&path, &compressed)?;

    let corpus = open_corpus(&path, Format::Auto, &ReaderOptions::default())?;
    assert_eq!((corpus.format(), corpus.len_hint()), (Format::Warc, None));
    let items: Vec<ReadItem> = corpus.collect();
    assert_eq!(items.len(), 6, "{items:#?}");

    let docs = docs(&items);
    let got: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| (d.doc_id.as_str(), d.url.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("11111111-aaaa", "https://blog.example/streams"),
            ("22222222-bbbb", "https://blog.example/chunked"),
            ("clueweb22-en0000-00-00001", "https://sniffed.example/"),
        ]
    );
    let article = docs.first().ok_or("no article")?;
    assert_eq!(article.title, "Streaming readers");
    assert!(article.text.contains("Readers hold one record at a time."));
    assert!(article.text.contains("Why it matters"));
    assert!(
        article
            .text
            .contains("Web-scale corpora do not fit in memory.")
    );
    assert!(
        !article.text.contains("Home") && !article.text.contains("Blog"),
        "{}",
        article.text
    );
    assert_eq!(
        article.metadata.get("path").map(String::as_str),
        Some("crawl-00000.warc.gz")
    );
    assert_eq!(
        article.metadata.get("offset").cloned(),
        Some(offsets[2].to_string())
    );
    assert_eq!(
        docs.get(1).map(|d| d.text.as_str()),
        Some("Chunked page body.")
    );

    let got: Vec<(String, SkipReason)> = skips(&items)
        .iter()
        .map(|s| (s.source.clone(), s.reason))
        .collect();
    let name = "crawl-00000.warc.gz";
    assert_eq!(
        got,
        [
            (format!("{name}@{}", offsets[5]), SkipReason::HttpStatus),
            (format!("{name}@{}", offsets[6]), SkipReason::NotHtml),
            (format!("{name}@{at}"), SkipReason::Truncated),
        ]
    );
    Ok(())
}

#[test]
fn a_plain_warc_cut_inside_a_record_block_is_truncated() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let mut bytes: Vec<u8> = records().into_iter().flat_map(|(b, _)| b).collect();
    let at = bytes.len();
    let last = response(
        "77777777",
        "https://e.example/",
        b"HTTP/1.1 200 OK\r\n\r\n<html><body><p>cut here",
    );
    bytes.extend_from_slice(&last[..last.len() - 20]);
    let dir = tmp.path().join("warcs");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("a.warc"), &bytes)?;
    let items: Vec<ReadItem> =
        open_corpus(&dir, Format::Auto, &ReaderOptions::default())?.collect();
    assert_eq!(docs(&items).len(), 3);
    let last_skip = skips(&items).last().map(|s| (s.source.clone(), s.reason));
    assert_eq!(
        last_skip,
        Some((format!("a.warc@{at}"), SkipReason::Truncated))
    );
    Ok(())
}
