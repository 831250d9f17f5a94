//! The manifest: corpus digest, snapshot id, canaries and per-file checksums.
use std::collections::BTreeMap;
use std::path::Path;

use driftless_api::{BuildConfig, CanaryRecord, Manifest, SnapshotCounts};
use driftless_corpus::{EXTRACTOR_VERSION, Format, SPLITTER_VERSION};
use driftless_index::analyzer::ANALYZER_VERSION;
use driftless_index::schema::{FORMAT_VERSION, MANIFEST_FILE, SHARED_PASSAGE_INDEX};
use driftless_index::{OpenOptions, Snapshot, file_checksum};
use sha2::{Digest, Sha256};

use crate::write::Written;
use crate::{BuildOptions, IngestError, io_error};

/// tantivy version the index files are written with (pinned in Cargo.toml).
const TANTIVY_VERSION: &str = "0.27";

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
    format: Format,
    written: &Written,
    options: &BuildOptions,
) -> Result<String, IngestError> {
    let build = BuildConfig {
        format: format.to_string(),
        // WARC responses go through the same HTML extractor as HTML pages.
        extractor: if matches!(format, Format::Html | Format::Warc) {
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
        fields: options.reader.fields.entries(),
        dense: match &written.dense {
            Some(config) => {
                Some(serde_json::to_value(config).map_err(|e| IngestError::Dense(e.to_string()))?)
            }
            None => None,
        },
        passage_index: written.shared.then(|| SHARED_PASSAGE_INDEX.to_string()),
        // Only the shared layout is cut into segments; one segment is what every build
        // wrote before, so it keeps those builds' identity.
        segments: (written.shared && options.segments > 1).then_some(options.segments as u32),
    };
    let outcome = &written.outcome;
    let corpus_digest = outcome.corpus_digest.clone();
    let snapshot_id = snapshot_id(&corpus_digest, &build);
    let mut crate_versions = BTreeMap::new();
    crate_versions.insert(
        "driftless".to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
    );
    crate_versions.insert("tantivy".to_string(), TANTIVY_VERSION.to_string());
    let queries = outcome.canaries.clone();
    let mut manifest = Manifest {
        format_version: FORMAT_VERSION,
        snapshot_id: snapshot_id.clone(),
        corpus_digest,
        counts: SnapshotCounts {
            documents: outcome.documents,
            passages: written.passages,
            skipped: outcome.tally.skipped.clone(),
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
