//! Corpus side of driftless: the document model, readers for HTML directory
//! trees and for record corpora (JSONL, Parquet, WARC, TSV; one file, a directory or a
//! glob of shards, gzip- or zstd-compressed) that stream one record at a time,
//! HTML-to-clean-text extraction, and the passage splitter that cuts documents into
//! embedding-sized windows.
//!
//! Everything here is deterministic: the output depends only on file
//! contents and paths relative to the corpus root, so two machines reading
//! the same frozen corpus build byte-identical indexes.

#![warn(missing_docs)]

mod corpus;
mod description;
mod detect;
mod document;
mod error;
mod html_chrome;
mod html_reader;
mod html_text;
mod jsonl_reader;
mod options;
mod page_flags;
mod parquet_columns;
mod parquet_reader;
#[cfg(test)]
mod parquet_test_writer;
mod passages;
mod prefetch;
mod record;
mod sharded;
mod shards;
mod site_rules;
mod stream;
#[cfg(test)]
mod test_files;
mod token_count;
mod tree_walk;
mod tsv_reader;
#[cfg(test)]
mod warc_fixture;
mod warc_http;
mod warc_reader;

pub use corpus::{Corpus, open_corpus};
pub use description::{DESCRIPTION_FILE, PageDescription, describe, write_description};
pub use document::{Document, ReadItem, Skip, SkipReason};
pub use error::CorpusError;
pub use html_text::{EXTRACTOR_VERSION, Extracted, extract_html};
pub use options::{FieldMap, Format, ReaderOptions};
/// Runs a Parquet decoder call, turning its panics on corrupt input into errors.
pub use parquet_reader::guarded as parquet_guarded;
pub use passages::{PassageSpan, SPLITTER_VERSION, SplitterConfig, split_passages};
pub use token_count::{HeuristicTokenCounter, TokenCounter};
