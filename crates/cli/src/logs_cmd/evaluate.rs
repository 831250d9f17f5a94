//! `driftless logs evaluate`: agent-level evaluation of logged sessions against judgements
//! (and, with `--answers`, the agent's answers), as BrowseComp-Plus reports agents.
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use driftless_querylog::analysis::{AgentEvalReport, Answer, evaluate_agents};

use super::LogSelection;
use super::table::{Table, rate};

/// Arguments of `driftless logs evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub selection: LogSelection,
    /// Judgements, TREC qrels (`topic 0 doc_id relevance`); the agent sent each topic's
    /// requests with `x-session-id: <topic>`.
    #[arg(long)]
    pub qrels: PathBuf,
    /// The agent's answers, JSONL: `{"topic_id": …, "correct": true|false, "cited_docids": […]}`.
    #[arg(long)]
    pub answers: Option<PathBuf>,
    /// table (summary and accuracy by calls) or json (everything, per topic too).
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

/// Reads an answers file, naming the line of the first bad record.
fn read_answers(path: &PathBuf) -> Result<Vec<Answer>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut answers = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let answer: Answer = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: expected {{\"topic_id\": …, \"correct\": true|false, \"cited_docids\": […]}}",
                path.display(),
                n + 1
            )
        })?;
        answers.push(answer);
    }
    Ok(answers)
}

pub async fn run(args: &EvaluateArgs) -> Result<()> {
    let judgements = driftless_eval::trec::read_qrels(&args.qrels)?;
    if judgements.is_empty() {
        bail!("{} holds no judgements", args.qrels.display());
    }
    let answers = match &args.answers {
        Some(path) => read_answers(path)?,
        None => Vec::new(),
    };
    // Only the judged topics' sessions count (session id = topic id), so only their records
    // are kept while the log streams by.
    let mut records = Vec::new();
    args.selection
        .for_each(&mut |record| {
            let judged = record
                .session_hint
                .as_ref()
                .is_some_and(|topic| judgements.contains_key(topic));
            if judged {
                records.push(record);
            }
            Ok(())
        })
        .await?;
    let report = evaluate_agents(&records, &judgements, &answers);
    let mut out = std::io::stdout().lock();
    if args.format == "json" {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        summary(&report).render(&mut out, usize::MAX)?;
        by_calls(&report).render(&mut out, usize::MAX)?;
    }
    Ok(())
}

fn summary(r: &AgentEvalReport) -> Table {
    let mean = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.2}"));
    let rows = [
        ("judged topics", r.topics.to_string()),
        ("topics with requests", r.topics_with_requests.to_string()),
        ("search calls per topic (mean)", mean(r.mean_search_calls)),
        ("fetch calls per topic (mean)", mean(r.mean_fetch_calls)),
        (
            "evidence recall (gold retrieved or fetched)",
            rate(r.evidence_recall),
        ),
        ("accuracy", rate(r.accuracy)),
        ("citation precision", rate(r.citation_precision)),
        ("citation recall", rate(r.citation_recall)),
    ]
    .map(|(metric, value)| vec![metric.into(), value]);
    Table::with_rows("evaluate", "Agent evaluation", &["metric", "value"], rows)
}

fn by_calls(r: &AgentEvalReport) -> Table {
    let rows = r
        .accuracy_by_calls
        .iter()
        .map(|b| vec![b.calls.into(), b.topics.to_string(), rate(b.accuracy)]);
    let headers = ["search_calls", "topics", "accuracy"];
    Table::with_rows(
        "accuracy_by_calls",
        "Accuracy by search calls",
        &headers,
        rows,
    )
}
