//! Sorted runs on disk: the external sort that lets a build put a corpus of any size into
//! doc_id order while holding only one run of documents in memory.
//!
//! A run is a zstd stream of records `(seq, doc_id, url, title, text)`, sorted by
//! `(doc_id, seq)`; `seq` is the position in which the reader yielded the document, so
//! among duplicate ids the first one read still wins, exactly as a stable in-memory sort
//! would decide.
use std::io::Write;
use std::path::{Path, PathBuf};

use driftless_corpus::Document;

use crate::zstd_file::{self, ZstdReader};
use crate::{IngestError, io_error};

/// `seq` value that ends a run.
const END_OF_RUN: u64 = u64::MAX;
/// zstd level of the runs: they live for one build, so speed beats ratio. Level -1
/// compresses the scale corpus' JSON at 360 MB/s against level 1's 237 MB/s (ratio 1.6
/// instead of 2.3, `zstd -b`): the run writer is one of the reading phase's four busy
/// threads on two cores, and a run's bytes on disk cost less than its CPU.
const RUN_ZSTD_LEVEL: i32 = -1;

/// One document as it travels through the sort. Reader metadata is not kept: nothing
/// downstream of the reader indexes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Order in which the corpus yielded the document.
    pub seq: u64,
    pub doc_id: String,
    pub url: String,
    pub title: String,
    pub text: String,
}

impl Record {
    pub fn new(seq: u64, doc: Document) -> Self {
        Record {
            seq,
            doc_id: doc.doc_id,
            url: doc.url,
            title: doc.title,
            text: doc.text,
        }
    }

    /// Bytes this record holds (what the run budget counts).
    pub fn bytes(&self) -> usize {
        self.doc_id.len() + self.url.len() + self.title.len() + self.text.len() + 64
    }
}

/// Where run number `index` is written under `dir`.
pub(crate) fn run_path(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("run-{index:06}.zst"))
}

/// Sorts `records` and writes them as run number `index` under `dir`.
pub(crate) fn write_run(
    dir: &Path,
    index: usize,
    mut records: Vec<Record>,
) -> Result<PathBuf, IngestError> {
    // `seq` is unique, so this order is total and the sort's stability does not matter.
    records.sort_unstable_by(|a, b| a.doc_id.cmp(&b.doc_id).then(a.seq.cmp(&b.seq)));
    let path = run_path(dir, index);
    let mut encoder = zstd_file::create(&path, RUN_ZSTD_LEVEL)?;
    for record in &records {
        encode(&mut encoder, record).map_err(io_error(&path))?;
    }
    // The end marker: a run cut short (disk full, killed build) is then an error, not a
    // shorter corpus.
    encoder
        .write_all(&END_OF_RUN.to_le_bytes())
        .map_err(io_error(&path))?;
    zstd_file::finish(encoder, &path)?;
    Ok(path)
}

fn encode(out: &mut impl Write, record: &Record) -> std::io::Result<()> {
    out.write_all(&record.seq.to_le_bytes())?;
    for part in [&record.doc_id, &record.url, &record.title, &record.text] {
        zstd_file::write_text(out, &[part])?;
    }
    Ok(())
}

/// Reads one run back, record by record.
#[derive(Debug)]
pub(crate) struct RunReader {
    reader: ZstdReader,
    ended: bool,
}

impl RunReader {
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        Ok(RunReader {
            reader: ZstdReader::open(path)?,
            ended: false,
        })
    }

    /// The next record, `None` at the end of the run.
    pub fn next_record(&mut self) -> Result<Option<Record>, IngestError> {
        if self.ended {
            return Ok(None);
        }
        let reader = &mut self.reader;
        let mut seq = [0u8; 8];
        reader
            .read_exact(&mut seq)
            .map_err(io_error(&reader.path))?;
        if u64::from_le_bytes(seq) == END_OF_RUN {
            self.ended = true;
            return Ok(None);
        }
        let mut part = || reader.read_text();
        let fields = (|| Ok::<_, std::io::Error>((part()?, part()?, part()?, part()?)))();
        let (doc_id, url, title, text) = fields.map_err(io_error(&self.reader.path))?;
        Ok(Some(Record {
            seq: u64::from_le_bytes(seq),
            doc_id,
            url,
            title,
            text,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64, id: &str) -> Record {
        Record {
            seq,
            doc_id: id.into(),
            url: format!("https://x/{id}"),
            title: "T".into(),
            text: "é text ".repeat(seq as usize + 1),
        }
    }

    #[test]
    fn a_run_comes_back_sorted_by_id_then_reading_order() -> Result<(), IngestError> {
        let dir = tempfile::tempdir().map_err(io_error(Path::new("tmp")))?;
        let records = vec![
            record(0, "b"),
            record(1, "a"),
            record(2, "b"),
            record(3, ""),
        ];
        let path = write_run(dir.path(), 7, records.clone())?;
        let mut reader = RunReader::open(&path)?;
        let mut back = Vec::new();
        while let Some(r) = reader.next_record()? {
            back.push(r);
        }
        let order: Vec<(u64, &str)> = back.iter().map(|r| (r.seq, r.doc_id.as_str())).collect();
        assert_eq!(order, [(3, ""), (1, "a"), (0, "b"), (2, "b")]);
        assert_eq!(back[2], records[0]);
        Ok(())
    }

    #[test]
    fn a_cut_run_is_an_error_not_a_short_read() -> Result<(), IngestError> {
        let dir = tempfile::tempdir().map_err(io_error(Path::new("tmp")))?;
        let path = write_run(dir.path(), 0, vec![record(0, "a"), record(1, "b")])?;
        let bytes = std::fs::read(&path).map_err(io_error(&path))?;
        std::fs::write(&path, &bytes[..bytes.len() - 6]).map_err(io_error(&path))?;
        let mut reader = RunReader::open(&path)?;
        let mut result = Ok(None);
        for _ in 0..3 {
            result = reader.next_record();
            if !matches!(result, Ok(Some(_))) {
                break;
            }
        }
        assert!(result.is_err(), "{result:?}");
        Ok(())
    }
}
