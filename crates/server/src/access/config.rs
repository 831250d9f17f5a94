//! API keys and quotas: the keys file, the `DRIFTLESS_API_KEYS` variable, and key hashing.
//!
//! Keys are stored only as sha256 hex digests, so a leaked keys file or environment does not
//! leak usable keys; the clear key is shown once, by `driftless keys add`.
//!
//! ```json
//! {"anonymous": {"allow": true, "quota": {"rate_per_sec": 20, "burst": 40}},
//!  "keys": [{"id": "trainer", "sha256": "<64 hex>", "quota": {"rate_per_sec": 500, "burst": 1000}}]}
//! ```
use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::bucket::Quota;
use super::error::AccessConfigError;

/// Environment variable with extra keys, `id=sha256hex` separated by commas.
pub const API_KEYS_ENV: &str = "DRIFTLESS_API_KEYS";

/// Access without a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnonymousAccess {
    /// Whether requests without a key are served at all.
    pub allow: bool,
    /// Quota per peer address; none means unlimited.
    #[serde(default)]
    pub quota: Option<Quota>,
}

/// One API key, by its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// Name shown in logs and metrics instead of the key.
    pub id: String,
    /// sha256 of the key, lowercase hex.
    pub sha256: String,
    /// Quota of this key; none means unlimited.
    #[serde(default)]
    pub quota: Option<Quota>,
}

/// The keys file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysFile {
    /// Requests without a key.
    pub anonymous: AnonymousAccess,
    /// Known keys.
    #[serde(default)]
    pub keys: Vec<KeyEntry>,
}

impl Default for KeysFile {
    /// No keys, anonymous access allowed without quota: the behaviour of a server started
    /// without `--keys`.
    fn default() -> Self {
        Self {
            anonymous: AnonymousAccess {
                allow: true,
                quota: None,
            },
            keys: Vec::new(),
        }
    }
}

/// sha256 of a key, lowercase hex.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The validated access policy, indexed by key digest.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    /// Requests without a key.
    pub anonymous: Option<AnonymousAccess>,
    /// Key digest → entry.
    pub keys: HashMap<String, KeyEntry>,
}

impl AccessPolicy {
    /// The policy of `file` plus the keys of `env` (`id=sha256hex,…`), validated.
    pub fn new(file: KeysFile, env: Option<&str>) -> Result<Self, AccessConfigError> {
        let mut entries = file.keys;
        for item in env.unwrap_or_default().split(',').map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let (id, digest) = item
                .split_once('=')
                .ok_or_else(|| AccessConfigError::EnvEntry(item.to_string()))?;
            entries.push(KeyEntry {
                id: id.trim().to_string(),
                sha256: digest.trim().to_string(),
                quota: None,
            });
        }
        if let Some(quota) = &file.anonymous.quota {
            quota
                .validate()
                .map_err(AccessConfigError::AnonymousQuota)?;
        }
        let mut keys = HashMap::new();
        for entry in entries {
            let valid_id = !entry.id.is_empty()
                && entry.id.len() <= 64
                && entry
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !valid_id {
                return Err(AccessConfigError::KeyId(entry.id));
            }
            let digest = entry.sha256.to_ascii_lowercase();
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(AccessConfigError::KeyDigest(entry.id));
            }
            if let Some(quota) = &entry.quota {
                quota
                    .validate()
                    .map_err(|quota| AccessConfigError::KeyQuota {
                        id: entry.id.clone(),
                        quota,
                    })?;
            }
            if keys.values().any(|k: &KeyEntry| k.id == entry.id) {
                return Err(AccessConfigError::DuplicateId(entry.id));
            }
            if keys.insert(digest, entry.clone()).is_some() {
                return Err(AccessConfigError::DuplicateDigest(entry.id));
            }
        }
        Ok(Self {
            anonymous: file.anonymous.allow.then_some(file.anonymous),
            keys,
        })
    }

    /// Reads and validates a keys file (and the environment's keys).
    pub fn load(path: &Path, env: Option<&str>) -> Result<Self, AccessConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| AccessConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        let file: KeysFile =
            serde_json::from_str(&text).map_err(|error| AccessConfigError::Invalid {
                path: path.to_owned(),
                error,
            })?;
        Self::new(file, env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_keys_join_file_keys_and_bad_entries_are_named() {
        let digest = hash_key("secret-1");
        let policy = AccessPolicy::new(KeysFile::default(), Some(&format!("ci={digest}"))).unwrap();
        assert_eq!(policy.keys[&digest].id, "ci");
        assert!(policy.anonymous.is_some());
        let error = AccessPolicy::new(KeysFile::default(), Some("ci=secret-1")).unwrap_err();
        assert!(error.to_string().contains("64 hex"), "{error}");
        let error = AccessPolicy::new(KeysFile::default(), Some("secret")).unwrap_err();
        assert!(error.to_string().contains("id=sha256hex"), "{error}");
        let twice = format!("a={digest},b={digest}");
        assert!(AccessPolicy::new(KeysFile::default(), Some(&twice)).is_err());
    }

    #[test]
    fn anonymous_access_can_be_denied() {
        let file: KeysFile = serde_json::from_str(r#"{"anonymous":{"allow":false}}"#).unwrap();
        assert!(AccessPolicy::new(file, None).unwrap().anonymous.is_none());
        let unknown = serde_json::from_str::<KeysFile>(r#"{"anonymous":{"allow":true},"extra":1}"#);
        assert!(unknown.is_err());
    }
}
