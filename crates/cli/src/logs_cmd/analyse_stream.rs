//! `logs analyse` over a store of any size: opens what the command names and runs the
//! streamed analysis of driftless-console (rows decoded on this task, analysed on a worker
//! thread, memory bounded by open sessions and distinct values) behind a progress bar.
use std::path::Path;

use anyhow::{Context, Result};
use driftless_console::{AnalysisInputs, analyse_store};
use driftless_ingest::{Phase, Progress};
use driftless_querylog::analysis::{AnalysisConfig, IntentRow, Report};

use super::{ClientDisplay, LogSelection, shown};

/// What `logs analyse` and `logs report` ask of the analysis.
pub struct Request<'a> {
    pub selection: &'a LogSelection,
    pub display: &'a ClientDisplay,
    /// The snapshot that answered (evidence CTAR over delivered texts).
    pub snapshot: Option<&'a Path>,
    /// Split by the intents this model's cached labels give.
    pub intents_model: Option<&'a str>,
    /// Length of the top-query lists.
    pub top_n: usize,
}

/// Opens what `request` names, streams the selection through the analysis and shows the
/// per-session rows' clients as the other outputs do.
pub async fn analyse(request: &Request<'_>) -> Result<(Report, Option<Vec<IntentRow>>)> {
    let selection = request.selection;
    let snapshot = match request.snapshot {
        Some(dir) => Some(std::sync::Arc::new(driftless_index::Snapshot::open(dir)?)),
        None => None,
    };
    let intents = match request.intents_model {
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
        top_n: request.top_n,
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
