//! Models for the tests and benchmarks: the real cross-encoder when one is installed, and a
//! stand-in built from the pinned embedding model that corpus-tools/fetch-model.sh fetches.
//!
//! The stand-in is all-MiniLM-L6-v2 int8 (the same 6-layer, 384-wide BERT as the MS MARCO
//! MiniLM cross-encoders, same WordPiece vocabulary) with a fixed linear head on the `[CLS]`
//! output appended as a graph output named `logits`. Its scores mean nothing for relevance,
//! but it runs the real architecture and quantisation through the real code path: sessions,
//! pair encoding, padding, batching, truncation at 512, throughput.
//!
//! The head is appended to the ONNX protobuf without an ONNX library: serialised protobuf
//! messages concatenate as a merge, so a second `graph` field (ModelProto field 7) holding
//! two nodes, two initializers and one output extends the original graph.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use driftless_embed::{ModelFiles, default_model_dir, default_ort_library};
use sha2::{Digest, Sha256};

/// The embedding model directory and ONNX Runtime library, looked up as driftless-embed's
/// own tests do: the environment first, else the workspace's `.cache/models`.
pub fn embed_paths() -> (PathBuf, PathBuf) {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models");
    let set = |names: &[&str]| names.iter().any(|n| std::env::var_os(n).is_some());
    let dir = if set(&["DRIFTLESS_MODEL_DIR"]) {
        default_model_dir()
    } else {
        models.join("all-MiniLM-L6-v2-int8")
    };
    let library = if set(&["ORT_DYLIB_PATH", "DRIFTLESS_ORT_LIB", "DRIFTLESS_MODEL_DIR"]) {
        default_ort_library()
    } else {
        models.join("onnxruntime/libonnxruntime.so.1.31.1")
    };
    (dir, library)
}

/// A stand-in cross-encoder directory (kept alive by the returned guard) and the library, or
/// `None` with a note when the embedding model is missing; under CI a missing model fails,
/// since scripts/test.sh fetches it and a skip would hide a broken setup.
pub fn standin() -> Option<(tempfile::TempDir, PathBuf)> {
    let (dir, library) = embed_paths();
    let files = match ModelFiles::load(&dir) {
        Ok(files) if library.is_file() => files,
        result => {
            let note = format!(
                "embedding model or ONNX Runtime missing ({}: {:?}; {}): run corpus-tools/fetch-model.sh",
                dir.display(),
                result.err().map(|e| e.to_string()),
                library.display()
            );
            assert!(std::env::var_os("CI").is_none(), "{note}");
            eprintln!("note: skipping: {note}");
            return None;
        }
    };
    let out = tempfile::tempdir().expect("temporary directory");
    let mut onnx = std::fs::read(files.onnx_path()).expect("verified model reads");
    onnx.extend(field_bytes(7, &head_graph(384)));
    let tokenizer = std::fs::read(files.tokenizer_path()).expect("verified tokenizer reads");
    std::fs::write(out.path().join("model.onnx"), &onnx).unwrap();
    std::fs::write(out.path().join("tokenizer.json"), &tokenizer).unwrap();
    let json = serde_json::json!({
        "name": "stand-in: all-MiniLM-L6-v2 int8 with a fixed linear head on [CLS] (not a relevance model)",
        "source": files.id,
        "licence": "Apache-2.0",
        "max_length": 512,
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "output": "logits",
        "output_shape": [-1, 1],
        "onnx_sha256": sha256_hex(&onnx),
        "tokenizer_sha256": sha256_hex(&tokenizer),
    });
    std::fs::write(out.path().join("model.json"), json.to_string()).unwrap();
    Some((out, library))
}

/// The real cross-encoder: `$DRIFTLESS_RERANKER_DIR`, else `reranker/` beside the embedding
/// model, else the workspace's `.cache/models/reranker`; `None` with a note when absent. No
/// registry ships one this project can pin yet, so its absence is not a CI failure.
pub fn real_model() -> Option<(PathBuf, PathBuf)> {
    let (embed_dir, library) = embed_paths();
    let dir = match std::env::var_os("DRIFTLESS_RERANKER_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => embed_dir
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            .join("reranker"),
    };
    if dir.join("model.json").is_file() && library.is_file() {
        return Some((dir, library));
    }
    eprintln!(
        "note: skipping: no cross-encoder at {} (set DRIFTLESS_RERANKER_DIR)",
        dir.display()
    );
    None
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// GraphProto fields: `[CLS]` row of `last_hidden_state` (Gather index 0 on axis 1), times a
/// fixed `[dim, 1]` weight, as output `logits` of shape `[batch, 1]`.
fn head_graph(dim: usize) -> Vec<u8> {
    let gather = [
        field_str(1, "last_hidden_state"),
        field_str(1, "standin_cls_index"),
        field_str(2, "standin_cls"),
        field_str(3, "standin_gather"),
        field_str(4, "Gather"),
        // AttributeProto: name, i, type INT (2).
        field_bytes(
            5,
            &[
                field_str(1, "axis"),
                varint_field(3, 1),
                varint_field(20, 2),
            ]
            .concat(),
        ),
    ]
    .concat();
    let matmul = [
        field_str(1, "standin_cls"),
        field_str(1, "standin_head"),
        field_str(2, "logits"),
        field_str(3, "standin_matmul"),
        field_str(4, "MatMul"),
    ]
    .concat();
    // TensorProto: data_type (2) INT64 = 7, raw_data (9); no dims: a scalar index.
    let index = [
        varint_field(2, 7),
        field_bytes(9, &0i64.to_le_bytes()),
        field_str(8, "standin_cls_index"),
    ]
    .concat();
    // Small weights of both signs, a fixed function of the position.
    let weights: Vec<u8> = (0..dim)
        .flat_map(|i| (((i * 37 % 101) as f32 - 50.0) / 500.0).to_le_bytes())
        .collect();
    let head = [
        varint_field(1, dim as u64),
        varint_field(1, 1),
        varint_field(2, 1), // FLOAT
        field_str(8, "standin_head"),
        field_bytes(9, &weights),
    ]
    .concat();
    // ValueInfoProto logits: TypeProto.tensor_type {elem_type FLOAT, shape [batch, 1]}.
    let shape = [
        field_bytes(1, &field_str(2, "batch")),
        field_bytes(1, &varint_field(1, 1)),
    ]
    .concat();
    let tensor_type = [varint_field(1, 1), field_bytes(2, &shape)].concat();
    let output = [
        field_str(1, "logits"),
        field_bytes(2, &field_bytes(1, &tensor_type)),
    ]
    .concat();
    [
        field_bytes(1, &gather),
        field_bytes(1, &matmul),
        field_bytes(5, &index),
        field_bytes(5, &head),
        field_bytes(12, &output),
    ]
    .concat()
}

fn varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A varint field (wire type 0).
fn varint_field(field: u64, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3, &mut out);
    varint(value, &mut out);
    out
}

/// A length-delimited field (wire type 2): bytes, strings, embedded messages.
fn field_bytes(field: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint((field << 3) | 2, &mut out);
    varint(bytes.len() as u64, &mut out);
    out.extend_from_slice(bytes);
    out
}

fn field_str(field: u64, text: &str) -> Vec<u8> {
    field_bytes(field, text.as_bytes())
}
