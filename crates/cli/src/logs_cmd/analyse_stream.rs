//! `logs analyse` over a store of any size: opens what the command names and runs the
//! streamed analysis of driftless-console (rows decoded on this task, analysed on a worker
//! thread, memory bounded by open sessions and distinct values) behind a progress bar.
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use driftless_console::{AnalysisInputs, analyse_store};
use driftless_ingest::{Phase, Progress};
use driftless_querylog::analysis::{AnalysisConfig, IntentRow, Report};

use super::{ClientDisplay, LogSelection, shown};

/// What `logs analyse` and `logs report` ask of the analysis: their shared arguments.
#[derive(Debug, Args)]
pub struct Request {
    #[command(flatten)]
    pub selection: LogSelection,
    #[command(flatten)]
    pub display: ClientDisplay,
    /// The snapshot that answered the logged requests: the evidence CTAR then also counts
    /// the passage texts, raw content and fetched windows the clients received, rebuilt
    /// from it (records of other snapshots keep titles and snippets only).
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// Split repetition and CTAR by session intent, with the intents `logs annotate
    /// --model M` cached in the store (sessions it has not labelled are `unlabelled`).
    #[arg(long, value_name = "M")]
    pub intents_model: Option<String>,
    /// Length of the top-queries list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

/// Opens what `request` names, streams the selection through the analysis and shows the
/// per-session rows' clients as the other outputs do.
pub async fn analyse(request: &Request) -> Result<(Report, Option<Vec<IntentRow>>)> {
    let selection = &request.selection;
    let snapshot = match request.snapshot.as_deref() {
        Some(dir) => Some(std::sync::Arc::new(driftless_index::Snapshot::open(dir)?)),
        None => None,
    };
    let intents = match request.intents_model.as_deref() {
        Some(model) => {
            let store = super::open_store(&selection.db, false).await?;
            let labels = store.cached_labels(model).await?;
            store.close().await;
            Some((model.to_string(), labels))
        }
        None => None,
    };
    let config = AnalysisConfig {
        gap: selection.gap,
        top_n: request.top,
    };
    let inputs = AnalysisInputs {
        config,
        snapshot,
        intents,
    };
    let (mut report, intents) = stream(selection, inputs).await?;
    if !request.display.clear_clients {
        // Session ids start with the client; the owner comes from the session itself, not
        // from parsing ids (clients may contain `|`).
        for row in &mut report.ctar.by_session {
            row.session_id = request.display.session_id(&row.session_id, &row.client);
        }
    }
    Ok((report, intents))
}

/// Streams the selection through the analysis (driftless-console's `analyse_store`) with a
/// progress bar.
async fn stream(
    selection: &LogSelection,
    inputs: AnalysisInputs,
) -> Result<(Report, Option<Vec<IntentRow>>)> {
    let store = super::open_store(&selection.db, false).await?;
    let filter = selection.filter();
    let total = store.count().await.ok();
    let mut phase = Phase::start(Progress::Auto, "analysing", total);
    let outcome = analyse_store(&store, &filter, inputs, &mut |n| phase.inc(n)).await;
    phase.finish();
    store.close().await;
    let (report, intents) =
        outcome.with_context(|| format!("reading the query log {}", shown(&selection.db)))?;
    tracing::info!(records = report.records, db = %shown(&selection.db), "query log analysed");
    Ok((report, intents))
}
