//! sha256 of everything that passes through a reader or writer, so a pack's digest costs no
//! second read of the file.
use std::io::{Read, Write};

use sha2::{Digest, Sha256};

/// A reader that hashes and counts the bytes it hands out.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Reads what is left (tar's end blocks, zstd's trailer), then returns (sha256, bytes).
    pub(crate) fn finish(mut self) -> std::io::Result<(String, u64)> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok((hex::encode(self.hasher.finalize()), self.bytes))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A writer that hashes and counts the bytes it passes on.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, flushed, with (sha256, bytes) of everything written.
    pub(crate) fn finish(mut self) -> std::io::Result<(W, String, u64)> {
        self.inner.flush()?;
        Ok((self.inner, hex::encode(self.hasher.finalize()), self.bytes))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// sha256 of a whole stream, hex.
pub(crate) fn sha256_of(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    let mut hashing = HashingReader::new(&mut reader);
    std::io::copy(&mut hashing, &mut std::io::sink())?;
    Ok((hex::encode(hashing.hasher.finalize()), hashing.bytes))
}

/// The sidecar `<pack>.sha256` in sha256sum's format, so `sha256sum -c` checks it too.
pub(crate) fn sidecar_path(pack: &std::path::Path) -> std::path::PathBuf {
    let mut name = pack.as_os_str().to_os_string();
    name.push(".sha256");
    std::path::PathBuf::from(name)
}

/// The digest a sidecar records, if the sidecar exists and names a digest.
pub(crate) fn read_sidecar(pack: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(sidecar_path(pack)).ok()?;
    let digest = text.split_whitespace().next()?.to_ascii_lowercase();
    (digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit())).then_some(digest)
}
