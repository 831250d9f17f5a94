//! `driftless logs report --out DIR`: the analysis as a folder a browser opens —
//! `index.html` with the figures (SVG, drawn by driftless-console's `figures`), `report.json` (what
//! `logs analyse --format json` prints) and one CSV per section.
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use driftless_querylog::analysis::{IntentRow, Report};

use super::analyse_json::JsonReport;
use super::analyse_stream::{self, Request};
use super::report_tables::table;
use super::table::Table;
use driftless_console::figures::{Figure, figures};

/// Arguments of `driftless logs report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub request: Request,
    /// Folder to write (created if missing; files of an earlier report are replaced).
    #[arg(long)]
    pub out: PathBuf,
}

/// Tables shown on the page (each also written as `<section>.csv`).
const PAGE_TABLES: [&str; 5] = [
    "overview",
    "search_steps",
    "ctar_evidence",
    "top_queries",
    "endpoints",
];
/// Every section written as CSV.
const CSV_SECTIONS: [&str; 14] = [
    "overview",
    "steps",
    "intervals",
    "search_steps",
    "query_length",
    "k",
    "repetition",
    "reformulation",
    "ctar_steps",
    "ctar_sessions",
    "ctar_evidence",
    "top_queries",
    "refused",
    "endpoints",
];

pub async fn run(args: &ReportArgs) -> Result<()> {
    let (report, intent_rows) = analyse_stream::analyse(&args.request).await?;
    let out = &args.out;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        let path = out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    let figures = figures(&report, intent_rows.as_deref())?;
    for f in &figures {
        write(f.file, f.svg.as_bytes())?;
    }
    let mut tables = Vec::new();
    for section in CSV_SECTIONS {
        let t = table(section, &report, None);
        let mut csv = Vec::new();
        t.write_csv(&mut csv)?;
        write(&format!("{section}.csv"), &csv)?;
        tables.push(t);
    }
    let json = JsonReport {
        report: &report,
        keys: None,
        by_intent: intent_rows.as_deref(),
        store_bytes: None,
    };
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(out.join("report.json")).context("writing report.json")?,
    );
    serde_json::to_writer_pretty(&mut file, &json)?;
    file.flush()?;
    write(
        "index.html",
        page(&report, intent_rows.as_deref(), &figures, &tables).as_bytes(),
    )?;
    eprintln!(
        "wrote {} (index.html, {} figures, {} CSV files, report.json)",
        out.display(),
        figures.len(),
        tables.len()
    );
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An HTML table of at most 25 rows.
fn html_table(t: &Table) -> String {
    let mut html = format!("<h3>{}</h3>\n<table>\n<tr>", escape(&t.title));
    for h in &t.headers {
        let _ = write!(html, "<th>{}</th>", escape(h));
    }
    html.push_str("</tr>\n");
    for row in t.rows.iter().take(25) {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{}</td>", escape(cell));
        }
        html.push_str("</tr>\n");
    }
    let more = t.rows.len().saturating_sub(25);
    if more > 0 {
        let _ = writeln!(
            html,
            "<tr><td colspan=\"{}\">… {more} more rows in {}.csv</td></tr>",
            t.headers.len(),
            t.section
        );
    }
    html.push_str("</table>\n");
    html
}

fn page(r: &Report, intents: Option<&[IntentRow]>, figures: &[Figure], tables: &[Table]) -> String {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <title>driftless query-log report</title>\n<style>\n\
         body{font-family:sans-serif;margin:24px;max-width:1520px;color:#222}\n\
         .figs{display:flex;flex-wrap:wrap;gap:16px}\n\
         figure{margin:0;border:1px solid #ddd;padding:8px;background:#fff}\n\
         figcaption{font-size:14px;color:#555;max-width:720px}\n\
         table{border-collapse:collapse;margin-bottom:16px;font-size:13px}\n\
         td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}\n\
         </style></head><body>\n",
    );
    let _ = write!(
        html,
        "<h1>Query-log report</h1>\n<p>{} requests from {} clients in {} sessions ({} with \
         x-session-id); inactivity gap {} s. Multi-turn sessions with at most 10 search steps: \
         {}; search intervals under one minute: {}.</p>\n",
        r.records,
        r.clients,
        r.sessions.sessions,
        r.sessions.explicit,
        r.gap_ms / 1000,
        pct(r.search_steps.multi_turn_at_most_10_steps),
        pct(r.search_steps.intervals_under_1_min),
    );
    if let Some(e) = &r.ctar_evidence {
        let _ = writeln!(
            html,
            "<p>CTAR (evidence: {}): {} overall, {} of adopted terms came from earlier steps only.</p>",
            e.evidence,
            pct(e.overall),
            pct(e.earlier_share)
        );
    }
    if let Some(rows) = intents {
        let _ = writeln!(
            html,
            "<p>Intents: {}.</p>",
            rows.iter()
                .map(|row| format!("{} ({} sessions)", escape(&row.intent), row.sessions))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    html.push_str("<div class=\"figs\">\n");
    for f in figures {
        let _ = writeln!(
            html,
            "<figure><img src=\"{}\" width=\"720\" height=\"420\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            f.file,
            escape(&f.title),
            escape(&f.title)
        );
    }
    html.push_str("</div>\n<h2>Tables</h2>\n");
    for t in tables.iter().filter(|t| PAGE_TABLES.contains(&t.section)) {
        html.push_str(&html_table(t));
    }
    html.push_str("<p>Every section as CSV: ");
    for t in tables {
        let _ = write!(html, "<a href=\"{0}.csv\">{0}.csv</a> ", t.section);
    }
    html.push_str(
        "· the whole report: <a href=\"report.json\">report.json</a>.</p>\n</body></html>\n",
    );
    html
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", v * 100.0))
}
