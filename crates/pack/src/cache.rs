//! Serving from a pack: unpacked once into a cache directory named by the snapshot id, and
//! reused by every later start (the server still verifies every file when it opens it).
use std::path::{Path, PathBuf};

use crate::read::{read_manifest, unpack};
use crate::{MANIFEST, PackError, io_error};

/// Whether `dir` already holds the snapshot whose manifest is `manifest`.
fn holds(dir: &Path, manifest: &[u8]) -> bool {
    std::fs::read(dir.join(MANIFEST)).is_ok_and(|bytes| bytes == manifest)
}

/// The directory under `cache` holding the pack's snapshot, unpacked (and fully checked) on
/// first use. Returns the directory and whether it was unpacked now.
///
/// A directory left by an interrupted or altered unpack (its manifest differs) is replaced;
/// two processes unpacking the same pack at once both end up with the one directory.
pub fn unpack_cached(pack: &Path, cache: &Path) -> Result<(PathBuf, bool), PackError> {
    let (manifest, id) = read_manifest(pack)?;
    let dir = cache.join(&id);
    if holds(&dir, &manifest) {
        return Ok((dir, false));
    }
    std::fs::create_dir_all(cache).map_err(io_error(cache))?;
    if dir.exists() {
        tracing::warn!(dir = %dir.display(), "replacing an unpacked snapshot that does not match its pack");
        std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
    }
    match unpack(pack, &dir, None) {
        Ok(_) => Ok((dir, true)),
        // Another process finished the same unpack first: its directory is as good as ours.
        Err(PackError::Target { .. } | PackError::Io { .. }) if holds(&dir, &manifest) => {
            Ok((dir, false))
        }
        Err(e) => Err(e),
    }
}
