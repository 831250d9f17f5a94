//! Retrieval evaluation for driftless snapshots.
//!
//! - [`judged_sets`]: topics and qrels derived from the Sphinx indexes (`genindex*.html`)
//!   shipped with the Python and Django docs of the default corpus;
//! - [`trec`]: TREC topics (tsv), qrels and run files, strict parsers;
//! - [`formats`]: the collections' own query and judgement files (BEIR, MS MARCO, TREC);
//! - [`metrics`]: nDCG@10, Recall@10/100, MRR@10 with trec_eval's conventions;
//! - [`measures`]: any measure by its ir_measures name (`nDCG@k`, `P@k`, `R@k`, `RR@k`,
//!   `AP@k`), per topic and mean;
//! - [`significance`]: paired t-test and randomization test between two runs;
//! - [`runner`]: every topic through `Snapshot::search` for one configuration;
//! - [`report`]: tables and JSON, hybrid's gain over the best single mode.
//!
//! Engine crate: no HTTP, no SQL.
#![warn(missing_docs)]

mod error;
pub mod formats;
mod genindex;
pub mod judged_sets;
pub mod measures;
pub mod metrics;
pub mod report;
pub mod runner;
pub mod significance;
pub mod trec;

pub use error::EvalError;
pub use genindex::{RawEntry, parse_genindex};
