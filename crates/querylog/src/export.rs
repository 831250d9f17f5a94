//! JSONL export with anonymised clients (the import side is `import.rs`, Parquet is
//! `export_parquet.rs`).
use std::io::Write;

use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::record::LogRecord;

/// The exported form of a client: the first 16 hex digits of `sha256(salt ‖ client)`.
/// Stable for one salt (sessions and per-client counts survive export), unlinkable to the
/// API key or address without the salt. Keep the salt secret and constant per dataset.
pub fn anonymize_client(salt: &str, client: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(client.as_bytes());
    let mut hex = hex::encode(hasher.finalize());
    hex.truncate(16);
    hex
}

/// Writes one JSON object per line, in the given order, with `client` anonymised (see
/// [`anonymize_client`]); every other field is exported as stored. Returns the line count.
pub fn export_jsonl<W: Write>(records: &[LogRecord], salt: &str, writer: W) -> Result<u64> {
    let mut export = JsonlExport::new(writer, salt);
    records.iter().try_for_each(|r| export.push(r))?;
    export.finish()
}

/// [`export_jsonl`] one record at a time, for logs larger than memory.
#[derive(Debug)]
pub struct JsonlExport<'s, W: Write> {
    writer: W,
    salt: &'s str,
    rows: u64,
}

impl<'s, W: Write> JsonlExport<'s, W> {
    /// An export to `writer` with clients hashed with `salt`.
    pub fn new(writer: W, salt: &'s str) -> Self {
        Self {
            writer,
            salt,
            rows: 0,
        }
    }

    /// Writes the next record's line.
    pub fn push(&mut self, record: &LogRecord) -> Result<()> {
        let mut out = record.clone();
        out.client = anonymize_client(self.salt, &record.client);
        serde_json::to_writer(&mut self.writer, &out).map_err(std::io::Error::from)?;
        self.writer.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes the writer; returns the number of lines written.
    pub fn finish(mut self) -> Result<u64> {
        self.writer.flush()?;
        Ok(self.rows)
    }
}
