//! Reader for web archives (`.warc`, `.warc.gz` with one gzip member per record or one
//! for the file). A small streaming parser: each record's header block, then exactly
//! `Content-Length` bytes of block. Only `response` records become documents; the
//! others (`warcinfo`, `request`, `metadata`, …) are passed over without a word, since
//! they never were pages. A record is held in memory only when it is a response within
//! the page limit; anything larger is read past without being kept.

use std::io::Read;

use crate::document::{ReadItem, Skip, SkipReason};
use crate::options::ReaderOptions;
use crate::record::RecordError;
use crate::sharded::ShardItems;
use crate::shards::Shard;
use crate::stream::{Counting, discard, open_stream, read_error, read_line};
use crate::warc_http::{Header, response_document};

/// Longest header line kept; longer ones make the record unreadable.
const MAX_LINE: u64 = 64 * 1024;
/// Largest header block of one record.
const MAX_HEADER: usize = 1 << 20;

/// Iterator over the pages of one WARC shard.
#[derive(Debug)]
pub(crate) struct WarcRecords {
    reader: Counting,
    name: String,
    max_bytes: u64,
    /// A version line found while reporting the junk before it: read it next.
    pending: Option<u64>,
    /// After a record that could not be framed, its remaining bytes are passed over
    /// quietly up to the next version line (they were reported with the record).
    resyncing: bool,
    done: bool,
}

impl WarcRecords {
    /// [`crate::sharded::OpenShard`] for WARC.
    pub fn open_shard(shard: &Shard, options: &ReaderOptions) -> Result<ShardItems, Skip> {
        match open_stream(&shard.path, options.prefetch) {
            Ok(stream) => Ok(Box::new(WarcRecords {
                reader: Counting::new(stream),
                name: shard.name.clone(),
                max_bytes: options.max_page_bytes,
                pending: None,
                resyncing: false,
                done: false,
            })),
            Err(e) => Err(Skip::new(
                &shard.name,
                SkipReason::Io,
                format!("cannot open: {e}"),
            )),
        }
    }

    fn skipped(&self, offset: u64, reason: SkipReason, detail: impl Into<String>) -> ReadItem {
        ReadItem::Skipped(Skip::new(format!("{}@{offset}", self.name), reason, detail))
    }

    /// Finds the next `WARC/x.y` line: `Ok(Some(offset))`, `Ok(None)` at the end.
    /// Anything else than blank lines before it is junk, reported once (`Err`).
    fn next_version_line(&mut self) -> Result<Option<u64>, ReadItem> {
        if let Some(at) = self.pending.take() {
            return Ok(Some(at));
        }
        let mut junk_at = None;
        loop {
            let at = self.reader.pos;
            let line = match read_line(&mut self.reader, MAX_LINE) {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    self.done = true;
                    let (reason, detail) = read_error(&e);
                    return Err(self.skipped(at, reason, detail));
                }
            };
            if !line.too_long && line.bytes.starts_with(b"WARC/") {
                self.resyncing = false;
                if let Some(junk) = junk_at {
                    self.pending = Some(at);
                    return Err(self.skipped(
                        junk,
                        SkipReason::InvalidRecord,
                        "bytes that are not a WARC record",
                    ));
                }
                return Ok(Some(at));
            }
            if !self.resyncing && (line.too_long || !line.bytes.trim_ascii().is_empty()) {
                junk_at.get_or_insert(at);
            }
        }
        match junk_at {
            Some(junk) => Err(self.skipped(
                junk,
                SkipReason::InvalidRecord,
                "bytes that are not a WARC record",
            )),
            None => Ok(None),
        }
    }

    /// Reads header lines up to the blank line that ends them.
    fn read_header(&mut self) -> Result<Header, RecordError> {
        let mut header = Header::default();
        let mut size = 0usize;
        loop {
            let line = match read_line(&mut self.reader, MAX_LINE) {
                Ok(Some(line)) => line,
                Ok(None) => {
                    return Err((
                        SkipReason::Truncated,
                        "the file ends inside a record header".into(),
                    ));
                }
                Err(e) => return Err(read_error(&e)),
            };
            size += line.bytes.len();
            if line.too_long || size > MAX_HEADER {
                return Err((
                    SkipReason::InvalidRecord,
                    "record header is too long".into(),
                ));
            }
            let text = String::from_utf8_lossy(&line.bytes);
            let text = text.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                return Ok(header);
            }
            if text.starts_with([' ', '\t']) {
                // A folded continuation of the previous field.
                if let Some((_, value)) = header.0.last_mut() {
                    value.push(' ');
                    value.push_str(text.trim());
                }
                continue;
            }
            match text.split_once(':') {
                Some((name, value)) => header
                    .0
                    .push((name.trim().to_ascii_lowercase(), value.trim().to_string())),
                None => {
                    return Err((
                        SkipReason::InvalidRecord,
                        format!("malformed header line {text:.80?}"),
                    ));
                }
            }
        }
    }

    /// Reads one record; `None` when it was not a response and is passed over.
    fn read_record(&mut self, offset: u64) -> Option<ReadItem> {
        let header = match self.read_header() {
            Ok(header) => header,
            Err((reason, detail)) => {
                self.done = matches!(reason, SkipReason::Io | SkipReason::Truncated);
                self.resyncing = true;
                return Some(self.skipped(offset, reason, detail));
            }
        };
        let Some(len) = header
            .get("content-length")
            .and_then(|v| v.parse::<u64>().ok())
        else {
            self.resyncing = true;
            return Some(self.skipped(
                offset,
                SkipReason::InvalidRecord,
                "no valid Content-Length",
            ));
        };
        let is_response = header
            .get("warc-type")
            .is_some_and(|t| t.eq_ignore_ascii_case("response"));
        if !is_response || len > self.max_bytes {
            return match discard(&mut self.reader, len) {
                Ok(n) if n < len => {
                    self.done = true;
                    Some(self.skipped(
                        offset,
                        SkipReason::Truncated,
                        format!("the file ends {} bytes into a {len}-byte record", n),
                    ))
                }
                Err(e) => {
                    self.done = true;
                    let (reason, detail) = read_error(&e);
                    Some(self.skipped(offset, reason, detail))
                }
                Ok(_) if is_response => {
                    let detail = format!(
                        "{len}-byte record exceeds the limit of {} bytes",
                        self.max_bytes
                    );
                    Some(self.skipped(offset, SkipReason::TooLarge, detail))
                }
                Ok(_) => None,
            };
        }
        let mut block = Vec::new();
        match (&mut self.reader).take(len).read_to_end(&mut block) {
            Ok(n) if (n as u64) < len => {
                self.done = true;
                return Some(self.skipped(
                    offset,
                    SkipReason::Truncated,
                    format!("the file ends {n} bytes into a {len}-byte record"),
                ));
            }
            Ok(_) => {}
            Err(e) => {
                self.done = true;
                let (reason, detail) = read_error(&e);
                return Some(self.skipped(offset, reason, detail));
            }
        }
        Some(
            match response_document(&header, &block, &self.name, offset, self.max_bytes) {
                Ok(doc) => ReadItem::Document(doc),
                Err((reason, detail)) => self.skipped(offset, reason, detail),
            },
        )
    }
}

impl Iterator for WarcRecords {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        while !self.done {
            let offset = match self.next_version_line() {
                Ok(Some(offset)) => offset,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(item) => return Some(item),
            };
            if let Some(item) = self.read_record(offset) {
                return Some(item);
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "warc_tests.rs"]
mod tests;
