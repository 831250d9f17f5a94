//! Why a keys file, `DRIFTLESS_API_KEYS` or a quota is refused.
//!
//! The messages are what `driftless serve` prints at start and logs on `SIGHUP`. Each one
//! already names its cause (the io or JSON error), so no variant also hands that cause out as
//! `source()`: a printer of error chains (anyhow's `{:#}`, `Caused by:`) would repeat it.
use std::path::PathBuf;

use super::bucket::{MAX_QUOTA, MIN_RATE_PER_SEC};
use super::config::API_KEYS_ENV;

/// A quota that would never admit a request or would overflow the bucket arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "quota rate_per_sec {rate_per_sec} / burst {burst}: rate_per_sec must be between {min} \
     and {max}, burst between 1 and {max}",
    min = MIN_RATE_PER_SEC,
    max = MAX_QUOTA
)]
pub struct InvalidQuota {
    /// The refused rate.
    pub rate_per_sec: f64,
    /// The refused burst.
    pub burst: f64,
}

/// An access policy that cannot be loaded; the one that is in force (if any) stays.
#[derive(Debug, thiserror::Error)]
pub enum AccessConfigError {
    /// The keys file cannot be read.
    #[error("cannot read keys file {}: {error}", path.display())]
    Read {
        /// The keys file.
        path: PathBuf,
        /// Why it cannot be read.
        error: std::io::Error,
    },
    /// The keys file is not JSON of the keys file's shape.
    #[error("keys file {} is not valid: {error}", path.display())]
    Invalid {
        /// The keys file.
        path: PathBuf,
        /// Where and why it does not parse.
        error: serde_json::Error,
    },
    /// An item of `DRIFTLESS_API_KEYS` without `=`.
    #[error(
        "{env}: `{0}` is not `id=sha256hex` (hash keys with `driftless keys hash`)",
        env = API_KEYS_ENV
    )]
    EnvEntry(String),
    /// The anonymous quota is refused.
    #[error("anonymous: {0}")]
    AnonymousQuota(InvalidQuota),
    /// A key id that is empty, too long or has other characters.
    #[error("key id `{0}` must be 1-64 characters of letters, digits, `-`, `_` or `.`")]
    KeyId(String),
    /// A key whose `sha256` is not a digest.
    #[error("key `{0}`: sha256 must be 64 hex digits (the digest, never the key itself)")]
    KeyDigest(String),
    /// A key's quota is refused.
    #[error("key `{id}`: {quota}")]
    KeyQuota {
        /// The key's id.
        id: String,
        /// Its quota.
        quota: InvalidQuota,
    },
    /// Two keys with one id.
    #[error("key id `{0}` appears twice")]
    DuplicateId(String),
    /// Two keys with one digest (the later one is named).
    #[error("key `{0}` has the same digest as another key")]
    DuplicateDigest(String),
    /// A reload of a server started without `--keys`.
    #[error("no keys file to reload (start with --keys FILE)")]
    NoKeysFile,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// These strings were the `Err(String)`s before this type: scripts may match them.
    #[test]
    fn messages_are_the_ones_users_saw() {
        let quota = InvalidQuota {
            rate_per_sec: 0.0,
            burst: 2.5,
        };
        let cases = [
            (
                AccessConfigError::KeyQuota {
                    id: "ci".into(),
                    quota,
                },
                "key `ci`: quota rate_per_sec 0 / burst 2.5: rate_per_sec must be between \
                 0.000001 and 1000000000, burst between 1 and 1000000000",
            ),
            (
                AccessConfigError::EnvEntry("x".into()),
                "DRIFTLESS_API_KEYS: `x` is not `id=sha256hex` (hash keys with `driftless keys hash`)",
            ),
            (
                AccessConfigError::Read {
                    path: "/k.json".into(),
                    error: std::io::Error::other("gone"),
                },
                "cannot read keys file /k.json: gone",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }
}
