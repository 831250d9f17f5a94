use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `manifest.json` of a snapshot directory, also served at `GET /v1/snapshot`.
///
/// It holds no wall-clock time: two builds of the same corpus with the same config
/// have the same `snapshot_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Manifest {
    /// Snapshot format version; a reader refuses versions it does not know.
    pub format_version: u32,
    /// `sha256(corpus_digest, build config, model digest)`, hex; the identity of the snapshot.
    pub snapshot_id: String,
    /// Digest over every indexed document (id, url, title, text) in doc_id order.
    pub corpus_digest: String,
    /// Document, passage and skip counts.
    pub counts: SnapshotCounts,
    /// Everything that shaped the index.
    pub build: BuildConfig,
    /// Versions of the crates that wrote the snapshot (`driftless`, `tantivy`, …).
    pub crate_versions: BTreeMap<String, String>,
    /// Every file of the snapshot except the manifest, with size and sha256.
    pub files: Vec<FileChecksum>,
    /// Canary queries run at build time; the server re-runs them at start-up.
    pub canaries: CanaryRecord,
}

/// Counts recorded at build time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SnapshotCounts {
    /// Documents indexed.
    pub documents: u64,
    /// Passages indexed.
    pub passages: u64,
    /// Documents read but not indexed, by reason (e.g. `empty`, `invalid_utf8`, `redirect_stub`).
    pub skipped: BTreeMap<String, u64>,
}

/// The build configuration that is part of the snapshot identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BuildConfig {
    /// Corpus reader used (`html`, `jsonl`, …).
    pub format: String,
    /// HTML-to-text extractor version (its output is part of the snapshot's identity).
    pub extractor: String,
    /// Analyzer name and version (tokenizer, stop words, stemmer).
    pub analyzer: String,
    /// Default BM25 k1 of this snapshot.
    pub bm25_k1: f32,
    /// Default BM25 b of this snapshot.
    pub bm25_b: f32,
    /// Passage budget in estimated model tokens.
    pub passage_max_tokens: u32,
    /// Passage splitter name and version.
    pub splitter: String,
    /// Whether flagged pages (redirect stubs, index/search pages) were kept.
    pub keep_flagged: bool,
    /// Path prefixes the corpus was restricted to (`--include`); absent means every page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Field mapping of a JSONL/Parquet/TSV corpus (`--field id=docid`): document field →
    /// source column. Empty when the reader's default names were used.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
    /// Dense index settings, when the snapshot has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dense: Option<serde_json::Value>,
    /// `shared` when passages are searched in the document index: every document of the
    /// corpus is one passage spanning its whole text (wiki-18, MS MARCO passage), so a
    /// passage index would repeat the document index. Absent when passages have their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage_index: Option<String>,
    /// Segments of the shared layout's index when more than one (`--segments`): each
    /// merged on a core of its own. Answers do not depend on it; the files do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<u32>,
}

/// Size and digest of one snapshot file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FileChecksum {
    /// Path relative to the snapshot directory, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// sha256, hex.
    pub sha256: String,
}

/// Canary queries and the digest of their result bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CanaryRecord {
    /// The queries, chosen deterministically from the corpus.
    pub queries: Vec<String>,
    /// sha256 of each query's serialized responses, hex, in `queries` order.
    pub answers: Vec<String>,
    /// sha256 over all of `answers`, hex.
    pub digest: String,
}
