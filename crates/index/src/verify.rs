//! Start-up verification: file checksums against the manifest, canary answers against
//! the digest recorded at build time.
use std::io::Read;
use std::path::Path;

use driftless_api::{FileChecksum, Mode, SearchRequest, Unit};
use sha2::{Digest, Sha256};

use crate::error::OpenError;
use crate::snapshot::Snapshot;

/// sha256 and size of one file, streamed.
pub fn file_checksum(root: &Path, relative: &str) -> Result<FileChecksum, std::io::Error> {
    let mut file = std::fs::File::open(root.join(relative))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok(FileChecksum {
        path: relative.to_string(),
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Compares every file listed in the manifest with the directory.
pub(crate) fn verify_checksums(dir: &Path, files: &[FileChecksum]) -> Result<(), OpenError> {
    for expected in files {
        let actual = file_checksum(dir, &expected.path).map_err(|e| OpenError::Checksum {
            file: expected.path.clone(),
            message: format!("cannot read it ({e})"),
        })?;
        // A wrong size is named first: it says more (cut short, grown) than a hash.
        let mismatch = if actual.bytes != expected.bytes {
            Some(format!(
                "size is {} bytes, the manifest says {}",
                actual.bytes, expected.bytes
            ))
        } else if actual.sha256 != expected.sha256 {
            Some(format!(
                "sha256 is {}, the manifest says {}",
                actual.sha256, expected.sha256
            ))
        } else {
            None
        };
        if let Some(message) = mismatch {
            return Err(OpenError::Checksum {
                file: expected.path.clone(),
                message,
            });
        }
    }
    Ok(())
}

/// Digest of one canary query's answers (BM25, both units, k = 10).
fn canary_answer(snapshot: &Snapshot, query: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for unit in [Unit::Doc, Unit::Passage] {
        let request = SearchRequest {
            mode: Some(Mode::Bm25),
            unit,
            ..SearchRequest::new(query)
        };
        match snapshot.search(&request) {
            Ok(response) => out.extend(serde_json::to_vec(&response).unwrap_or_default()),
            Err(error) => out.extend(format!("error: {error}").into_bytes()),
        }
        out.push(b'\n');
    }
    out
}

impl Snapshot {
    /// Per-query answer digests and their combined digest; recorded at build time,
    /// compared at start-up.
    pub fn canary_digests(&self, queries: &[String]) -> (Vec<String>, String) {
        let answers: Vec<String> = queries
            .iter()
            .map(|q| hex::encode(Sha256::digest(canary_answer(self, q))))
            .collect();
        let mut hasher = Sha256::new();
        for answer in &answers {
            hasher.update(answer.as_bytes());
        }
        (answers, hex::encode(hasher.finalize()))
    }

    /// Re-runs the canaries; names the first query whose answer changed.
    pub(crate) fn verify_canaries(&self) -> Result<(), OpenError> {
        let record = &self.manifest.canaries;
        let (answers, digest) = self.canary_digests(&record.queries);
        if digest == record.digest && answers == record.answers {
            return Ok(());
        }
        let culprit = record
            .queries
            .iter()
            .zip(
                answers.iter().zip(
                    record
                        .answers
                        .iter()
                        .map(Some)
                        .chain(std::iter::repeat(None)),
                ),
            )
            .find(|(_, (now, then))| Some(*now) != *then)
            .map_or_else(
                || "(the canary list itself)".to_string(),
                |(q, _)| q.clone(),
            );
        Err(OpenError::CanaryMismatch { query: culprit })
    }
}
