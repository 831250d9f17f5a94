//! Reading a pack: every entry checked against the manifest inside it, in order, while it
//! streams; nothing is trusted until the last entry and the pack digest have been checked.
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use driftless_api::Manifest;

use crate::digest::{HashingReader, read_sidecar, sha256_of};
use crate::write::checked_files;
use crate::{MANIFEST, PackError, PackSummary, io_error};

/// The largest manifest a pack may carry (a 100M-passage snapshot's is a few KB).
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

type Decoder = zstd::Decoder<'static, BufReader<HashingReader<BufReader<File>>>>;

fn corrupt(pack: &Path, message: String) -> PackError {
    PackError::Corrupt {
        path: pack.to_path_buf(),
        message,
    }
}

fn open(pack: &Path) -> Result<tar::Archive<Decoder>, PackError> {
    let file = File::open(pack).map_err(io_error(pack))?;
    let hashing = HashingReader::new(BufReader::with_capacity(1 << 20, file));
    let decoder = zstd::Decoder::new(hashing)
        .map_err(|e| corrupt(pack, format!("not a zstd stream ({e})")))?;
    Ok(tar::Archive::new(decoder))
}

/// The entry's path, which must be `<snapshot id>/<relative>`; returns (id, relative).
fn entry_path(pack: &Path, entry: &tar::Entry<'_, Decoder>) -> Result<(String, String), PackError> {
    if entry.header().entry_type() != tar::EntryType::Regular {
        return Err(corrupt(pack, "an entry is not a regular file".into()));
    }
    let bytes = entry.path_bytes();
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| corrupt(pack, "an entry's name is not UTF-8".into()))?;
    let (id, relative) = text
        .split_once('/')
        .ok_or_else(|| corrupt(pack, format!("entry {text:?} is not under a snapshot id")))?;
    Ok((id.to_string(), relative.to_string()))
}

/// Walks the pack, checking it; with `into`, writes each file below that directory.
fn walk(pack: &Path, into: Option<&Path>) -> Result<PackSummary, PackError> {
    let mut archive = open(pack)?;
    let mut entries = archive
        .entries()
        .map_err(|e| corrupt(pack, format!("not a tar archive ({e})")))?;
    let read_error = |e: std::io::Error| corrupt(pack, format!("cannot be read ({e})"));
    let (manifest_bytes, manifest) = first_entry(pack, &mut entries)?;
    let id = manifest.snapshot_id.clone();
    if let Some(dir) = into {
        write_file(&dir.join(MANIFEST), &mut manifest_bytes.as_slice())?;
    }
    for expected in &manifest.files {
        let mut entry = entries
            .next()
            .ok_or_else(|| corrupt(pack, format!("it ends before {}", expected.path)))?
            .map_err(read_error)?;
        let (entry_id, relative) = entry_path(pack, &entry)?;
        if entry_id != id || relative != expected.path || entry.size() != expected.bytes {
            return Err(corrupt(
                pack,
                format!(
                    "found {entry_id}/{relative} ({} bytes) where the manifest has {} ({} bytes)",
                    entry.size(),
                    expected.path,
                    expected.bytes
                ),
            ));
        }
        let sha256 = match into {
            Some(dir) => {
                let mut hashing = HashingReader::new(&mut entry);
                write_file(&dir.join(&expected.path), &mut hashing)?;
                hashing.finish().map_err(read_error)?.0
            }
            None => sha256_of(&mut entry).map_err(read_error)?.0,
        };
        if sha256 != expected.sha256 {
            return Err(corrupt(
                pack,
                format!(
                    "{} does not match its sha256 in the manifest",
                    expected.path
                ),
            ));
        }
    }
    if let Some(extra) = entries.next() {
        let extra = extra.map_err(read_error)?;
        let (id, relative) = entry_path(pack, &extra)?;
        return Err(corrupt(
            pack,
            format!("{id}/{relative} is not in the manifest"),
        ));
    }
    // What follows tar's end marker must be padding; then the digest covers every byte.
    let mut decoder = archive.into_inner();
    let mut rest = Vec::new();
    decoder.read_to_end(&mut rest).map_err(read_error)?;
    if rest.iter().any(|&b| b != 0) {
        return Err(corrupt(pack, "data follows the archive's end".into()));
    }
    let (sha256, pack_bytes) = decoder.finish().into_inner().finish().map_err(read_error)?;
    Ok(PackSummary {
        path: pack.to_path_buf(),
        snapshot_id: manifest.snapshot_id.clone(),
        sha256,
        pack_bytes,
        files: manifest.files.len() + 1,
        snapshot_bytes: manifest.files.iter().map(|f| f.bytes).sum::<u64>()
            + manifest_bytes.len() as u64,
    })
}

fn write_file(path: &Path, content: &mut dyn Read) -> Result<(), PackError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let mut file = File::create(path).map_err(io_error(path))?;
    std::io::copy(content, &mut file).map_err(io_error(path))?;
    file.flush().map_err(io_error(path))
}

/// The digest the pack must have: the one asked for, else its sidecar's, else none.
fn check_digest(summary: &PackSummary, expected: Option<&str>) -> Result<(), PackError> {
    let sidecar = read_sidecar(&summary.path);
    let (want, from) = match (expected, sidecar) {
        (Some(want), _) => (want.to_ascii_lowercase(), "was asked for"),
        (None, Some(want)) => (want, "its .sha256 file says"),
        (None, None) => return Ok(()),
    };
    if want != summary.sha256 {
        return Err(corrupt(
            &summary.path,
            format!("its sha256 is {}, {want} {from}", summary.sha256),
        ));
    }
    Ok(())
}

/// Checks a pack end to end: layout, every file against the manifest, and the pack digest
/// against `expected` (or the `.sha256` sidecar when there is one).
pub fn verify(pack: &Path, expected: Option<&str>) -> Result<PackSummary, PackError> {
    let summary = walk(pack, None)?;
    check_digest(&summary, expected)?;
    Ok(summary)
}

/// Unpacks a pack into `dest` (absent or an empty directory), checking it as [`verify`]
/// does. Files go to a sibling directory first, renamed to `dest` only once every check
/// passed, so `dest` never holds half a snapshot.
pub fn unpack(pack: &Path, dest: &Path, expected: Option<&str>) -> Result<PackSummary, PackError> {
    if dest.exists() {
        let empty = std::fs::read_dir(dest)
            .map_err(io_error(dest))?
            .next()
            .is_none();
        if !empty {
            return Err(PackError::Target {
                path: dest.to_path_buf(),
                message: "is not empty (unpack into a new directory)".into(),
            });
        }
    }
    let staging = staging_dir(dest);
    let result = walk(pack, Some(&staging)).and_then(|summary| {
        check_digest(&summary, expected)?;
        if dest.exists() {
            std::fs::remove_dir(dest).map_err(io_error(dest))?;
        }
        std::fs::rename(&staging, dest).map_err(io_error(dest))?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// `<dest>.unpacking-<pid>`: beside `dest` (so the final rename stays on one file system)
/// and distinct per process (so two servers unpacking one pack do not collide).
pub(crate) fn staging_dir(dest: &Path) -> PathBuf {
    PathBuf::from(format!(
        "{}.unpacking-{}",
        dest.display(),
        std::process::id()
    ))
}

/// The manifest bytes and snapshot id of a pack, from its first entry only.
pub(crate) fn read_manifest(pack: &Path) -> Result<(Vec<u8>, String), PackError> {
    let mut archive = open(pack)?;
    let mut entries = archive
        .entries()
        .map_err(|e| corrupt(pack, format!("not a tar archive ({e})")))?;
    let (bytes, manifest) = first_entry(pack, &mut entries)?;
    Ok((bytes, manifest.snapshot_id))
}

/// The first entry, which must be `<id>/manifest.json` of a manifest whose id is `<id>` and
/// whose file list is safe (the id names a directory of the cache; the paths, files).
fn first_entry(
    pack: &Path,
    entries: &mut tar::Entries<'_, Decoder>,
) -> Result<(Vec<u8>, Manifest), PackError> {
    let read_error = |e: std::io::Error| corrupt(pack, format!("cannot be read ({e})"));
    let mut first = entries
        .next()
        .ok_or_else(|| corrupt(pack, "it is empty".into()))?
        .map_err(read_error)?;
    let (id, relative) = entry_path(pack, &first)?;
    if relative != MANIFEST || first.size() > MAX_MANIFEST_BYTES {
        return Err(corrupt(
            pack,
            format!("the first entry is {relative:?}, not {MANIFEST}"),
        ));
    }
    let mut bytes = Vec::new();
    first.read_to_end(&mut bytes).map_err(read_error)?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| corrupt(pack, format!("its manifest does not parse ({e})")))?;
    checked_files(&manifest).map_err(|m| corrupt(pack, m))?;
    if manifest.snapshot_id != id {
        return Err(corrupt(
            pack,
            format!(
                "entries are under {id:?}, the manifest is of {:?}",
                manifest.snapshot_id
            ),
        ));
    }
    Ok((bytes, manifest))
}
