//! Byte streams of one shard: transparent gzip / zstd decompression chosen by the
//! file's magic bytes (so a misnamed `.jsonl` that is really gzip still reads), lines
//! read with a hard length limit, the numbered lines of a line-per-record shard (JSONL,
//! TSV), and a byte counter for WARC record offsets.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::document::{Skip, SkipReason};
use crate::options::ReaderOptions;
use crate::prefetch::Prefetch;
use crate::shards::Shard;

/// Buffer size of every shard reader: large enough for sequential disk reads, small
/// enough that a reader holds one record plus this much.
const BUFFER: usize = 1 << 16;

/// A buffered, decompressed byte stream of one shard.
pub(crate) type Stream = Box<dyn BufRead + Send>;

/// Opens `path` and decompresses it when it starts with a gzip (any number of members)
/// or zstd (any number of frames) header. With `prefetch`, a compressed stream is
/// decompressed on a thread of its own ahead of the caller (prefetch.rs); a thread that
/// cannot be started falls back to decompressing in place.
pub(crate) fn open_stream(path: &Path, prefetch: bool) -> io::Result<Stream> {
    let mut file = BufReader::with_capacity(BUFFER, File::open(path)?);
    let head = file.fill_buf()?;
    let decoder: Box<dyn Read + Send> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(file))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::with_buffer(file)?)
    } else {
        return Ok(Box::new(file));
    };
    if prefetch {
        match Prefetch::spawn(decoder) {
            Ok(ahead) => return Ok(Box::new(ahead)),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "no decompression thread; decompressing in place");
                return open_stream(path, false);
            }
        }
    }
    Ok(Box::new(BufReader::with_capacity(BUFFER, decoder)))
}

/// Reads the first bytes of the decompressed stream, for format sniffing.
pub(crate) fn sniff(path: &Path, len: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(len);
    open_stream(path, false)?
        .take(len as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// A read error as a skip reason: a compressed stream that stops mid-member is a file
/// cut short (an interrupted download), not an unreadable disk.
pub(crate) fn read_error(e: &io::Error) -> (SkipReason, String) {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => (
            SkipReason::Truncated,
            format!("the compressed stream ends early: {e}"),
        ),
        _ => (SkipReason::Io, e.to_string()),
    }
}

/// One line from [`read_line`].
#[derive(Debug)]
pub(crate) struct Line {
    /// The line's bytes, with its newline when it had one; at most `limit` bytes.
    pub bytes: Vec<u8>,
    /// The line was longer than the limit; its rest has been read and dropped.
    pub too_long: bool,
}

/// Reads the next line, keeping at most `limit` bytes of it; the rest of an over-long
/// line is consumed chunk by chunk and dropped, so memory stays bounded by the limit.
/// `Ok(None)` at the end of the stream.
pub(crate) fn read_line(reader: &mut dyn BufRead, limit: u64) -> io::Result<Option<Line>> {
    let mut bytes = Vec::new();
    let cap = limit.saturating_add(1);
    let n = (&mut *reader).take(cap).read_until(b'\n', &mut bytes)?;
    if n == 0 {
        return Ok(None);
    }
    let too_long = bytes.last() != Some(&b'\n') && bytes.len() as u64 >= cap;
    if too_long {
        bytes.clear();
        skip_past_newline(reader)?;
    }
    Ok(Some(Line { bytes, too_long }))
}

/// Drops bytes up to and including the next newline (or to the end).
fn skip_past_newline(reader: &mut dyn BufRead) -> io::Result<()> {
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(pos) => {
                reader.consume(pos + 1);
                return Ok(());
            }
            None => {
                let len = chunk.len();
                reader.consume(len);
            }
        }
    }
}

/// The non-blank lines of one line-per-record shard (JSONL, TSV), numbered from 1, with
/// the skips every such format shares: unreadable, over-long and non-UTF-8 lines.
pub(crate) struct ShardLines {
    reader: Stream,
    /// Shard name: sources must not leak the user's absolute path.
    pub name: String,
    /// Number of the line read last.
    pub line_no: u64,
    max_line_bytes: u64,
    done: bool,
}

impl fmt::Debug for ShardLines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShardLines")
            .field("name", &self.name)
            .field("line_no", &self.line_no)
            .finish()
    }
}

impl ShardLines {
    /// Opens a shard; one that cannot be opened is a skip named after it.
    pub fn open(shard: &Shard, options: &ReaderOptions) -> Result<ShardLines, Skip> {
        match open_stream(&shard.path, options.prefetch) {
            Ok(reader) => Ok(ShardLines {
                reader,
                name: shard.name.clone(),
                line_no: 0,
                max_line_bytes: options.max_page_bytes,
                done: false,
            }),
            Err(e) => Err(Skip::new(
                &shard.name,
                SkipReason::Io,
                format!("cannot open: {e}"),
            )),
        }
    }

    /// A skip of the line read last, named `shard:line`.
    pub fn skip(&self, reason: SkipReason, detail: impl Into<String>) -> Skip {
        Skip::new(format!("{}:{}", self.name, self.line_no), reason, detail)
    }

    /// Ends the shard: [`ShardLines::next_line`] yields nothing more.
    pub fn stop(&mut self) {
        self.done = true;
    }

    /// The next non-blank line without its leading byte-order mark (its newline is
    /// kept), or the skip of a line that cannot be used; `None` at the end.
    pub fn next_line(&mut self) -> Option<Result<String, Skip>> {
        while !self.done {
            let line = match read_line(&mut self.reader, self.max_line_bytes) {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    // A read (or decompression) error mid-file cannot be resumed reliably.
                    self.done = true;
                    self.line_no += 1;
                    let (reason, detail) = read_error(&e);
                    return Some(Err(self.skip(reason, detail)));
                }
            };
            self.line_no += 1;
            if line.too_long {
                let detail = format!(
                    "line is longer than the limit of {} bytes",
                    self.max_line_bytes
                );
                return Some(Err(self.skip(SkipReason::TooLarge, detail)));
            }
            let Ok(mut text) = String::from_utf8(line.bytes) else {
                return Some(Err(
                    self.skip(SkipReason::InvalidUtf8, "line is not valid UTF-8")
                ));
            };
            let bom = text.len() - text.trim_start_matches('\u{feff}').len();
            // Blank lines (e.g. a trailing newline) are not records.
            if text[bom..].trim().is_empty() {
                continue;
            }
            text.drain(..bom);
            return Some(Ok(text));
        }
        None
    }
}

/// Drops exactly `len` bytes without keeping them; returns how many there were (fewer
/// than `len` when the stream ended first).
pub(crate) fn discard(reader: &mut dyn BufRead, len: u64) -> io::Result<u64> {
    io::copy(&mut reader.take(len), &mut io::sink())
}

/// A buffered reader that counts the bytes consumed through it.
pub(crate) struct Counting {
    inner: Stream,
    /// Bytes consumed so far.
    pub pos: u64,
}

impl Counting {
    pub fn new(inner: Stream) -> Counting {
        Counting { inner, pos: 0 }
    }
}

impl fmt::Debug for Counting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counting").field("pos", &self.pos).finish()
    }
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl BufRead for Counting {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn lines_are_bounded_and_over_long_ones_dropped() -> io::Result<()> {
        let mut r = Cursor::new(b"short\nxxxxxxxxxxxxxxxxxxxx\nlast".to_vec());
        let line = read_line(&mut r, 8)?;
        assert_eq!(
            line.map(|l| (l.bytes, l.too_long)),
            Some((b"short\n".to_vec(), false))
        );
        let line = read_line(&mut r, 8)?;
        assert_eq!(
            line.map(|l| (l.bytes, l.too_long)),
            Some((Vec::new(), true))
        );
        let line = read_line(&mut r, 8)?;
        assert_eq!(
            line.map(|l| (l.bytes, l.too_long)),
            Some((b"last".to_vec(), false))
        );
        assert!(read_line(&mut r, 8)?.is_none());
        Ok(())
    }

    #[test]
    fn counting_counts_reads_and_consumes() -> io::Result<()> {
        let mut c = Counting::new(Box::new(Cursor::new(b"abc\ndefgh".to_vec())));
        let line = read_line(&mut c, 100)?;
        assert_eq!(line.map(|l| l.bytes.len()), Some(4));
        assert_eq!(c.pos, 4);
        assert_eq!(discard(&mut c, 3)?, 3);
        assert_eq!(c.pos, 7);
        assert_eq!(discard(&mut c, 10)?, 2);
        assert_eq!(c.pos, 9);
        Ok(())
    }
}
