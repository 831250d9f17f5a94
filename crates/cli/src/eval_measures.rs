//! The measures beyond the standard four (`driftless eval --measures nDCG@20,P@5,AP …`),
//! per-topic output (`--per-topic FILE`, tidy CSV) and `driftless eval compare`: the paired
//! t-test and randomization test between two runs on one measure.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use driftless_eval::formats::read_judgements;
use driftless_eval::measures::{Measure, Measured, evaluate_measures, parse_measures};
use driftless_eval::metrics::evaluate;
use driftless_eval::significance::{PERMUTATIONS, paired, paired_test};
use driftless_eval::trec::{Qrels, Run, read_run};

use crate::eval_run::RunArgs;

/// The measures of `--measures` (one value for clap, which would take a bare `Vec` as
/// repeated values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureList(pub Vec<Measure>);

/// Parses `--measures` (clap value parser).
pub fn measure_list(list: &str) -> Result<MeasureList, String> {
    let measures = parse_measures(list)?;
    if measures.is_empty() {
        return Err("name at least one measure, e.g. nDCG@10,P@5,AP".into());
    }
    Ok(MeasureList(measures))
}

/// One line of the extra-measures table.
pub fn table_line(label: &str, m: &Measured) -> String {
    let mut line = format!("{label:<50}");
    for (name, value) in m.measures.iter().zip(&m.mean) {
        let _ = write!(line, " {name} {value:.4} ");
    }
    let _ = write!(
        line,
        " topics {} (empty {})",
        m.topics, m.topics_without_results
    );
    line
}

/// Collects per-topic values and writes them as tidy CSV: `run,qid,measure,value`.
#[derive(Debug, Default)]
pub struct PerTopic {
    rows: Vec<(String, Measured)>,
}

impl PerTopic {
    /// Adds one run's (or configuration's) values.
    pub fn add(&mut self, label: &str, measured: Measured) {
        self.rows.push((label.to_string(), measured));
    }

    /// Writes the CSV to `path`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = csv::Writer::from_writer(std::io::BufWriter::new(file));
        out.write_record(["run", "qid", "measure", "value"])?;
        for (label, m) in &self.rows {
            for (qid, values) in &m.per_topic {
                for (name, value) in m.measures.iter().zip(values) {
                    out.write_record([label, qid, name, &value.to_string()])?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}

/// Arguments of `driftless eval compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Judgements: TREC qrels or BEIR's qrels tsv.
    #[arg(long)]
    pub qrels: PathBuf,
    /// The measure compared (ir_measures' name).
    #[arg(long, default_value = "nDCG@10", value_parser = |s: &str| s.parse::<Measure>())]
    pub measure: Measure,
    /// Run A (TREC run file).
    pub a: PathBuf,
    /// Run B (TREC run file).
    pub b: PathBuf,
    /// Output: a table or JSON.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

/// A p-value with four significant digits, in scientific notation when tiny.
fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.3e}")
    } else {
        format!("{p:.4}")
    }
}

fn per_topic_of(run: &Run, qrels: &Qrels, measure: Measure) -> BTreeMap<String, f64> {
    evaluate_measures(run, qrels, &[measure])
        .per_topic
        .into_iter()
        .map(|(qid, v)| (qid, v[0]))
        .collect()
}

/// `driftless eval compare`: A against B on every judged topic (a topic a run lacks scores
/// 0, as in the means).
pub fn compare(args: &CompareArgs) -> Result<()> {
    let qrels = read_judgements(&args.qrels)?;
    let (a, b) = (read_run(&args.a)?, read_run(&args.b)?);
    if a.keys().all(|q| !qrels.contains_key(q)) || b.keys().all(|q| !qrels.contains_key(q)) {
        bail!(
            "a run has no topic judged in {}: are the runs and the qrels from the same set?",
            args.qrels.display()
        );
    }
    let pairs = paired(
        &per_topic_of(&a, &qrels, args.measure),
        &per_topic_of(&b, &qrels, args.measure),
    );
    let test = paired_test(&pairs);
    if args.format == "json" {
        let body = serde_json::json!({
            "measure": args.measure.to_string(), "a": args.a, "b": args.b,
            "permutations": PERMUTATIONS, "test": test,
        });
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(());
    }
    println!(
        "{} over {} topics: A {:.4}  B {:.4}  A−B {:+.4}  (A better on {}, B on {}, equal on {})",
        args.measure,
        test.topics,
        test.mean_a,
        test.mean_b,
        test.mean_difference,
        test.wins,
        test.losses,
        test.ties
    );
    println!(
        "paired t-test: t = {}, p = {}; randomization test ({PERMUTATIONS} sign flips): p = {}",
        test.t.map_or_else(|| "n/a".into(), |t| format!("{t:.4}")),
        p_value(test.p_t_test),
        p_value(test.p_randomization)
    );
    Ok(())
}

/// `--run FILE…`: measures of existing run files.
pub fn score_runs(args: &RunArgs, qrels: &Qrels) -> Result<()> {
    let mut rows = Vec::new();
    let mut per_topic = PerTopic::default();
    for path in &args.run {
        let run = read_run(path)?;
        let evaluation = evaluate(&run, qrels);
        let extra = evaluate_measures(&run, qrels, &extra_measures(args));
        let mut row = serde_json::json!({
            "run": path.display().to_string(),
            "topics": evaluation.topics,
            "topics_without_results": evaluation.topics_without_results,
            "measures": evaluation.mean,
        });
        if args.measures.is_some() {
            row["extra"] = serde_json::json!({"measures": extra.measures, "mean": extra.mean});
            if args.format == "table" {
                println!("{}", table_line(&path.display().to_string(), &extra));
            }
        }
        rows.push(row);
        per_topic.add(&path.display().to_string(), extra);
        if args.format == "table" {
            let m = evaluation.mean;
            println!(
                "{:<50} nDCG@10 {:.4}  R@10 {:.4}  R@100 {:.4}  MRR@10 {:.4}  topics {} (empty {})",
                path.display(),
                m.ndcg_10,
                m.recall_10,
                m.recall_100,
                m.mrr_10,
                evaluation.topics,
                evaluation.topics_without_results
            );
        }
    }
    if let Some(path) = &args.per_topic {
        per_topic.write(path)?;
    }
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(())
}

/// `--measures`, or the standard four under their ir_measures names (for `--per-topic`).
pub fn extra_measures(args: &RunArgs) -> Vec<Measure> {
    args.measures
        .clone()
        .map_or_else(|| driftless_eval::metrics::STANDARD.to_vec(), |m| m.0)
}
