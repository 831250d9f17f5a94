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
pub fn export_jsonl<W: Write>(records: &[LogRecord], salt: &str, mut writer: W) -> Result<u64> {
    for record in records {
        let mut out = record.clone();
        out.client = anonymize_client(salt, &record.client);
        serde_json::to_writer(&mut writer, &out).map_err(std::io::Error::from)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(records.len() as u64)
}
