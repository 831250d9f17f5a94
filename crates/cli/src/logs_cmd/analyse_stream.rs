//! `logs analyse` over a store of any size: the store streams rows in canonical order on
//! this task, a worker thread runs the analysis, so decoding and analysing use both cores
//! and memory holds open sessions and distinct values, never the log.
use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use anyhow::{Context, Result, anyhow};
use driftless_ingest::{Phase, Progress};
use driftless_querylog::analysis::{Analyser, AnalysisConfig, IntentRow, Report};
use driftless_querylog::annotate::tasks;
use driftless_querylog::{LogRecord, Session};

use super::evidence::SnapshotEvidence;
use super::{ClientDisplay, LogSelection, shown};

/// Records per hand-over to the analysis thread (amortises the channel).
const BATCH: usize = 512;
/// Batches in flight: bounds what decoding may run ahead of analysis.
const IN_FLIGHT: usize = 32;
/// Distinct normal forms the top-query counter keeps in memory before it spills.
const TOP_QUERIES_IN_MEMORY: usize = 1_000_000;

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

/// What the analysis thread needs besides the rows.
struct Inputs {
    config: AnalysisConfig,
    snapshot: Option<driftless_index::Snapshot>,
    /// `(model, cache key → label)` when intents were asked for.
    intents: Option<(String, HashMap<String, String>)>,
}

/// The label `model` gave trajectory `t`'s intent task, if cached.
fn intent_of(t: &Session, model: &str, labels: &HashMap<String, String>) -> Option<String> {
    tasks(std::slice::from_ref(t))
        .into_iter()
        .find(|task| task.kind == "intent")
        .and_then(|task| labels.get(&task.cache_key(model)).cloned())
}

/// Opens what `request` names, streams the selection through the analysis and shows the
/// per-session rows' clients as the other outputs do.
pub async fn analyse(request: &Request<'_>) -> Result<(Report, Option<Vec<IntentRow>>)> {
    let selection = request.selection;
    let snapshot = match request.snapshot {
        Some(dir) => Some(driftless_index::Snapshot::open(dir)?),
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
    let inputs = Inputs {
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

/// Streams the selection through the analysis on a worker thread.
async fn stream(
    selection: &LogSelection,
    inputs: Inputs,
) -> Result<(Report, Option<Vec<IntentRow>>)> {
    let store = super::open_store(&selection.db, false).await?;
    let filter = selection.filter();
    let context = || format!("reading the query log {}", shown(&selection.db));
    // One GROUP BY first, so explicit sessions close at their last record.
    let sizes = store.hinted_sizes(&filter).await.with_context(context)?;
    let total = store.count().await.ok();

    let (tx, rx) = sync_channel::<Vec<LogRecord>>(IN_FLIGHT);
    let worker = std::thread::Builder::new()
        .name("analyse".into())
        .spawn(move || {
            let Inputs {
                config,
                snapshot,
                intents,
            } = inputs;
            let mut evidence = SnapshotEvidence::new(snapshot);
            let mut analyser = Analyser::new(&config, Some(sizes))
                .with_evidence(&mut evidence)
                .spill_top_queries_at(TOP_QUERIES_IN_MEMORY);
            if let Some((model, labels)) = intents {
                analyser = analyser.with_intents(Box::new(move |t| intent_of(t, &model, &labels)));
            }
            for batch in rx {
                batch.into_iter().for_each(|r| analyser.push(r));
            }
            analyser.finish()
        })
        .context("starting the analysis thread")?;

    let mut phase = Phase::start(Progress::Auto, "analysing", total);
    let mut batch = Vec::with_capacity(BATCH);
    let mut worker_gone = false;
    let streamed = store
        .for_each_canonical(&filter, &mut |record| {
            batch.push(record);
            if batch.len() == BATCH && !worker_gone {
                phase.inc(BATCH as u64);
                // A send fails only when the worker has stopped (it panicked); its join
                // below says why.
                worker_gone = tx.send(std::mem::take(&mut batch)).is_err();
            }
            Ok(())
        })
        .await;
    if !worker_gone && !batch.is_empty() {
        phase.inc(batch.len() as u64);
        let _ = tx.send(batch);
    }
    drop(tx);
    phase.finish();
    store.close().await;
    streamed.with_context(context)?;
    let (report, intents) = worker
        .join()
        .map_err(|_| anyhow!("the analysis thread panicked"))?
        .context("counting top queries (temporary files)")?;
    tracing::info!(records = report.records, db = %shown(&selection.db), "query log analysed");
    Ok((report, intents))
}
