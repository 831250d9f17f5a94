//! The evidence CTAR on a thread of its own ([`super::Analyser::with_evidence_thread`]).
//!
//! Analysing delivered evidence (every title, snippet and rebuilt text of every result) is
//! most of the analysis's work, and it needs nothing from the other tallies: so closed
//! trajectories are *moved* (not copied) to this thread once the other tallies are done
//! with them, and the two halves run on two cores. The thread sees the trajectories in
//! the order the analyser closed them, so its tallies equal those of the one-thread pass.
use std::collections::BTreeMap;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::evidence::{EvidenceSource, EvidenceTally};
use crate::session::Session;

/// Trajectories sent to the thread at once.
const BATCH: usize = 256;
/// Batches in flight: bounds the memory of trajectories waiting for the thread.
const IN_FLIGHT: usize = 8;

/// What the thread tallied: the whole log, and each intent label apart (when asked).
pub(crate) struct EvidenceOutput {
    pub tally: EvidenceTally,
    pub by_intent: BTreeMap<String, EvidenceTally>,
    pub kind: &'static str,
}

/// A trajectory, and its intent label when intents are asked for (`Some(None)`:
/// unlabelled).
type Item = (Session, Option<Option<String>>);

/// The sending side; [`EvidenceWorker::finish`] joins the thread.
pub(crate) struct EvidenceWorker {
    tx: SyncSender<Vec<Item>>,
    batch: Vec<Item>,
    handle: JoinHandle<EvidenceOutput>,
}

impl std::fmt::Debug for EvidenceWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceWorker")
            .field("queued", &self.batch.len())
            .finish_non_exhaustive()
    }
}

impl EvidenceWorker {
    /// Starts the thread. Trajectories sent with a label are also tallied per label
    /// (unlabelled ones under [`super::UNLABELLED`]).
    pub fn spawn(mut source: Box<dyn EvidenceSource + Send>) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel::<Vec<Item>>(IN_FLIGHT);
        let handle = std::thread::Builder::new()
            .name("evidence".into())
            .spawn(move || {
                let mut tally = EvidenceTally::default();
                let mut groups: BTreeMap<String, EvidenceTally> = BTreeMap::new();
                for (session, label) in rx.into_iter().flatten() {
                    tally.add(&session, &mut *source);
                    if let Some(label) = label {
                        let label = label.unwrap_or_else(|| super::UNLABELLED.to_string());
                        groups.entry(label).or_default().add(&session, &mut *source);
                    }
                }
                EvidenceOutput {
                    tally,
                    by_intent: groups,
                    kind: source.evidence_kind(),
                }
            })?;
        Ok(Self {
            tx,
            batch: Vec::with_capacity(BATCH),
            handle,
        })
    }

    /// Queues one trajectory (with its intent label, when intents are asked for).
    pub fn push(&mut self, session: Session, label: Option<Option<String>>) {
        self.batch.push((session, label));
        if self.batch.len() == BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        // A send fails only when the thread has stopped (it panicked); `finish` says so.
        let _ = self.tx.send(std::mem::take(&mut self.batch));
    }

    /// Sends what is queued, waits for the thread and returns its tallies.
    pub fn finish(mut self) -> std::io::Result<EvidenceOutput> {
        self.flush();
        let Self { tx, handle, .. } = self;
        drop(tx);
        handle
            .join()
            .map_err(|_| std::io::Error::other("the evidence CTAR thread panicked"))
    }
}
