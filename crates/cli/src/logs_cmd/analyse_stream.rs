//! `logs analyse` over a store of any size: the store streams rows in canonical order on
//! this task, a worker thread runs the analysis, so decoding and analysing use both cores
//! and memory holds open sessions and distinct values, never the log.
use std::collections::HashMap;
use std::sync::mpsc::sync_channel;

use anyhow::{Context, Result, anyhow};
use driftless_ingest::{Phase, Progress};
use driftless_querylog::analysis::{Analyser, AnalysisConfig, IntentRow, Report};
use driftless_querylog::annotate::tasks;
use driftless_querylog::{LogRecord, Session};

use super::evidence::SnapshotEvidence;
use super::{LogSelection, shown};

/// Records per hand-over to the analysis thread (amortises the channel).
const BATCH: usize = 512;
/// Batches in flight: bounds what decoding may run ahead of analysis.
const IN_FLIGHT: usize = 32;
/// Distinct normal forms the top-query counter keeps in memory before it spills.
const TOP_QUERIES_IN_MEMORY: usize = 1_000_000;

/// What the analysis needs besides the rows.
pub struct Inputs {
    pub config: AnalysisConfig,
    pub snapshot: Option<driftless_index::Snapshot>,
    /// `(model, cache key → label)` when intents were asked for.
    pub intents: Option<(String, HashMap<String, String>)>,
}

/// The label `model` gave trajectory `t`'s intent task, if cached.
fn intent_of(t: &Session, model: &str, labels: &HashMap<String, String>) -> Option<String> {
    tasks(std::slice::from_ref(t))
        .into_iter()
        .find(|task| task.kind == "intent")
        .and_then(|task| labels.get(&task.cache_key(model)).cloned())
}

/// Streams the selection through the analysis.
pub async fn analyse(
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
