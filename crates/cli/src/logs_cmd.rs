//! `driftless logs …`: analyse, list, export and import the query log that `serve` writes.
//!
//! Every subcommand reads the store with [`open_store`], applies the time window, and
//! recomputes sessions from the raw rows (sessions are never stored, so any `--gap` works on
//! any log). Clients are shown as their salted hash unless `--clear-clients` is given, so
//! output can be pasted into an issue or a paper without leaking API keys or addresses.
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use driftless_querylog::{
    LogRecord, LogStore, RecordFilter, Session, anonymize_client, parse_time,
};

mod analyse;
mod analyse_json;
mod analyse_stream;
mod annotate;
mod evaluate;
mod generate;
mod paper_tables;
mod report;
mod report_tables;
mod sessions;
mod table;

pub use table::{Table, rate};
mod transfer;

/// `driftless logs` subcommands.
#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Sessions, steps, intervals, query length, k, repetition, reformulation, CTAR,
    /// top queries, endpoint mix and latency.
    Analyse(analyse::AnalyseArgs),
    /// List sessions: id, client (hashed), steps, start, duration.
    Sessions(sessions::SessionsArgs),
    /// Label session intents and reformulation types with an LLM behind an OpenAI-compatible
    /// endpoint (temperature 0; labels cached in the store, so a rerun asks nothing).
    Annotate(annotate::AnnotateArgs),
    /// Agent-level evaluation: per topic (= x-session-id) search and fetch calls, the step
    /// each gold document was retrieved and fetched, evidence recall; with --answers,
    /// accuracy by number of calls and citation precision/recall.
    Evaluate(evaluate::EvaluateArgs),
    /// Write the log with anonymised clients, as JSONL or Parquet.
    Export(transfer::ExportArgs),
    /// Load our JSONL export or a public query log (JSONL, TSV, CSV) into a store.
    Import(transfer::ImportArgs),
    /// Write the analysis as a folder a browser opens: index.html with figures (SVG),
    /// report.json and one CSV per section.
    Report(report::ReportArgs),
    /// Write a synthetic log with agent-like session shapes (for benchmarks; not real
    /// traffic): `logs generate --requests N | logs import --db D --in -`.
    Generate(generate::GenerateArgs),
}

/// Runs one `logs` subcommand on a private single-threaded runtime (the work is one
/// sequential read of the store followed by pure computation).
pub fn run(command: &LogsCommand) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match command {
            LogsCommand::Analyse(args) => analyse::run(args).await,
            LogsCommand::Sessions(args) => sessions::run(args).await,
            LogsCommand::Evaluate(args) => evaluate::run(args).await,
            LogsCommand::Annotate(args) => annotate::run(args).await,
            LogsCommand::Export(args) => transfer::export(args).await,
            LogsCommand::Import(args) => transfer::import(args).await,
            LogsCommand::Generate(args) => generate::run(args),
            LogsCommand::Report(args) => report::run(args).await,
        }
    })
}

/// Which store and which part of it: shared by every command that reads the log.
#[derive(Debug, Clone, Args)]
pub struct LogSelection {
    /// Query-log store: the SQLite file `serve` wrote, or a postgres:// URL. Default: the one
    /// `serve` writes by default, querylog.sqlite in the data directory.
    #[arg(long, env = "DRIFTLESS_LOG_DB", default_value_t = default_db())]
    pub db: String,
    /// Only requests at or after this time (RFC 3339, a date, or Unix s/ms).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<i64>,
    /// Only requests before this time (same forms as --since).
    #[arg(long, value_parser = parse_time)]
    pub until: Option<i64>,
    /// Inactivity gap that splits a client's requests into sessions (when the agent sent
    /// no x-session-id): e.g. 300s, 5m, 1h, 1500ms; a bare number is seconds.
    #[arg(long, default_value = "5m", value_parser = parse_gap)]
    pub gap: Duration,
}

/// Bytes the store at `db` takes (`None` when it cannot be measured; the report goes on).
pub async fn store_size(db: &str) -> Option<u64> {
    let store = open_store(db, false).await.ok()?;
    let size = store.size_bytes().await.ok();
    store.close().await;
    size
}

/// `serve`'s default store, or a placeholder that the "not found" error then names.
fn default_db() -> String {
    crate::data_dir::default_log_db_for_reading()
        .unwrap_or_else(|_| "$DRIFTLESS_DATA_DIR/querylog.sqlite".into())
}

impl LogSelection {
    /// The store filter of the selection.
    pub fn filter(&self) -> RecordFilter {
        RecordFilter {
            since_ms: self.since,
            until_ms: self.until,
            ..RecordFilter::default()
        }
    }

    /// Opens the store and calls `each` with every selected record in canonical order,
    /// holding one at a time (the way to read a log larger than memory).
    pub async fn for_each(
        &self,
        each: &mut (dyn FnMut(LogRecord) -> driftless_querylog::Result<()> + Send),
    ) -> Result<()> {
        let store = open_store(&self.db, false).await?;
        store
            .for_each_canonical(&self.filter(), each)
            .await
            .with_context(|| format!("reading the query log {}", shown(&self.db)))?;
        store.close().await;
        Ok(())
    }

    /// Opens the store and calls `each` with every session of the selection as it closes
    /// (see `LogStore::for_each_session`); returns the number of records read.
    pub async fn for_each_session(
        &self,
        each: &mut (dyn FnMut(Session) -> driftless_querylog::Result<()> + Send),
    ) -> Result<u64> {
        let store = open_store(&self.db, false).await?;
        let records = store
            .for_each_session(&self.filter(), self.gap, each)
            .await
            .with_context(|| format!("reading the query log {}", shown(&self.db)))?;
        store.close().await;
        Ok(records)
    }

    /// Opens the store and reads the selected records in canonical order.
    pub async fn read(&self) -> Result<Vec<LogRecord>> {
        let store = open_store(&self.db, false).await?;
        let filter = self.filter();
        let records = store
            .read_all(&filter)
            .await
            .with_context(|| format!("reading the query log {}", shown(&self.db)))?;
        store.close().await;
        tracing::info!(records = records.len(), db = %shown(&self.db), "query log read");
        Ok(records)
    }
}

/// How clients appear in output.
#[derive(Debug, Clone, Args)]
pub struct ClientDisplay {
    /// Salt of the client hash (keep it secret and constant per dataset).
    #[arg(
        long,
        env = "DRIFTLESS_LOG_SALT",
        default_value = "",
        hide_env_values = true
    )]
    pub salt: String,
    /// Show clients as stored (API key id, x-client-id or address) instead of hashed.
    #[arg(long)]
    pub clear_clients: bool,
}

impl ClientDisplay {
    /// A client as shown.
    pub fn client(&self, client: &str) -> String {
        if self.clear_clients {
            client.to_string()
        } else {
            anonymize_client(&self.salt, client)
        }
    }

    /// A session id (`<client>|hint:…` or `<client>|gap:n`) with its client part as shown.
    pub fn session_id(&self, id: &str, client: &str) -> String {
        match id.strip_prefix(client) {
            Some(rest) => format!("{}{rest}", self.client(client)),
            None => id.to_string(),
        }
    }
}

/// Opens a store for reading (`create = false`: a missing SQLite file is an error rather
/// than a new empty log) or for writing.
pub async fn open_store(target: &str, create: bool) -> Result<LogStore> {
    let postgres = target.starts_with("postgres://") || target.starts_with("postgresql://");
    if !postgres && !create {
        let path = target
            .strip_prefix("sqlite://")
            .or_else(|| target.strip_prefix("sqlite:"))
            .unwrap_or(target);
        if !Path::new(path).is_file() {
            bail!(
                "no query log at {path}: pass --db with the file `driftless serve --log-db` wrote \
                 (default driftless-querylog.sqlite in serve's working directory) or a postgres:// URL"
            );
        }
    }
    LogStore::connect(target).await.with_context(|| {
        if postgres {
            format!(
                "cannot reach the query log {}: is Postgres running and the database created? \
                 (check host, port, user and database name in the URL)",
                shown(target)
            )
        } else {
            format!("cannot open the query log {target}: check the path and its permissions")
        }
    })
}

/// A store target fit for messages: the password of a URL removed.
pub fn shown(target: &str) -> String {
    match (target.find("://"), target.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = target[scheme + 3..at].split(':').next().unwrap_or("");
            format!("{}{user}@{}", &target[..scheme + 3], &target[at + 1..])
        }
        _ => target.to_string(),
    }
}

/// `300s`, `5m`, `1h`, `1500ms`, or a bare number of seconds.
pub fn parse_gap(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("bad duration {text:?}; use e.g. 300s, 5m, 1h or 1500ms"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}; use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("bad duration {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_and_targets() {
        assert_eq!(parse_gap("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_gap("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_gap("1500ms"), Ok(Duration::from_millis(1500)));
        assert!(parse_gap("5 parsecs").is_err());
        assert_eq!(shown("postgres://u:pw@h/db"), "postgres://u@h/db");
        let display = ClientDisplay {
            salt: "s".into(),
            clear_clients: false,
        };
        let hashed = display.session_id("A|gap:2", "A");
        assert_eq!(hashed, format!("{}|gap:2", anonymize_client("s", "A")));
    }
}
