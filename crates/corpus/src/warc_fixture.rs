//! One WARC record framed as crawlers write it, for the WARC reader's tests: the unit tests
//! (`warc_tests.rs`) and the streaming integration tests (`tests/streaming/main.rs` includes
//! this file by path) share it, so both feed the reader records framed the same way.

/// A WARC record: the `WARC/{version}` line, `WARC-Type`, the other `headers` (each line
/// ending in CRLF), `Content-Length`, the block, and the two CRLFs that end a record.
pub fn warc_record(version: &str, warc_type: &str, headers: &str, block: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "WARC/{version}\r\nWARC-Type: {warc_type}\r\n{headers}Content-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}
