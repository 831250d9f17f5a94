//! `driftless eval …`: measurements users can rerun.
//!
//! `driftless eval --topics T --qrels Q --snapshot S [--mode …] [--unit …]` runs a judged
//! set (see `eval_run.rs`); `driftless eval ann-recall` measures the HNSW index;
//! `driftless eval compare A.run B.run` tests the difference of two runs (eval_measures.rs).
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use driftless_index::{AnnSettings, Snapshot};

use crate::eval_run;

/// `driftless eval`: either a subcommand or a judged-set evaluation.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EvalArgs {
    /// Other evaluations.
    #[command(subcommand)]
    pub command: Option<EvalCommand>,
    /// Judged-set evaluation.
    #[command(flatten)]
    pub run: eval_run::RunArgs,
}

/// Evaluations.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Recall@k of mode=dense (HNSW or IVF) against mode=dense_exact (brute force).
    AnnRecall(AnnRecallArgs),
    /// Two runs on one measure: means, wins and losses, paired t-test and randomization test.
    Compare(crate::eval_measures::CompareArgs),
}

/// Arguments of `driftless eval ann-recall`.
#[derive(Debug, Args)]
pub struct AnnRecallArgs {
    /// Snapshot built with --dense.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Number of queries (the first words of evenly spaced passages).
    #[arg(long, default_value_t = 1000)]
    pub queries: usize,
    /// Words per query.
    #[arg(long, default_value_t = 8)]
    pub words: usize,
    /// Cut-off.
    #[arg(short, long, default_value_t = 10)]
    pub k: usize,
    /// Search effort to evaluate instead of the snapshot's: HNSW's beam, or IVF's lists
    /// probed.
    #[arg(long)]
    pub ef: Option<usize>,
    /// IVF SQ8 candidates re-scored per hit, instead of the snapshot's; 0 scans the f32
    /// vectors (the recall and latency without codes).
    #[arg(long, value_name = "N")]
    pub rescore: Option<usize>,
    /// Query vectors (`.npy`, float32, (queries, dim)) instead of embedding sampled passage
    /// words: for snapshots built with --vectors, whose queries come from the same encoder.
    /// The first --queries rows are used.
    #[arg(long, value_name = "NPY")]
    pub query_vectors: Option<PathBuf>,
}

/// Runs an evaluation.
pub fn run(args: &EvalArgs) -> Result<()> {
    match &args.command {
        Some(EvalCommand::AnnRecall(args)) => ann_recall(args),
        Some(EvalCommand::Compare(args)) => crate::eval_measures::compare(args),
        None => eval_run::run(&args.run),
    }
}

/// ANN recall: a table on stderr, JSON on stdout.
fn ann_recall(args: &AnnRecallArgs) -> Result<()> {
    let snapshot = Snapshot::open(&args.snapshot)?;
    let settings = AnnSettings {
        ef: args.ef,
        rescore: args.rescore,
    };
    let report = match &args.query_vectors {
        Some(npy) => {
            let vectors = driftless_ingest::read_npy_rows(npy, args.queries)?;
            snapshot.ann_recall_for_vectors(&vectors, args.k, settings)?
        }
        None => {
            let queries = snapshot.sample_queries(args.queries, args.words)?;
            snapshot.ann_recall(&queries, args.k, settings)?
        }
    };
    eprintln!(
        "ann-recall on {}: recall@{} = {:.4} over {} queries ({} perfect), {} effort {}; ANN {:.0} q/s vs exact scan {:.0} q/s ({:.1}x); query embedding median {:.2} ms",
        snapshot.id(),
        report.k,
        report.recall_at_k,
        report.queries,
        report.perfect_queries,
        report.index,
        report.ef_search,
        report.ann_qps,
        report.exact_qps,
        report.ann_qps / report.exact_qps.max(1e-9),
        report.embed_median_ms
    );
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
