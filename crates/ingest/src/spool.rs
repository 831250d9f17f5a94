//! A spool of passage texts on disk (zstd, length-prefixed), written while the passage
//! index is written and read back in batches by the embedder, so a dense build holds one
//! batch of texts in memory rather than the corpus.
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::{IngestError, io_error};

/// Writes passage texts in passage order.
pub(crate) struct SpoolWriter {
    path: PathBuf,
    encoder: zstd::Encoder<'static, BufWriter<File>>,
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
        let file = File::create(path).map_err(io_error(path))?;
        let encoder = zstd::Encoder::new(BufWriter::with_capacity(1 << 20, file), 1)
            .map_err(io_error(path))?;
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
        let len = (title.len() + 1 + passage.len()) as u32;
        let write = |e: &mut zstd::Encoder<'static, BufWriter<File>>| -> std::io::Result<()> {
            e.write_all(&len.to_le_bytes())?;
            e.write_all(title.as_bytes())?;
            e.write_all(b"\n")?;
            e.write_all(passage.as_bytes())
        };
        write(&mut self.encoder).map_err(io_error(&self.path))?;
        self.count += 1;
        Ok(())
    }

    /// Closes the spool.
    pub fn finish(mut self) -> Result<Spool, IngestError> {
        let mut inner = self.encoder.finish().map_err(io_error(&self.path))?;
        inner.flush().map_err(io_error(&self.path))?;
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
pub(crate) struct SpoolReader {
    path: PathBuf,
    decoder: zstd::Decoder<'static, BufReader<File>>,
}

impl std::fmt::Debug for SpoolReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpoolReader")
            .field("path", &self.path)
            .finish()
    }
}

impl SpoolReader {
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let file = File::open(path).map_err(io_error(path))?;
        let decoder = zstd::Decoder::new(file).map_err(io_error(path))?;
        Ok(SpoolReader {
            path: path.to_path_buf(),
            decoder,
        })
    }

    /// Up to `n` next texts; empty at the end.
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<String>, IngestError> {
        let mut batch = Vec::with_capacity(n);
        while batch.len() < n {
            let mut len = [0u8; 4];
            match self.decoder.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(io_error(&self.path)(e)),
            }
            let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
            self.decoder
                .read_exact(&mut bytes)
                .map_err(io_error(&self.path))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| io_error(&self.path)(std::io::ErrorKind::InvalidData.into()))?;
            batch.push(text);
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
