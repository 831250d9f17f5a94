//! Content-derived segment names, so that two builds of one corpus write the same files.
//!
//! tantivy names a segment after a random UUID (`<32 hex>.idx`, `.term`, …) and records it
//! in `meta.json` and `.managed.json`. Everything else a sealed build writes is a function of
//! the corpus and the config, so the random name is all that makes two builds' directories
//! differ — and a snapshot pack (`driftless snapshot pack`) is only reproducible if they do
//! not. After sealing, each segment is renamed to a UUID derived from its files' bytes
//! (RFC 9562 version 8, "custom"), and both JSON files are rewritten to match
//! (`.managed.json` sorted: tantivy writes it in hash-set order).
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::{IngestError, io_error};

pub(crate) const META_FILE: &str = "meta.json";
const MANAGED_FILE: &str = ".managed.json";

fn invalid(dir: &Path, message: impl std::fmt::Display) -> IngestError {
    IngestError::InvalidOption(format!(
        "cannot name the segments of {}: {message}",
        dir.display()
    ))
}

/// The segment's files, by extension (`idx`, `store`, …): the names that start with `uuid.`.
fn segment_files(dir: &Path, uuid: &str) -> Result<BTreeMap<String, String>, IngestError> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let name = entry.map_err(io_error(dir))?.file_name();
        let name = name.to_string_lossy();
        if let Some(extension) = name.strip_prefix(uuid).and_then(|r| r.strip_prefix('.')) {
            files.insert(extension.to_string(), name.to_string());
        }
    }
    Ok(files)
}

/// UUIDv8 from the sha256 of the segment's files, each as extension, length and bytes.
fn content_uuid(dir: &Path, files: &BTreeMap<String, String>) -> Result<String, IngestError> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    for (extension, name) in files {
        let path = dir.join(name);
        let mut file = std::fs::File::open(&path).map_err(io_error(&path))?;
        let length = file.metadata().map_err(io_error(&path))?.len();
        hasher.update(extension.as_bytes());
        hasher.update([0]);
        hasher.update(length.to_le_bytes());
        loop {
            let n = file.read(&mut buffer).map_err(io_error(&path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
    }
    let mut bytes: [u8; 16] = hasher.finalize()[..16].try_into().expect("16 of 32 bytes");
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    Ok(hex::encode(bytes))
}

fn hyphenated(simple: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &simple[..8],
        &simple[8..12],
        &simple[12..16],
        &simple[16..20],
        &simple[20..]
    )
}

/// Renames every segment of the index in `dir` after its content. Run on a sealed index
/// with no reader or writer open; a second run changes nothing.
pub(crate) fn name_segments_by_content(dir: &Path) -> Result<(), IngestError> {
    let meta_path = dir.join(META_FILE);
    let meta_text = std::fs::read_to_string(&meta_path).map_err(io_error(&meta_path))?;
    let mut meta: serde_json::Value = serde_json::from_str(&meta_text)
        .map_err(|e| invalid(dir, format!("meta.json does not parse ({e})")))?;
    let managed_path = dir.join(MANAGED_FILE);
    let managed_text = std::fs::read_to_string(&managed_path).map_err(io_error(&managed_path))?;
    let mut managed: Vec<String> = serde_json::from_str(&managed_text)
        .map_err(|e| invalid(dir, format!(".managed.json does not parse ({e})")))?;
    let segments = meta
        .get_mut("segments")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| invalid(dir, "meta.json lists no segments"))?;
    for segment in segments {
        let id = segment
            .get("segment_id")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| invalid(dir, "a segment has no segment_id"))?;
        let old = id.replace('-', "").to_ascii_lowercase();
        if old.len() != 32 || !old.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(dir, format!("segment id {id:?} is not a UUID")));
        }
        let files = segment_files(dir, &old)?;
        if files.is_empty() {
            return Err(invalid(dir, format!("segment {old} has no files")));
        }
        let new = content_uuid(dir, &files)?;
        if new == old {
            continue;
        }
        for (extension, name) in &files {
            let to = dir.join(format!("{new}.{extension}"));
            std::fs::rename(dir.join(name), &to).map_err(io_error(&to))?;
        }
        segment["segment_id"] = serde_json::Value::String(hyphenated(&new));
        for name in &mut managed {
            if let Some(rest) = name.strip_prefix(&old) {
                *name = format!("{new}{rest}");
            }
        }
    }
    // tantivy writes this list from a hash set, in a different order each run: sorted, it
    // is the same for the same files.
    managed.sort();
    // Written to a temporary name and renamed, so a crash leaves either the old or the new
    // meta.json, never half of one.
    let mut bytes = serde_json::to_vec_pretty(&meta)
        .map_err(|e| invalid(dir, format!("meta.json does not serialise ({e})")))?;
    bytes.push(b'\n');
    let managed = serde_json::to_vec(&managed)
        .map_err(|e| invalid(dir, format!(".managed.json does not serialise ({e})")))?;
    for (path, bytes) in [(&meta_path, bytes), (&managed_path, managed)] {
        let temporary = path.with_extension("json.renaming");
        std::fs::write(&temporary, bytes).map_err(io_error(&temporary))?;
        std::fs::rename(&temporary, path).map_err(io_error(path))?;
    }
    Ok(())
}
