//! Dense index settings and build facts, stored under `build.dense` in the manifest.
use serde::{Deserialize, Serialize};

/// Directory of the dense files inside a snapshot.
pub const DENSE_DIR: &str = "dense";
/// Passage vectors: `passages × dim` little-endian f32, in passage order.
pub const VECTORS_FILE: &str = "dense/vectors.f32";
/// Copy of the model inside the snapshot (so a snapshot answers the same anywhere).
pub const MODEL_DIR: &str = "dense/model";
/// Version of the similarity function ([`crate::dense::dot`]) the graph was built and is
/// searched with. Its summation order decides the low bits of every score and so the graph's
/// tie-breaks: a change to it must change this string, which goes into the snapshot id.
pub const DISTANCE_VERSION: &str = "unit-dot/16-lane-v2";
/// Basename of the hnsw_rs dump (`hnsw.hnsw.graph`, `hnsw.hnsw.data`).
pub const HNSW_BASENAME: &str = "hnsw";

/// What the manifest records about the dense index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseConfig {
    /// Model id.
    pub model_id: String,
    /// sha256 of the ONNX model (part of the snapshot id).
    pub model_sha256: String,
    /// sha256 of tokenizer.json.
    pub tokenizer_sha256: String,
    /// Vector dimension.
    pub dim: usize,
    /// Token window of the model.
    pub max_tokens: usize,
    /// How the model pools token vectors; absent (mean) in older manifests, whose ids
    /// are therefore unchanged.
    #[serde(default, skip_serializing_if = "driftless_embed::Pooling::is_mean")]
    pub pooling: driftless_embed::Pooling,
    /// Text put before every query before it is embedded (e5: `query: `).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query_prefix: String,
    /// Text put before every passage before it was embedded (e5: `passage: `).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub passage_prefix: String,
    /// HNSW neighbours per node (M).
    pub hnsw_m: usize,
    /// HNSW construction beam.
    pub hnsw_ef_construction: usize,
    /// HNSW search beam used by `mode=dense` (fixed per snapshot).
    pub hnsw_ef_search: usize,
    /// Similarity function version ([`DISTANCE_VERSION`] at build time).
    #[serde(default)]
    pub distance: String,
    /// RRF constant of `mode=hybrid`.
    pub rrf_k: u32,
    /// Passages whose text exceeded the model window and was truncated.
    pub truncated_passages: u64,
    /// Points that did not find themselves after the serial build and were re-inserted.
    pub repaired_points: u64,
    /// Points still not finding themselves after repair.
    pub unreachable_points: u64,
    /// sha256 of `dense/vectors.f32`: the embeddings enter the snapshot id, whether they were
    /// computed by the build or imported with `--vectors`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vectors_sha256: String,
    /// The approximate index is IVF (`dense/ivf.*`) instead of HNSW; the `hnsw_*` fields are
    /// then 0. Absent from manifests of HNSW snapshots, whose ids are therefore unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ivf: Option<crate::ivf::IvfConfig>,
    /// `cuda` when the passages were embedded on a GPU (`build --ort-provider cuda`); empty
    /// for the CPU, so CPU snapshots keep their ids.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub embed_provider: String,
}
