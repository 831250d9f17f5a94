//! The zstd work files of a build (the sorted runs, the passage spool): streams of
//! length-prefixed UTF-8 texts, written once and read back in order, whose errors name
//! the file.
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::{IngestError, io_error};

/// A work file being written.
pub(crate) type ZstdWriter = zstd::Encoder<'static, BufWriter<File>>;

/// Creates `path` as a zstd stream at `level`, buffered for long sequential writes.
pub(crate) fn create(path: &Path, level: i32) -> Result<ZstdWriter, IngestError> {
    let file = File::create(path).map_err(io_error(path))?;
    zstd::Encoder::new(BufWriter::with_capacity(1 << 20, file), level).map_err(io_error(path))
}

/// Ends the stream and flushes it to `path`.
pub(crate) fn finish(writer: ZstdWriter, path: &Path) -> Result<(), IngestError> {
    let mut inner = writer.finish().map_err(io_error(path))?;
    inner.flush().map_err(io_error(path))
}

/// Writes one text, the concatenation of `parts`: its length (u32, little-endian), then
/// its bytes.
pub(crate) fn write_text(out: &mut impl Write, parts: &[&str]) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    // The reader caps records far below 4 GiB (collect skips larger texts first).
    let len = u32::try_from(len).map_err(|_| std::io::ErrorKind::InvalidData)?;
    out.write_all(&len.to_le_bytes())?;
    for part in parts {
        out.write_all(part.as_bytes())?;
    }
    Ok(())
}

/// A work file read back.
pub(crate) struct ZstdReader {
    /// The file, for error messages.
    pub path: PathBuf,
    decoder: zstd::Decoder<'static, BufReader<File>>,
}

impl std::fmt::Debug for ZstdReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZstdReader")
            .field("path", &self.path)
            .finish()
    }
}

impl ZstdReader {
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let file = File::open(path).map_err(io_error(path))?;
        let decoder = zstd::Decoder::new(file).map_err(io_error(path))?;
        Ok(ZstdReader {
            path: path.to_path_buf(),
            decoder,
        })
    }

    /// Fills `buf` from the stream.
    pub fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        self.decoder.read_exact(buf)
    }

    /// The next text, which must be there.
    pub fn read_text(&mut self) -> std::io::Result<String> {
        let len = self.read_len()?;
        self.read_body(len)
    }

    /// The next text; `None` when the stream ends where a text would start.
    pub fn next_text(&mut self) -> std::io::Result<Option<String>> {
        match self.read_len() {
            Ok(len) => self.read_body(len).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn read_len(&mut self) -> std::io::Result<u32> {
        let mut len = [0u8; 4];
        self.decoder.read_exact(&mut len)?;
        Ok(u32::from_le_bytes(len))
    }

    fn read_body(&mut self, len: u32) -> std::io::Result<String> {
        let mut bytes = vec![0u8; len as usize];
        self.decoder.read_exact(&mut bytes)?;
        String::from_utf8(bytes).map_err(|_| std::io::ErrorKind::InvalidData.into())
    }
}
