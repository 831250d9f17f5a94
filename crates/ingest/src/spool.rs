//! A spool of passage texts on disk (zstd, length-prefixed), written while the passage
//! index is written and read back in batches by the embedder, so a dense build holds one
//! batch of texts in memory rather than the corpus.
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::zstd_file::{self, ZstdReader, ZstdWriter};
use crate::{IngestError, io_error};

/// Writes passage texts in passage order.
pub(crate) struct SpoolWriter {
    path: PathBuf,
    encoder: ZstdWriter,
    /// Passage ids (`doc_id#ordinal`), one per line: what vectors are matched by.
    ids_path: PathBuf,
    ids: BufWriter<File>,
    count: u64,
}

impl std::fmt::Debug for SpoolWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpoolWriter")
            .field("path", &self.path)
            .finish()
    }
}

impl SpoolWriter {
    pub fn create(path: &Path) -> Result<Self, IngestError> {
        let encoder = zstd_file::create(path, 1)?;
        let ids_path = path.with_extension("ids.txt");
        let ids = BufWriter::new(File::create(&ids_path).map_err(io_error(&ids_path))?);
        Ok(SpoolWriter {
            path: path.to_path_buf(),
            encoder,
            ids_path,
            ids,
            count: 0,
        })
    }

    /// Appends the next passage: its id, and its text (the page title, a newline, the
    /// passage). Ids with a line break cannot be matched and are written with it escaped.
    pub fn push(&mut self, id: &str, title: &str, passage: &str) -> Result<(), IngestError> {
        writeln!(self.ids, "{}", escape_id(id)).map_err(io_error(&self.ids_path))?;
        zstd_file::write_text(&mut self.encoder, &[title, "\n", passage])
            .map_err(io_error(&self.path))?;
        self.count += 1;
        Ok(())
    }

    /// Closes the spool.
    pub fn finish(mut self) -> Result<Spool, IngestError> {
        zstd_file::finish(self.encoder, &self.path)?;
        self.ids.flush().map_err(io_error(&self.ids_path))?;
        Ok(Spool {
            texts: self.path,
            ids: self.ids_path,
            count: self.count,
        })
    }
}

/// A finished spool.
#[derive(Debug, Clone)]
pub(crate) struct Spool {
    /// Passage texts (zstd, length-prefixed).
    pub texts: PathBuf,
    /// Passage ids, one per line.
    pub ids: PathBuf,
    /// Passages in it.
    pub count: u64,
}

/// Reads the spool back in batches.
#[derive(Debug)]
pub(crate) struct SpoolReader {
    reader: ZstdReader,
}

impl SpoolReader {
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        Ok(SpoolReader {
            reader: ZstdReader::open(path)?,
        })
    }

    /// Up to `n` next texts; empty at the end.
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<String>, IngestError> {
        let mut batch = Vec::with_capacity(n);
        while batch.len() < n {
            match self.reader.next_text() {
                Ok(Some(text)) => batch.push(text),
                Ok(None) => break,
                Err(e) => return Err(io_error(&self.reader.path)(e)),
            }
        }
        Ok(batch)
    }
}

/// A passage id as one line of an ids file: backslash, newline and carriage return escaped.
/// The build's spool and `driftless embed` both write ids with it, so their files match.
pub(crate) fn escape_id(id: &str) -> String {
    id.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_in_order_and_in_batches() -> Result<(), IngestError> {
        let dir = tempfile::tempdir().map_err(io_error(Path::new("tmp")))?;
        let mut spool = SpoolWriter::create(&dir.path().join("p.zst"))?;
        for i in 0..5 {
            spool.push(&format!("d\n{i}#0"), &format!("T{i}"), "passage é")?;
        }
        let spool = spool.finish()?;
        assert_eq!(spool.count, 5);
        let ids = std::fs::read_to_string(&spool.ids).map_err(io_error(&spool.ids))?;
        assert_eq!(ids.lines().next(), Some("d\\n0#0"));
        assert_eq!(ids.lines().count(), 5);
        let mut reader = SpoolReader::open(&spool.texts)?;
        assert_eq!(
            reader.next_batch(3)?,
            ["T0\npassage é", "T1\npassage é", "T2\npassage é"]
        );
        assert_eq!(reader.next_batch(3)?.len(), 2);
        assert!(reader.next_batch(3)?.is_empty());
        Ok(())
    }
}
