//! A WARC `response` record → a document: the record's id and URL, then the HTTP side
//! of its block (status line, headers, chunked transfer coding, gzip/deflate content
//! coding, content type and charset) down to UTF-8 HTML, then the crate's extractor.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;

use crate::document::{Document, SkipReason};
use crate::html_text::extract_html;
use crate::record::RecordError;

/// A record's header fields; names lowercased, in file order.
#[derive(Debug, Default)]
pub(crate) struct Header(pub Vec<(String, String)>);

impl Header {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The document of a response record: id from `WARC-TREC-ID` (ClueWeb) or the
/// record id, URL from `WARC-Target-URI`, title and text from the HTML extractor.
pub(crate) fn response_document(
    header: &Header,
    block: &[u8],
    shard: &str,
    offset: u64,
    max_bytes: u64,
) -> Result<Document, RecordError> {
    let doc_id = header
        .get("warc-trec-id")
        .or_else(|| header.get("warc-record-id"))
        .map(|id| {
            let id = id.trim().trim_start_matches('<').trim_end_matches('>');
            id.strip_prefix("urn:uuid:").unwrap_or(id).to_string()
        })
        .filter(|id| !id.is_empty())
        .ok_or((
            SkipReason::InvalidRecord,
            "record has no WARC-Record-ID".to_string(),
        ))?;
    let html = html_payload(block, max_bytes)?;
    let extracted = extract_html(&html);
    if extracted.text.trim().is_empty() {
        return Err((
            SkipReason::Empty,
            "no text left after removing markup and navigation".into(),
        ));
    }
    // WARC/1.0 writers sometimes put the URI in angle brackets.
    let url = header
        .get("warc-target-uri")
        .map(|u| {
            u.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("urn:driftless:{doc_id}"));
    let mut metadata = BTreeMap::new();
    metadata.insert("path".to_string(), shard.to_string());
    metadata.insert("offset".to_string(), offset.to_string());
    Ok(Document {
        doc_id,
        url,
        title: extracted.title,
        text: extracted.text,
        metadata,
    })
}

/// The HTML of a `200` response with an HTML content type, decoded to UTF-8.
pub(crate) fn html_payload(block: &[u8], max_bytes: u64) -> Result<String, RecordError> {
    let invalid = |why: String| (SkipReason::InvalidRecord, why);
    let (head, payload) = split_head(block)
        .ok_or_else(|| invalid("the HTTP response has no end of headers".into()))?;
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next()) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") => code.parse::<u16>().ok(),
        _ => None,
    };
    let Some(status) = status else {
        return Err(invalid(format!(
            "not an HTTP status line: {:.80}",
            status_line
        )));
    };
    if status != 200 {
        return Err((SkipReason::HttpStatus, format!("HTTP status {status}")));
    }
    let header = |name: &str| {
        lines.clone().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    // Borrowed unless a coding has to be undone: the record is already in memory once.
    let mut body = Cow::Borrowed(payload);
    if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        body = Cow::Owned(dechunk(&body).map_err(|e| invalid(format!("bad chunked body: {e}")))?);
    }
    if let Some(coding) = header("content-encoding") {
        body = decode_content(body, &coding.to_ascii_lowercase(), max_bytes)?;
    }
    let content_type = header("content-type").map(|v| v.to_ascii_lowercase());
    check_html(content_type.as_deref(), &body)?;
    let bytes = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
    match std::str::from_utf8(bytes) {
        Ok(html) => Ok(html.to_string()),
        Err(e) => Err((
            SkipReason::InvalidUtf8,
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )),
    }
}

/// Splits at the first blank line (CRLF or bare LF line ends).
fn split_head(block: &[u8]) -> Option<(&[u8], &[u8])> {
    let crlf = find(block, b"\r\n\r\n").map(|at| (at, at + 4));
    let lf = find(block, b"\n\n").map(|at| (at, at + 2));
    let (end, body) = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    Some((block.get(..end)?, block.get(body..)?))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Undoes `Transfer-Encoding: chunked`. Trailers after the last chunk are dropped; a
/// body that stops cleanly at a chunk boundary without the final `0` chunk is kept
/// (crawlers cut long transfers that way).
pub(crate) fn dechunk(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len());
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or_default();
        let eol = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("chunk size line has no end")?;
        let line = String::from_utf8_lossy(rest.get(..eol).unwrap_or_default());
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("chunk size {:.20?} is not hexadecimal", size_text))?;
        pos += eol + 1;
        if size == 0 {
            return Ok(out);
        }
        let end = pos.checked_add(size).filter(|&e| e <= data.len());
        let chunk = end
            .and_then(|e| data.get(pos..e))
            .ok_or("a chunk runs past the end")?;
        out.extend_from_slice(chunk);
        pos += size;
        let after = data.get(pos..).unwrap_or_default();
        if after.starts_with(b"\r\n") {
            pos += 2;
        } else if after.starts_with(b"\n") {
            pos += 1;
        } else if !after.is_empty() {
            return Err("a chunk is not followed by a line end".into());
        }
    }
    Ok(out)
}

/// Undoes a `Content-Encoding`, never producing more than `max_bytes` (a small
/// compressed body can expand enormously).
fn decode_content<'a>(
    body: Cow<'a, [u8]>,
    coding: &str,
    max_bytes: u64,
) -> Result<Cow<'a, [u8]>, RecordError> {
    let reader: Box<dyn Read + '_> = match coding.trim() {
        "" | "identity" | "none" => return Ok(body),
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(&body[..])),
        // "deflate" is zlib-wrapped by the standard, raw deflate in practice as often.
        "deflate" if body.first().is_some_and(|b| b & 0x0f == 8) => {
            Box::new(flate2::read::ZlibDecoder::new(&body[..]))
        }
        "deflate" => Box::new(flate2::read::DeflateDecoder::new(&body[..])),
        other => {
            return Err((
                SkipReason::InvalidRecord,
                format!("content encoding {other:?} is not supported"),
            ));
        }
    };
    let mut out = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| {
            (
                SkipReason::InvalidRecord,
                format!("cannot decode {coding}: {e}"),
            )
        })?;
    if out.len() as u64 > max_bytes {
        return Err((
            SkipReason::TooLarge,
            format!("decoded page exceeds the limit of {max_bytes} bytes"),
        ));
    }
    Ok(Cow::Owned(out))
}

/// HTML by content type (`text/html`, `application/xhtml+xml`) or, without one, by a
/// look at the start of the payload; only UTF-8 (or its subset US-ASCII) is read.
fn check_html(content_type: Option<&str>, body: &[u8]) -> Result<(), RecordError> {
    let Some(content_type) = content_type else {
        let start = body.get(..1024).unwrap_or(body).to_ascii_lowercase();
        let looks_html =
            find(&start, b"<html").is_some() || find(&start, b"<!doctype html").is_some();
        return match looks_html {
            true => Ok(()),
            false => Err((
                SkipReason::NotHtml,
                "no content type, and the payload does not start like HTML".into(),
            )),
        };
    };
    let mut params = content_type.split(';');
    let media = params.next().unwrap_or_default().trim();
    if media != "text/html" && media != "application/xhtml+xml" {
        return Err((SkipReason::NotHtml, format!("content type {media:?}")));
    }
    let charset = params.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim() == "charset").then(|| v.trim().trim_matches(['"', '\'']).to_string())
    });
    match charset.as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii") => Ok(()),
        Some(other) => Err((
            SkipReason::InvalidUtf8,
            format!("charset {other:?} is not read (only UTF-8 pages are)"),
        )),
    }
}

#[cfg(test)]
#[path = "warc_http_tests.rs"]
mod tests;
