//! Unit tests of the HTTP payload of WARC responses.

use super::*;
use crate::test_files::gzip;

const MAX: u64 = 1 << 20;

fn reason(block: &[u8]) -> Option<SkipReason> {
    html_payload(block, MAX).err().map(|(r, _)| r)
}

#[test]
fn plain_200_html_is_returned_as_is() {
    let block =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<html><p>Hi</p></html>";
    assert_eq!(
        html_payload(block, MAX).ok().as_deref(),
        Some("<html><p>Hi</p></html>")
    );
    let lf_only = b"HTTP/1.0 200 OK\nContent-Type: application/xhtml+xml\n\n<p>x</p>";
    assert_eq!(html_payload(lf_only, MAX).ok().as_deref(), Some("<p>x</p>"));
}

#[test]
fn status_type_and_charset_decide_skips() {
    assert_eq!(
        reason(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html>"),
        Some(SkipReason::HttpStatus)
    );
    assert_eq!(
        reason(b"HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n"),
        Some(SkipReason::HttpStatus)
    );
    assert_eq!(
        reason(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG"),
        Some(SkipReason::NotHtml)
    );
    assert_eq!(
        reason(b"HTTP/1.1 200 OK\r\n\r\nplain words"),
        Some(SkipReason::NotHtml)
    );
    assert_eq!(
        reason(b"HTTP/1.1 200 OK\r\n\r\n  <!DOCTYPE HTML><p>x</p>"),
        None
    );
    assert_eq!(
        reason(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"iso-8859-1\"\r\n\r\n<p>x</p>"
        ),
        Some(SkipReason::InvalidUtf8)
    );
    assert_eq!(
        reason(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>x</p>"),
        None
    );
    assert_eq!(
        reason(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>\xff</p>"),
        Some(SkipReason::InvalidUtf8)
    );
    assert_eq!(
        reason(b"garbage\r\n\r\n<p>"),
        Some(SkipReason::InvalidRecord)
    );
    assert_eq!(
        reason(b"HTTP/1.1 200 OK\r\nContent-Type: text/html"),
        Some(SkipReason::InvalidRecord)
    );
    assert_eq!(reason(b""), Some(SkipReason::InvalidRecord));
}

#[test]
fn chunked_bodies_are_joined() {
    assert_eq!(
        dechunk(b"5\r\nHello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n").ok(),
        Some(b"Hello, world".to_vec())
    );
    assert_eq!(dechunk(b"3\nabc\n").ok(), Some(b"abc".to_vec()));
    assert_eq!(dechunk(b"").ok(), Some(Vec::new()));
    assert!(dechunk(b"zz\r\nabc").is_err());
    assert!(dechunk(b"10\r\nshort").is_err());
    assert!(dechunk(b"3\r\nabcX").is_err());
    assert!(dechunk(b"ffffffffffffffff\r\nx").is_err());
    assert!(dechunk(b"3\r\nabc\r\n4").is_err());
    let block = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n4\r\n<p>a\r\n4\r\nb</p\r\n1\r\n>\r\n0\r\n\r\n";
    assert_eq!(html_payload(block, MAX).ok().as_deref(), Some("<p>ab</p>"));
}

#[test]
fn gzip_content_is_decoded_within_the_limit() -> std::io::Result<()> {
    let zipped = gzip("<p>zipped</p>".repeat(100).as_bytes())?;
    let mut block =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: text/html\r\n\r\n".to_vec();
    block.extend_from_slice(&zipped);
    assert_eq!(html_payload(&block, MAX).map(|h| h.len()).ok(), Some(1300));
    assert_eq!(
        html_payload(&block, 100).err().map(|(r, _)| r),
        Some(SkipReason::TooLarge)
    );
    let broken = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nnot gzip";
    assert_eq!(reason(broken), Some(SkipReason::InvalidRecord));
    let brotli = b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n<p>x</p>";
    assert_eq!(reason(brotli), Some(SkipReason::InvalidRecord));
    Ok(())
}
