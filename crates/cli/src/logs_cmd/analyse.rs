//! `driftless logs analyse`: the analysis report as tables, JSON or CSV.
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::analyse_json::JsonReport;
use super::analyse_stream::{self, Request};
use super::report_tables::table;
use super::table::{Table, write_tidy_csv};

/// Section names, in output order, with the keys of the JSON report each one covers.
static SECTIONS: [(&str, &[&str]); 16] = [
    ("overview", &["records", "clients", "gap_ms", "store_bytes"]),
    ("steps", &["sessions"]),
    ("intervals", &["inter_step_ms", "inter_step_buckets"]),
    ("search_steps", &["search_steps"]),
    ("query_length", &["query_length"]),
    ("k", &["k"]),
    ("repetition", &["repetition"]),
    ("reformulation", &["reformulation"]),
    ("ctar_steps", &["ctar"]),
    ("ctar_sessions", &["ctar"]),
    ("ctar_evidence", &["ctar_evidence"]),
    ("by_intent", &["by_intent"]),
    ("top_queries", &["top_queries"]),
    ("refused", &["refused"]),
    ("endpoints", &["endpoints"]),
    ("statuses", &["endpoints"]),
];

/// Arguments of `driftless logs analyse`.
#[derive(Debug, Args)]
pub struct AnalyseArgs {
    #[command(flatten)]
    pub request: Request,
    /// table (aligned text), json (the full serde report) or csv (tidy: section,row,column,value).
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
    pub format: String,
    /// Only these sections (comma-separated): overview, steps, intervals, search_steps,
    /// query_length, k, repetition, reformulation, ctar_steps, ctar_sessions, ctar_evidence,
    /// by_intent, top_queries, refused, endpoints, statuses
    /// (also: sessions = steps, ctar = the three CTAR sections, latency = endpoints).
    #[arg(long, value_delimiter = ',')]
    pub section: Vec<String>,
    /// Rows shown per table in text output (CSV and JSON always have all).
    #[arg(long, default_value_t = 30)]
    pub max_rows: usize,
    /// Also write one wide CSV per section into this directory (`<section>.csv`).
    #[arg(long)]
    pub csv_dir: Option<PathBuf>,
}

fn selected(args: &AnalyseArgs) -> Result<Vec<&'static str>> {
    if args.section.is_empty() {
        return Ok(SECTIONS.iter().map(|(name, _)| *name).collect());
    }
    let mut wanted = Vec::new();
    for name in &args.section {
        let names: &[&str] = match name.trim() {
            "sessions" => &["steps"],
            "ctar" => &["ctar_steps", "ctar_sessions", "ctar_evidence"],
            "latency" => &["endpoints"],
            other => match SECTIONS.iter().find(|(n, _)| *n == other) {
                Some((n, _)) => std::slice::from_ref(n),
                None => anyhow::bail!(
                    "unknown section {other:?}; choose from: {}",
                    SECTIONS.map(|(n, _)| n).join(", ")
                ),
            },
        };
        wanted.extend_from_slice(names);
    }
    // Report order, each once.
    Ok(SECTIONS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| wanted.contains(n))
        .collect())
}

pub async fn run(args: &AnalyseArgs) -> Result<()> {
    let sections = selected(args)?;
    let (report, intent_rows) = analyse_stream::analyse(&args.request).await?;
    // The store's size on disk: a log on by default grows without bound (issue 20).
    let store_bytes = super::store_size(&args.request.selection.db).await;
    // Text output shows `max_rows` rows per table: the per-session table of a large log is
    // not built beyond that unless CSV asks for every row.
    let limit = (args.format == "table" && args.csv_dir.is_none()).then_some(args.max_rows);
    let mut tables: Vec<Table> = sections
        .iter()
        .filter(|s| **s != "by_intent" || intent_rows.is_some())
        .map(|s| match (*s, &intent_rows) {
            ("by_intent", Some(rows)) => super::paper_tables::by_intent(s, rows),
            _ => table(s, &report, limit),
        })
        .collect();
    if let (Some(t), Some(bytes)) = (
        tables.iter_mut().find(|t| t.section == "overview"),
        store_bytes,
    ) {
        t.row(vec![
            "store size".into(),
            crate::data_dir::human_bytes(bytes),
        ]);
    }
    if let Some(dir) = &args.csv_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for t in &tables {
            let path = dir.join(format!("{}.csv", t.section));
            let mut file = std::fs::File::create(&path)
                .with_context(|| format!("writing {}", path.display()))?;
            t.write_csv(&mut file)?;
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format.as_str() {
        "json" => {
            let keys = (!args.section.is_empty()).then(|| {
                SECTIONS
                    .iter()
                    .filter(|(n, _)| sections.contains(n))
                    .flat_map(|(_, keys)| keys.iter().copied())
                    .collect()
            });
            let json = JsonReport {
                report: &report,
                keys,
                by_intent: intent_rows
                    .as_deref()
                    .filter(|_| sections.contains(&"by_intent")),
                store_bytes: store_bytes.filter(|_| sections.contains(&"overview")),
            };
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        "csv" => write_tidy_csv(&tables, &mut out)?,
        _ => {
            for t in &tables {
                t.render(&mut out, args.max_rows)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
