//! Integration tests of the read side: one binary, snapshots built by the real ingest path.
mod bm25_math;
mod common;
mod dense;
mod determinism;
mod external;
mod fetch_stats;
mod filters;
mod ivf;
mod long_lists;
mod models;
mod properties;
mod real_corpus;
mod search;
mod vector_formats;
