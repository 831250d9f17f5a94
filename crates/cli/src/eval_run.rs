//! `driftless eval --topics … --qrels …`: every configuration of the grid
//! (snapshots × modes × units × k1 × b × fusion k), TREC run files, a table or JSON.
//! Several `--snapshot`s compare what is fixed at build time: the embedding model (one
//! snapshot per `build --model`), the passage size, the corpus version. With `--run FILE`
//! instead of `--snapshot`, scores existing run files (e.g. Pyserini's).
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use driftless_api::{Mode, Unit};
use driftless_eval::formats::{read_judgements, read_queries};
use driftless_eval::measures::evaluate_measures;
use driftless_eval::metrics::evaluate;
use driftless_eval::report::{ConfigReport, EvalReport, hybrid_gains, table};
use driftless_eval::runner::{EvalConfig, QuerySyntax, RunOptions, run_config};

use driftless_index::{OpenOptions, Snapshot};
use driftless_ingest::Progress;

use crate::eval_measures::{MeasureList, PerTopic, extra_measures, measure_list, table_line};

/// Arguments of a judged-set evaluation.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Topics: `qid<TAB>query` lines (TREC/MS MARCO tsv, see `driftless corpus
    /// judged-sets`), BEIR's `queries.jsonl` or TREC's `<top>` SGML topics.
    #[arg(long, required = true, visible_alias = "queries")]
    pub topics: Option<PathBuf>,
    /// Qrels: `qid 0 docid relevance` lines (TREC, MS MARCO) or BEIR's `qrels/*.tsv`.
    #[arg(long, required = true)]
    pub qrels: Option<PathBuf>,
    /// More measures, by ir_measures' names: `nDCG@k`, `P@k`, `R@k`, `RR[@k]`, `AP[@k]`
    /// (comma-separated), reported beside the standard four.
    #[arg(long, value_parser = measure_list)]
    pub measures: Option<MeasureList>,
    /// Write every topic's value of every measure (`--measures`, else nDCG@10, R@10, R@100,
    /// RR@10) here as CSV: `run,qid,measure,value`.
    #[arg(long, value_name = "CSV")]
    pub per_topic: Option<PathBuf>,
    /// Snapshot to search; repeat it to compare snapshots (e.g. one per embedding model:
    /// the report then has one entry per snapshot, a JSON array).
    #[arg(long, required_unless_present = "run")]
    pub snapshot: Vec<PathBuf>,
    /// Score these existing TREC run files instead of searching (repeatable).
    #[arg(long = "run", conflicts_with = "snapshot")]
    pub run: Vec<PathBuf>,
    /// Modes, comma-separated: bm25, dense, dense_exact, hybrid.
    #[arg(long, value_delimiter = ',', default_value = "bm25")]
    pub mode: Vec<Mode>,
    /// Units, comma-separated: doc, passage (passages roll up to their best per document).
    #[arg(long, value_delimiter = ',', default_value = "doc")]
    pub unit: Vec<Unit>,
    /// BM25 k1 values (comma-separated); the snapshot's default when absent.
    #[arg(long, value_delimiter = ',')]
    pub k1: Vec<f32>,
    /// BM25 b values (comma-separated); the snapshot's default when absent.
    #[arg(long, value_delimiter = ',')]
    pub b: Vec<f32>,
    /// RRF k values for hybrid (comma-separated); the snapshot's default when absent.
    #[arg(long, value_delimiter = ',')]
    pub fusion_k: Vec<u32>,
    /// Documents retrieved per topic.
    #[arg(long, visible_alias = "k", default_value_t = 100)]
    pub depth: usize,
    /// Worker threads (output does not depend on it); default: all cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Query form: `plain` (bag of words, operators off) or `engine` (driftless syntax).
    #[arg(long, default_value = "plain", value_parser = ["plain", "engine"])]
    pub syntax: String,
    /// Write one TREC run file per configuration here (`<tag>.run`).
    #[arg(long)]
    pub runs_dir: Option<PathBuf>,
    /// Output: a table or JSON (with parameters, measures and timing).
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Progress output: a bar on a terminal, plain lines otherwise.
    #[arg(long, default_value = "auto", value_parser = ["auto", "lines", "none"])]
    pub progress: String,
}

/// Runs the evaluation and prints the report on stdout.
pub fn run(args: &RunArgs) -> Result<()> {
    let (Some(topics_path), Some(qrels_path)) = (&args.topics, &args.qrels) else {
        bail!("--topics and --qrels are required");
    };
    let topics = read_queries(topics_path)?;
    let qrels = read_judgements(qrels_path)?;
    let unjudged = topics
        .iter()
        .filter(|t| !qrels.contains_key(&t.qid))
        .count();
    if unjudged == topics.len() {
        bail!(
            "no topic of {} has a judgement in {}: are these files from the same set?",
            topics_path.display(),
            qrels_path.display()
        );
    }
    if unjudged > 0 {
        tracing::warn!(
            unjudged,
            "topics without judgements are run but not evaluated"
        );
    }
    if !args.run.is_empty() {
        return crate::eval_measures::score_runs(args, &qrels);
    }
    if args.snapshot.is_empty() {
        bail!("--snapshot is required");
    }
    let options = RunOptions {
        depth: args.depth.max(1),
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        syntax: match args.syntax.as_str() {
            "engine" => QuerySyntax::Engine,
            _ => QuerySyntax::Plain,
        },
        progress: match args.progress.as_str() {
            "lines" => Progress::Lines,
            "none" => Progress::Hidden,
            _ => Progress::Auto,
        },
    };
    if let Some(dir) = &args.runs_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut per_topic = PerTopic::default();
    let mut reports = Vec::new();
    for dir in &args.snapshot {
        let snapshot = Snapshot::open_with(dir, &OpenOptions::default())?;
        // Run files of several snapshots share a directory: prefix them with the snapshot.
        let prefix = (args.snapshot.len() > 1).then(|| snapshot.id()[..12].to_string());
        let report = evaluate_snapshot(
            args,
            &snapshot,
            &topics,
            &qrels,
            options,
            prefix.as_deref(),
            &mut per_topic,
        )?;
        if args.format != "json" {
            print!("{}", table(&report));
        }
        reports.push(report);
    }
    if let Some(path) = &args.per_topic {
        per_topic.write(path)?;
    }
    if args.format == "json" {
        // One snapshot keeps the single-object report; several give an array of them.
        match reports.as_slice() {
            [one] => println!("{}", serde_json::to_string_pretty(one)?),
            all => println!("{}", serde_json::to_string_pretty(all)?),
        }
    }
    Ok(())
}

/// The grid over one snapshot.
fn evaluate_snapshot(
    args: &RunArgs,
    snapshot: &Snapshot,
    topics: &[driftless_eval::trec::Topic],
    qrels: &driftless_eval::trec::Qrels,
    options: RunOptions,
    run_prefix: Option<&str>,
    per_topic: &mut PerTopic,
) -> Result<EvalReport> {
    let mut configs = Vec::new();
    for config in grid(args, snapshot) {
        let outcome = run_config(snapshot, topics, config, options)?;
        let tag = match run_prefix {
            Some(prefix) => format!("{prefix}_{}", config.tag()),
            None => config.tag(),
        };
        let run_file = match &args.runs_dir {
            Some(dir) => Some(write_run(dir, &tag, &outcome.run_text)?),
            None => None,
        };
        let evaluation = evaluate(&outcome.run, qrels);
        let extra = evaluate_measures(&outcome.run, qrels, &extra_measures(args));
        if args.measures.is_some() && args.format != "json" {
            println!("{}", table_line(&tag, &extra));
        }
        let mut report = ConfigReport::new(&outcome, &evaluation, run_file);
        report.extra = args.measures.is_some().then(|| extra.clone());
        per_topic.add(&tag, extra);
        configs.push(report);
    }
    let model = dense_setting(snapshot, "model_id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    Ok(EvalReport {
        snapshot: snapshot.id().to_string(),
        model,
        // Both are required by clap before this runs.
        topics_file: display(args.topics.as_deref()),
        qrels_file: display(args.qrels.as_deref()),
        topics_read: topics.len(),
        depth: options.depth,
        syntax: options.syntax,
        hybrid_gains: hybrid_gains(&configs),
        configs,
    })
}

/// A path as the report shows it (empty when absent).
fn display(path: Option<&Path>) -> String {
    path.map(|p| p.display().to_string()).unwrap_or_default()
}

/// One setting of the snapshot's dense build, as its manifest records it.
fn dense_setting<'a>(snapshot: &'a Snapshot, key: &str) -> Option<&'a serde_json::Value> {
    snapshot.manifest().build.dense.as_ref()?.get(key)
}

/// The configurations to run, parameters resolved against the snapshot's defaults so the
/// report and the run tags record what actually ran.
fn grid(args: &RunArgs, snapshot: &Snapshot) -> Vec<EvalConfig> {
    let defaults = snapshot.default_bm25();
    let or = |v: &[f32], d: f32| if v.is_empty() { vec![d] } else { v.to_vec() };
    let snapshot_rrf = dense_setting(snapshot, "rrf_k")
        .and_then(serde_json::Value::as_u64)
        .and_then(|k| u32::try_from(k).ok());
    let fusion: Vec<Option<u32>> = if args.fusion_k.is_empty() {
        vec![snapshot_rrf]
    } else {
        args.fusion_k.iter().copied().map(Some).collect()
    };
    let mut out = Vec::new();
    for &mode in &args.mode {
        for &unit in &args.unit {
            // Dense ignores k1/b and fusion; one configuration is enough.
            let (k1s, bs) = if matches!(mode, Mode::Dense | Mode::DenseExact) {
                (vec![defaults.k1], vec![defaults.b])
            } else {
                (or(&args.k1, defaults.k1), or(&args.b, defaults.b))
            };
            let ks = if mode == Mode::Hybrid {
                fusion.clone()
            } else {
                vec![None]
            };
            for &k1 in &k1s {
                for &b in &bs {
                    for &fusion_k in &ks {
                        out.push(EvalConfig {
                            mode,
                            unit,
                            k1,
                            b,
                            fusion_k,
                        });
                    }
                }
            }
        }
    }
    out
}

fn write_run(dir: &Path, tag: &str, text: &str) -> Result<String> {
    let path = dir.join(format!("{tag}.run"));
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path.display().to_string())
}
