//! The analysis of a store of any size, shared by `driftless logs analyse|report` and the
//! console's dashboards: the store streams rows in canonical order on the calling task, a
//! worker thread runs the analysis, so decoding and analysing use both cores and memory
//! holds open sessions and distinct values, never the log.
use std::collections::HashMap;
use std::sync::mpsc::sync_channel;

use driftless_querylog::analysis::{Analyser, AnalysisConfig, IntentRow, Report};
use driftless_querylog::annotate::tasks;
use driftless_querylog::{LogRecord, LogStore, RecordFilter, Session};

use crate::ConsoleError;
use crate::evidence::SnapshotEvidence;

/// Records per hand-over to the analysis thread (amortises the channel).
const BATCH: usize = 512;
/// Batches in flight: bounds what decoding may run ahead of analysis.
const IN_FLIGHT: usize = 32;
/// Distinct normal forms the top-query counter keeps in memory before it spills.
const TOP_QUERIES_IN_MEMORY: usize = 1_000_000;

/// What the analysis needs besides the rows.
#[derive(Debug)]
pub struct AnalysisInputs {
    /// Session gap and top-list length.
    pub config: AnalysisConfig,
    /// The snapshot that answered, for the evidence CTAR over delivered texts.
    pub snapshot: Option<std::sync::Arc<driftless_index::Snapshot>>,
    /// `(model, cache key → label)` when intents were asked for.
    pub intents: Option<(String, HashMap<String, String>)>,
}

/// The label `model` gave trajectory `t`'s intent task, if cached.
pub fn intent_of(t: &Session, model: &str, labels: &HashMap<String, String>) -> Option<String> {
    tasks(std::slice::from_ref(t))
        .into_iter()
        .find(|task| task.kind == "intent")
        .and_then(|task| labels.get(&task.cache_key(model)).cloned())
}

/// The reformulation labels `model` gave trajectory `t`, by query step (2, 3, …), if cached.
pub fn reformulation_labels(
    t: &Session,
    model: &str,
    labels: &HashMap<String, String>,
) -> std::collections::BTreeMap<usize, String> {
    tasks(std::slice::from_ref(t))
        .into_iter()
        .filter(|task| task.kind == "reformulation")
        .filter_map(|task| Some((task.step, labels.get(&task.cache_key(model))?.clone())))
        .collect()
}

/// Streams the records of `store` under `filter` through the analysis on a worker thread;
/// `progress` hears how many records were handed over, batch by batch.
pub async fn analyse_store(
    store: &LogStore,
    filter: &RecordFilter,
    inputs: AnalysisInputs,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(Report, Option<Vec<IntentRow>>), ConsoleError> {
    // One GROUP BY first, so explicit sessions close at their last record.
    let sizes = store.hinted_sizes(filter).await?;
    let (tx, rx) = sync_channel::<Vec<LogRecord>>(IN_FLIGHT);
    let worker = std::thread::Builder::new()
        .name("analyse".into())
        .spawn(move || {
            let AnalysisInputs {
                config,
                snapshot,
                intents,
            } = inputs;
            // The evidence CTAR runs on a third thread: with decoding here, the per-session
            // tallies and the evidence each take about a third of the work.
            let evidence = Box::new(SnapshotEvidence::new(snapshot));
            let mut analyser = Analyser::new(&config, Some(sizes))
                .with_evidence_thread(evidence)?
                .spill_top_queries_at(TOP_QUERIES_IN_MEMORY);
            if let Some((model, labels)) = intents {
                analyser = analyser.with_intents(Box::new(move |t| intent_of(t, &model, &labels)));
            }
            for batch in rx {
                batch.into_iter().for_each(|r| analyser.push(r));
            }
            analyser.finish()
        })
        .map_err(|e| ConsoleError::Analysis(format!("starting the analysis thread: {e}")))?;

    let mut batch = Vec::with_capacity(BATCH);
    let mut worker_gone = false;
    let streamed = store
        .for_each_canonical(filter, &mut |record| {
            batch.push(record);
            if batch.len() == BATCH && !worker_gone {
                progress(BATCH as u64);
                // A send fails only when the worker has stopped (it panicked); its join
                // below says why.
                worker_gone = tx.send(std::mem::take(&mut batch)).is_err();
            }
            Ok(())
        })
        .await;
    if !worker_gone && !batch.is_empty() {
        progress(batch.len() as u64);
        let _ = tx.send(batch);
    }
    drop(tx);
    streamed?;
    worker
        .join()
        .map_err(|_| ConsoleError::Analysis("the analysis thread panicked".into()))?
        .map_err(|e| ConsoleError::Analysis(format!("counting top queries (temporary files): {e}")))
}
