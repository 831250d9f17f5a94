//! Writing a pack: the manifest, then every file it lists, each checked against it.
use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use driftless_api::Manifest;
use tar::{EntryType, Header};

use crate::digest::{HashingReader, HashingWriter, sidecar_path};
use crate::{MANIFEST, PackError, PackSummary, ZSTD_LEVEL, io_error};

/// Whether a manifest path is one a pack may hold: relative, `/`-separated, no `.`/`..`
/// component, no NUL. Checked on both sides, so a manifest can never name a file outside
/// the directory it is unpacked into.
pub(crate) fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && path != MANIFEST
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The manifest's file list, checked: safe paths, sorted, no duplicates.
pub(crate) fn checked_files(manifest: &Manifest) -> Result<(), String> {
    for (i, file) in manifest.files.iter().enumerate() {
        if !safe_relative(&file.path) {
            return Err(format!("the manifest lists an unsafe path {:?}", file.path));
        }
        if i > 0 && manifest.files[i - 1].path >= file.path {
            return Err(format!(
                "the manifest's files are not sorted and unique at {:?}",
                file.path
            ));
        }
    }
    if manifest.snapshot_id.is_empty()
        || !manifest.snapshot_id.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(format!("snapshot id {:?} is not hex", manifest.snapshot_id));
    }
    Ok(())
}

/// A header with the fixed metadata every entry gets.
pub(crate) fn header(path: &str, size: u64) -> Result<Header, std::io::Error> {
    let mut header = Header::new_ustar();
    header.set_path(path)?;
    header.set_size(size);
    header.set_entry_type(EntryType::Regular);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_cksum();
    Ok(header)
}

/// Packs the snapshot in `dir` into `out` (written as `out.partial`, renamed when whole),
/// checking each file's size and sha256 against the manifest on the way, and writes the
/// sidecar `out.sha256`. `progress` hears the bytes of each file as it is added.
pub fn pack(
    dir: &Path,
    out: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<PackSummary, PackError> {
    let snapshot_error = |message: String| PackError::Snapshot {
        dir: dir.to_path_buf(),
        message,
    };
    let manifest_path = dir.join(MANIFEST);
    let manifest_bytes = std::fs::read(&manifest_path).map_err(io_error(&manifest_path))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| snapshot_error(format!("manifest.json does not parse ({e})")))?;
    checked_files(&manifest).map_err(snapshot_error)?;
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let result = write_entries(dir, &manifest, &manifest_bytes, &partial, progress);
    let (sha256, pack_bytes) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, out).map_err(io_error(out))?;
    let name = out
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let sidecar = sidecar_path(out);
    std::fs::write(&sidecar, format!("{sha256}  {name}\n")).map_err(io_error(&sidecar))?;
    let files = manifest.files.len() + 1;
    let snapshot_bytes =
        manifest.files.iter().map(|f| f.bytes).sum::<u64>() + manifest_bytes.len() as u64;
    Ok(PackSummary {
        path: out.to_path_buf(),
        snapshot_id: manifest.snapshot_id,
        sha256,
        pack_bytes,
        files,
        snapshot_bytes,
    })
}

fn write_entries(
    dir: &Path,
    manifest: &Manifest,
    manifest_bytes: &[u8],
    partial: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<(String, u64), PackError> {
    let file = File::create(partial).map_err(io_error(partial))?;
    let hashing = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
    let mut encoder = zstd::Encoder::new(hashing, ZSTD_LEVEL).map_err(io_error(partial))?;
    encoder.include_checksum(true).map_err(io_error(partial))?;
    let mut builder = tar::Builder::new(encoder);
    let id = &manifest.snapshot_id;
    let entry = |path: &str, size: u64| {
        header(&format!("{id}/{path}"), size).map_err(|e| PackError::Snapshot {
            dir: dir.to_path_buf(),
            message: format!("{path} cannot be named in a pack ({e})"),
        })
    };
    builder
        .append(
            &entry(MANIFEST, manifest_bytes.len() as u64)?,
            manifest_bytes,
        )
        .map_err(io_error(partial))?;
    for expected in &manifest.files {
        let path = dir.join(&expected.path);
        let source = File::open(&path).map_err(io_error(&path))?;
        let length = source.metadata().map_err(io_error(&path))?.len();
        if length != expected.bytes {
            return Err(PackError::Snapshot {
                dir: dir.to_path_buf(),
                message: format!(
                    "{} has {length} bytes, the manifest says {}",
                    expected.path, expected.bytes
                ),
            });
        }
        // `take` so a file that grows while it is read cannot push the next entry out of place.
        let mut hashing = HashingReader::new(source.take(expected.bytes));
        builder
            .append(&entry(&expected.path, expected.bytes)?, &mut hashing)
            .map_err(io_error(&path))?;
        let (sha256, _) = hashing.finish().map_err(io_error(&path))?;
        if sha256 != expected.sha256 {
            return Err(PackError::Snapshot {
                dir: dir.to_path_buf(),
                message: format!(
                    "{} does not match its sha256 in the manifest",
                    expected.path
                ),
            });
        }
        progress(expected.bytes);
    }
    let encoder = builder.into_inner().map_err(io_error(partial))?;
    let hashing = encoder.finish().map_err(io_error(partial))?;
    let (buffered, sha256, bytes) = hashing.finish().map_err(io_error(partial))?;
    let file = buffered
        .into_inner()
        .map_err(|e| io_error(partial)(e.into_error()))?;
    file.sync_all().map_err(io_error(partial))?;
    Ok((sha256, bytes))
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn only_plain_relative_paths_may_be_packed_or_unpacked() {
        for good in ["docs/meta.json", "dense/model/tokenizer.json", "a"] {
            assert!(safe_relative(good), "{good}");
        }
        for bad in [
            "",
            "manifest.json",
            "/etc/passwd",
            "../x",
            "docs/../../x",
            "docs//x",
            "./x",
            "docs\\x",
            "x\0y",
            "docs/",
        ] {
            assert!(!safe_relative(bad), "{bad:?}");
        }
    }
}
