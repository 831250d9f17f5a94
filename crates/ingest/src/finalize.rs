//! The manifest: corpus digest, snapshot id, canaries and per-file checksums.
use std::collections::BTreeMap;
use std::path::Path;

use driftless_api::{BuildConfig, CanaryRecord, Manifest, SnapshotCounts};
use driftless_corpus::{EXTRACTOR_VERSION, Format, SPLITTER_VERSION};
use driftless_index::analyzer::ANALYZER_VERSION;
use driftless_index::schema::{FORMAT_VERSION, MANIFEST_FILE};
use driftless_index::{OpenOptions, Snapshot, file_checksum};
use sha2::{Digest, Sha256};

use crate::collect::Collected;
use crate::write::Written;
use crate::{BuildOptions, IngestError, io_error};

/// Canary queries per snapshot.
const CANARIES: usize = 16;
/// tantivy version the index files are written with (pinned in Cargo.toml).
const TANTIVY_VERSION: &str = "0.27";

/// sha256 over every document (id, url, title, text) in doc_id order.
fn corpus_digest(collected: &Collected) -> String {
    let mut hasher = Sha256::new();
    for doc in &collected.documents {
        for part in [&doc.doc_id, &doc.url, &doc.title, &doc.text] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// The identity of a snapshot: corpus content, build config and model digest — never
/// wall-clock time or paths.
fn snapshot_id(corpus_digest: &str, build: &BuildConfig) -> String {
    let identity = serde_json::json!({
        "format_version": FORMAT_VERSION,
        "corpus_digest": corpus_digest,
        "build": build,
        "model_sha256": build.dense.as_ref().and_then(|d| d.get("model_sha256")).cloned(),
    });
    let digest = Sha256::digest(identity.to_string().as_bytes());
    hex::encode(&digest[..8])
}

/// Canary queries: titles of evenly spaced documents, so they cover the whole corpus and
/// depend only on its content.
fn canary_queries(collected: &Collected) -> Vec<String> {
    let docs = &collected.documents;
    let step = (docs.len() / CANARIES).max(1);
    docs.iter()
        .step_by(step)
        .take(CANARIES)
        .map(|d| {
            let source = if d.title.trim().is_empty() {
                &d.text
            } else {
                &d.title
            };
            source
                .split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|q| !q.is_empty() && q.chars().all(|c| !c.is_control()))
        .collect()
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), IngestError> {
    let path = dir.join(MANIFEST_FILE);
    let mut bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| IngestError::InvalidOption(e.to_string()))?;
    bytes.push(b'\n');
    std::fs::write(&path, bytes).map_err(io_error(&path))
}

/// Relative, `/`-separated paths of every file under `dir`, sorted.
fn list_files(dir: &Path) -> Result<Vec<String>, IngestError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).map_err(io_error(&current))? {
            let entry = entry.map_err(io_error(&current))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                // Lock files come and go with readers; they carry no data.
                if relative != MANIFEST_FILE && !relative.ends_with(".lock") {
                    out.push(relative);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Total bytes under `dir` (best effort, for the summary).
pub(crate) fn dir_size(dir: &Path) -> u64 {
    list_files(dir)
        .map(|files| {
            files
                .iter()
                .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Writes the manifest (two passes: the canaries need an openable snapshot).
pub(crate) fn finalize(
    dir: &Path,
    collected: &Collected,
    written: &Written,
    options: &BuildOptions,
) -> Result<String, IngestError> {
    let build = BuildConfig {
        format: collected.format.to_string(),
        extractor: if collected.format == Format::Html {
            EXTRACTOR_VERSION.to_string()
        } else {
            "none".into()
        },
        analyzer: ANALYZER_VERSION.to_string(),
        bm25_k1: options.bm25_k1,
        bm25_b: options.bm25_b,
        passage_max_tokens: options.passage_max_tokens,
        splitter: SPLITTER_VERSION.to_string(),
        keep_flagged: options.reader.keep_flagged,
        include: options.reader.include.clone(),
        dense: match &written.dense {
            Some(config) => {
                Some(serde_json::to_value(config).map_err(|e| IngestError::Dense(e.to_string()))?)
            }
            None => None,
        },
    };
    let corpus_digest = corpus_digest(collected);
    let snapshot_id = snapshot_id(&corpus_digest, &build);
    let mut crate_versions = BTreeMap::new();
    crate_versions.insert(
        "driftless".to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
    );
    crate_versions.insert("tantivy".to_string(), TANTIVY_VERSION.to_string());
    let queries = canary_queries(collected);
    let mut manifest = Manifest {
        format_version: FORMAT_VERSION,
        snapshot_id: snapshot_id.clone(),
        corpus_digest,
        counts: SnapshotCounts {
            documents: collected.documents.len() as u64,
            passages: written.passages,
            skipped: collected.skipped.clone(),
        },
        build,
        crate_versions,
        files: Vec::new(),
        canaries: CanaryRecord {
            queries: queries.clone(),
            answers: Vec::new(),
            digest: String::new(),
        },
    };
    write_manifest(dir, &manifest)?;
    let unverified = OpenOptions {
        verify_checksums: false,
        verify_canaries: false,
        ort_library: match &options.dense {
            Some(dense) => dense.ort_library.clone(),
            None => OpenOptions::default().ort_library,
        },
        // The canaries are BM25 only: the builder never needs the query encoder.
        start_dense_encoder: false,
        ..OpenOptions::default()
    };
    let snapshot = Snapshot::open_with(dir, &unverified)?;
    let (answers, digest) = snapshot.canary_digests(&queries);
    drop(snapshot);
    manifest.canaries.answers = answers;
    manifest.canaries.digest = digest;
    manifest.files = list_files(dir)?
        .iter()
        .map(|f| file_checksum(dir, f).map_err(io_error(&dir.join(f))))
        .collect::<Result<_, _>>()?;
    write_manifest(dir, &manifest)?;
    Ok(snapshot_id)
}
