//! `driftless logs sessions`: one line per session, recomputed from the raw rows.
use std::io::Write;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::table::{Table, secs, utc};
use super::{ClientDisplay, LogSelection};

/// Arguments of `driftless logs sessions`.
#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[command(flatten)]
    pub selection: LogSelection,
    #[command(flatten)]
    pub display: ClientDisplay,
    /// table, json (one array) or csv (one wide table).
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
    pub format: String,
    /// Rows shown in text output.
    #[arg(long, default_value_t = 100)]
    pub max_rows: usize,
}

/// One listed session. `id` is what `driftless replay --sessions` accepts.
#[derive(Debug, Serialize)]
struct SessionRow {
    id: String,
    client: String,
    kind: &'static str,
    steps: usize,
    queries: usize,
    start_ms: i64,
    start: String,
    duration_ms: u64,
}

pub async fn run(args: &SessionsArgs) -> Result<()> {
    // Sessions stream from the store as they close: memory holds one row per session.
    let mut keyed: Vec<(i64, String, SessionRow)> = Vec::new();
    let records = args
        .selection
        .for_each_session(&mut |s| {
            let row = SessionRow {
                id: args.display.session_id(&s.id, &s.client),
                client: args.display.client(&s.client),
                kind: match s.kind {
                    driftless_querylog::SessionKind::Explicit => "explicit",
                    driftless_querylog::SessionKind::Gap => "gap",
                },
                steps: s.steps(),
                queries: s.records.iter().filter(|r| r.query.is_some()).count(),
                start_ms: s.start_ms,
                start: utc(s.start_ms),
                duration_ms: (s.end_ms - s.start_ms).unsigned_abs(),
            };
            keyed.push((s.start_ms, s.id, row));
            Ok(())
        })
        .await?;
    // `sessionize`'s order: by start, then by session id.
    keyed.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let rows: Vec<SessionRow> = keyed.into_iter().map(|(_, _, row)| row).collect();
    let mut out = std::io::stdout().lock();
    if args.format == "json" {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    let title = format!(
        "{} sessions over {} requests (gap {} s)",
        rows.len(),
        records,
        secs(u64::try_from(args.selection.gap.as_millis()).unwrap_or(u64::MAX))
    );
    let headers = [
        "id",
        "client",
        "kind",
        "steps",
        "queries",
        "start",
        "duration_s",
    ];
    let cells = rows.iter().map(|r| {
        vec![
            r.id.clone(),
            r.client.clone(),
            r.kind.to_string(),
            r.steps.to_string(),
            r.queries.to_string(),
            r.start.clone(),
            secs(r.duration_ms),
        ]
    });
    let table = Table::with_rows("sessions", title, &headers, cells);
    if args.format == "csv" {
        table.write_csv(&mut out)?;
    } else {
        table.render(&mut out, args.max_rows)?;
    }
    Ok(())
}
