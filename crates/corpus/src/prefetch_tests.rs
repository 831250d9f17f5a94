use std::io::{self, BufRead, Read};

use super::{CHUNK, Prefetch};
use crate::corpus::open_corpus;
use crate::document::ReadItem;
use crate::options::{Format, ReaderOptions};
use crate::stream::open_stream;
use crate::test_files::gzip;

/// Text of `lines` JSONL records, several chunks long for a few thousand lines.
fn jsonl(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        let text = format!("passage {i} ").repeat(1 + i % 40);
        out.extend_from_slice(format!("{{\"id\":\"d{i:06}\",\"text\":\"{text}\"}}\n").as_bytes());
    }
    out
}

/// A reader that yields `data` in uneven pieces, then fails with `kind`.
struct Failing {
    data: io::Cursor<Vec<u8>>,
    kind: io::ErrorKind,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let piece = buf.len().min(7919);
        let n = self.data.read(&mut buf[..piece])?;
        if n == 0 {
            return Err(io::Error::new(self.kind, "cut here"));
        }
        Ok(n)
    }
}

/// Every byte up to the first error, and that error's kind.
fn drain(reader: &mut dyn BufRead) -> (Vec<u8>, Option<io::ErrorKind>) {
    let mut got = Vec::new();
    loop {
        match reader.fill_buf() {
            Ok([]) => return (got, None),
            Ok(chunk) => {
                let n = chunk.len();
                got.extend_from_slice(chunk);
                reader.consume(n);
            }
            Err(e) => return (got, Some(e.kind())),
        }
    }
}

#[test]
fn a_prefetched_stream_is_the_stream_itself() -> io::Result<()> {
    let data = jsonl(40_000);
    assert!(
        data.len() > 3 * CHUNK,
        "the stream should span several chunks"
    );
    let mut ahead = Prefetch::spawn(io::Cursor::new(data.clone()))?;
    let (got, error) = drain(&mut ahead);
    assert_eq!(error, None);
    assert_eq!(got, data);
    // After the end, the end again (not an error, not a hang).
    assert!(ahead.fill_buf()?.is_empty());

    // Read through small `read` calls as well as through `fill_buf`.
    let mut ahead = Prefetch::spawn(io::Cursor::new(data.clone()))?;
    let mut small = Vec::new();
    let mut buf = [0u8; 4093];
    loop {
        let n = ahead.read(&mut buf)?;
        if n == 0 {
            break;
        }
        small.extend_from_slice(&buf[..n]);
    }
    assert_eq!(small, data);
    Ok(())
}

#[test]
fn an_error_comes_after_every_byte_read_before_it_with_its_kind() -> io::Result<()> {
    let data = jsonl(20_000);
    for kind in [io::ErrorKind::UnexpectedEof, io::ErrorKind::InvalidData] {
        let mut ahead = Prefetch::spawn(Failing {
            data: io::Cursor::new(data.clone()),
            kind,
        })?;
        let (got, error) = drain(&mut ahead);
        assert_eq!(error, Some(kind));
        assert_eq!(got, data, "bytes read before the error are not lost");
        // The error is reported once; then the stream ends.
        assert!(ahead.fill_buf()?.is_empty());
    }
    Ok(())
}

#[test]
fn dropping_a_reader_mid_stream_stops_its_thread() -> io::Result<()> {
    // An endless source: the producer is blocked on a full channel when the reader goes.
    let mut ahead = Prefetch::spawn(io::repeat(b'x'))?;
    assert_eq!(ahead.fill_buf()?.len(), CHUNK);
    drop(ahead); // joins the producer; a hang here fails the test run
    Ok(())
}

#[test]
fn a_compressed_file_reads_the_same_with_and_without_prefetch() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = jsonl(30_000);
    let whole = gzip(&data)?;
    let gz = dir.path().join("whole.jsonl.gz");
    std::fs::write(&gz, &whole)?;
    // Cut short mid-member: an interrupted download.
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3])?;
    let zst = dir.path().join("whole.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(&data[..], 3)?)?;
    for path in [&gz, &cut, &zst] {
        let (plain, plain_error) = drain(&mut open_stream(path, false)?);
        let (ahead, ahead_error) = drain(&mut open_stream(path, true)?);
        assert_eq!(ahead, plain, "{}", path.display());
        assert_eq!(ahead_error, plain_error, "{}", path.display());
    }

    // And as a corpus: the same records and the same skip (file and line) either way.
    let read = |prefetch: bool| -> Vec<String> {
        let options = ReaderOptions {
            prefetch,
            ..ReaderOptions::default()
        };
        let corpus = open_corpus(&cut, Format::Jsonl, &options).expect("opens");
        corpus
            .map(|item| match item {
                ReadItem::Document(doc) => doc.doc_id,
                ReadItem::Skipped(skip) => format!("skip {} {}", skip.source, skip.reason.as_str()),
            })
            .collect()
    };
    let plain = read(false);
    assert!(plain.len() > 1000 && plain.iter().any(|item| item.starts_with("skip")));
    assert_eq!(read(true), plain);
    Ok(())
}
