//! Deterministic cross-encoder re-ranking for driftless.
//!
//! A first stage (BM25, dense, hybrid) proposes candidates; a cross-encoder reads the query
//! and each candidate passage together (`[CLS] query [SEP] passage [SEP]`) and returns one
//! relevance logit per pair. This crate is the engine: it loads a BERT-style cross-encoder
//! exported to ONNX, verifies its files against the sha256s in its `model.json` (layout:
//! [`RerankerFiles`]), and scores pairs on ONNX Runtime, loaded at run time through
//! driftless-embed (one library and one environment per process, shared with the query
//! encoder). It knows nothing of requests, depths or responses: the caller picks the top
//! `rerank_depth` candidates, calls [`CrossEncoder::score`], and orders the hits with
//! [`rank_order`].
//!
//! Determinism: one intra-op thread, and pairs batched by a fixed rule ([`BATCH_SIZE`] pairs
//! per run, in input order, each run padded to its own longest pair), so the same request
//! gives bit-identical scores on every call. Bits may differ between CPUs with different
//! vector instructions, as ONNX Runtime picks kernels per CPU.
//!
//! ```no_run
//! use driftless_rerank::{CrossEncoder, rank_order, default_reranker_dir};
//! use driftless_embed::default_ort_library;
//! let encoder = CrossEncoder::open(&default_reranker_dir(), &default_ort_library())?;
//! let passages = ["Paris is the capital of France.", "Bananas are rich in potassium."];
//! let scores = encoder.score("capital of france", &passages)?;
//! let order = rank_order(&scores, &["doc-1", "doc-2"]);
//! assert_eq!(order[0], 0);
//! # Ok::<(), driftless_rerank::RerankError>(())
//! ```
#![warn(missing_docs)]

mod encoder;
mod error;
mod model;
mod order;
mod pairs;

pub use encoder::CrossEncoder;
pub use error::RerankError;
pub use model::{RERANKER_DIR_ENV, RERANKER_SUBDIR, RerankerFiles, default_reranker_dir};
pub use order::rank_order;
pub use pairs::{BATCH_SIZE, PairBatch};
