//! Snapshot packs: a snapshot directory as one file that another lab can verify and serve.
//!
//! A pack is a zstd-compressed ustar archive whose layout is fixed by the snapshot alone:
//!
//! - the first entry is `<snapshot_id>/manifest.json`, then every file the manifest lists, in
//!   the manifest's (sorted) order, under `<snapshot_id>/` — nothing else, no directories;
//! - every header has mode 0644, owner 0:0, no owner names and mtime 0;
//! - zstd level [`ZSTD_LEVEL`], one thread, with zstd's frame checksum.
//!
//! Same snapshot bytes ⇒ same pack bytes ⇒ same pack sha256 (the *pack digest*), on any
//! machine. [`pack`] checks every file against the manifest while it writes, [`verify`] and
//! [`unpack`] check every entry against the manifest inside the pack while they read, so a
//! pack that is truncated, reordered, padded or altered is refused with the entry that is
//! wrong. `<pack>.sha256` (sha256sum format) is written beside it; verify compares against
//! it when present.
#![warn(missing_docs)]

mod cache;
mod digest;
mod read;
mod write;

use std::path::PathBuf;

pub use cache::unpack_cached;
pub use read::{unpack, verify};
pub use write::pack;

/// zstd level of every pack: fixed, since the level changes the bytes.
pub const ZSTD_LEVEL: i32 = 3;
/// File name suffix `driftless snapshot pack` gives a pack.
pub const PACK_SUFFIX: &str = ".driftless.tar.zst";
/// Manifest file name inside a snapshot (and the first entry of a pack).
pub const MANIFEST: &str = "manifest.json";

/// What a pack holds and how it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackSummary {
    /// The pack file.
    pub path: PathBuf,
    /// Snapshot id from the manifest.
    pub snapshot_id: String,
    /// sha256 of the pack file, hex: the pack digest.
    pub sha256: String,
    /// Size of the pack file.
    pub pack_bytes: u64,
    /// Files in the snapshot, the manifest included.
    pub files: usize,
    /// Their total size, uncompressed.
    pub snapshot_bytes: u64,
}

/// Why a pack could not be written, read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The snapshot directory does not match its own manifest.
    #[error("snapshot {dir}: {message} (rebuild it, or copy it again from where it was built)")]
    Snapshot {
        /// The directory.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The pack is not a valid pack of the snapshot its manifest names.
    #[error("pack {path}: {message} (fetch it again; a pack is never repaired in place)")]
    Corrupt {
        /// The pack.
        path: PathBuf,
        /// What is wrong, naming the entry.
        message: String,
    },
    /// Unpacking would replace something that is not the same snapshot.
    #[error("{path}: {message}")]
    Target {
        /// The destination.
        path: PathBuf,
        /// What is in the way.
        message: String,
    },
}

pub(crate) fn io_error(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> PackError + '_ {
    move |source| PackError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `path` names a pack (a file) rather than a snapshot directory.
pub fn is_pack(path: &std::path::Path) -> bool {
    path.is_file()
}
