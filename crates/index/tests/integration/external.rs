//! What the tests need from outside the repository (the embedding model and ONNX Runtime,
//! the real corpora, a browser): where the model is, and what a test does when something
//! is missing. The server's tests include this file too (`#[path]` in their common module),
//! so both crates look for the model in one way.
use driftless_ingest::DenseOptions;

/// `None` for a test whose fixture is missing: outside CI the test is skipped, printing
/// `note`; under CI, which fetches every fixture (scripts/test.sh), it fails with
/// `ci_failure`.
pub fn missing<T>(ci_failure: &str, note: &str) -> Option<T> {
    assert!(std::env::var_os("CI").is_none(), "{ci_failure}");
    eprintln!("{note}");
    None
}

/// Dense options with the fetched model (`$DRIFTLESS_MODEL_DIR`, else the workspace's
/// `.cache/models`) and ONNX Runtime beside it (unless `$DRIFTLESS_ORT_LIB` or
/// `$ORT_DYLIB_PATH` names one), or `None` (with a note) when they are missing.
pub fn dense_options() -> Option<DenseOptions> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models");
    let mut options = DenseOptions {
        workers: 2,
        ..DenseOptions::default()
    };
    if std::env::var_os("DRIFTLESS_MODEL_DIR").is_none() {
        options.model_dir = root.join("all-MiniLM-L6-v2-int8");
    }
    if std::env::var_os("DRIFTLESS_ORT_LIB").is_none()
        && std::env::var_os("ORT_DYLIB_PATH").is_none()
    {
        options.ort_library = options
            .model_dir
            .join("../onnxruntime")
            .join(driftless_index::ORT_FILE);
    }
    if options.model_dir.join("model.onnx").is_file() && options.ort_library.is_file() {
        return Some(options);
    }
    missing(
        "CI must fetch the model first: run scripts/test.sh",
        "note: model missing; run corpus-tools/fetch-model.sh to run the dense tests",
    )
}
