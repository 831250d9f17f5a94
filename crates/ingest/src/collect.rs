//! Reading the corpus into sorted runs on disk, counting what is skipped and why.
//!
//! Memory is bounded by the run budget, not the corpus: documents are buffered until the
//! budget is reached, then sorted by doc_id and spilled (spill.rs). The merge (merge.rs)
//! gives them back in the doc_id order that makes two builds of the same corpus rank
//! identically, whatever the reader's order, the shard layout or the thread count.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};

use driftless_corpus::{
    Document, Format, HeuristicTokenCounter, ReadItem, SplitterConfig, open_corpus, split_passages,
};

use crate::progress::Phase;
use crate::spill::{Record, run_path, write_run};
use crate::{BuildOptions, IngestError};

/// Skipped sources kept per reason for the summary.
const EXAMPLES_PER_REASON: usize = 5;
/// Items in flight between the reader thread and the spiller.
const READ_AHEAD: usize = 1024;

/// Records read and skipped, by reason.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub read: u64,
    pub skipped: BTreeMap<String, u64>,
    pub skipped_examples: BTreeMap<String, Vec<String>>,
}

impl Tally {
    pub fn skip(&mut self, reason: &str, source: String) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
        let examples = self.skipped_examples.entry(reason.to_string()).or_default();
        if examples.len() < EXAMPLES_PER_REASON {
            examples.push(source);
        }
    }
}

/// The corpus as sorted runs.
#[derive(Debug)]
pub(crate) struct Spilled {
    pub format: Format,
    pub runs: Vec<PathBuf>,
    /// Documents written to the runs (before duplicates are dropped).
    pub records: u64,
    pub tally: Tally,
    /// Every record is one passage spanning its whole text, so a passage index would hold
    /// the document index's content again (write.rs then writes one index for both units).
    pub whole_passages: bool,
}

/// Whether `doc` splits into exactly one passage covering its whole text: its passage's
/// content is then its document's content, token for token.
fn is_whole_passage(doc: &Document, splitter: &SplitterConfig) -> bool {
    if doc.text.trim().len() != doc.text.len() {
        return false; // passages never start or end with whitespace
    }
    let spans = split_passages(&doc.text, splitter, &HeuristicTokenCounter);
    matches!(spans.as_slice(), [only] if only.byte_start == 0 && only.byte_end == doc.text.len())
}

/// Reads every record into sorted runs under `work`. With two or more threads the corpus
/// is read (parsed, HTML extracted) on its own thread, this one buffers and checks records,
/// and a third sorts and writes each full run while the next one fills: the reader never
/// waits for a sort. That holds two runs in memory at the peak instead of one; the build's
/// peak is the indexing phase's, well above two runs, so it does not grow.
pub(crate) fn spill(options: &BuildOptions, work: &Path) -> Result<Spilled, IngestError> {
    // With a second core, compressed shards are inflated on a thread of their own: the
    // reader thread was the reading phase's bound, a third of it gzip (benches/README.md).
    let reader = driftless_corpus::ReaderOptions {
        prefetch: options.reader.prefetch || options.threads > 1,
        ..options.reader.clone()
    };
    let corpus = open_corpus(&options.corpus, options.format, &reader)?;
    let mut spiller = Spiller {
        work,
        budget: options.run_bytes.max(1 << 20),
        splitter: SplitterConfig {
            max_tokens: options.passage_max_tokens as usize,
        },
        buffer: Vec::new(),
        buffered: 0,
        writer: None,
        spilled: Spilled {
            format: corpus.format(),
            runs: Vec::new(),
            records: 0,
            tally: Tally::default(),
            whole_passages: true,
        },
        phase: Phase::start(options.progress, "reading", corpus.len_hint()),
    };
    if options.threads <= 1 {
        for item in corpus {
            spiller.take(item)?;
        }
        spiller.flush()?;
    } else {
        std::thread::scope(|scope| -> Result<(), IngestError> {
            let (tx, rx) = sync_channel::<ReadItem>(READ_AHEAD);
            scope.spawn(move || {
                for item in corpus {
                    if tx.send(item).is_err() {
                        break; // the spiller failed; its error is reported
                    }
                }
            });
            // A rendezvous channel: a full run waits here until the previous one is
            // written, so at most two runs are held (one filling, one being written).
            let (runs_tx, runs_rx) = sync_channel::<(usize, Vec<Record>)>(0);
            let writer = scope.spawn(move || -> Result<(), IngestError> {
                for (index, records) in runs_rx {
                    write_run(work, index, records)?;
                }
                Ok(())
            });
            spiller.writer = Some(runs_tx);
            let taken = (|| {
                for item in rx {
                    spiller.take(item)?;
                }
                spiller.flush()
            })();
            // Closing the channel ends the writer; its error, if any, comes first (a
            // send to a failed writer only says that it failed).
            spiller.writer = None;
            let written = writer
                .join()
                .map_err(|_| IngestError::InvalidOption("the run writer panicked".into()))?;
            written.and(taken)
        })?;
    }
    spiller.phase.finish();
    let spilled = spiller.spilled;
    if spilled.records == 0 {
        return Err(IngestError::Empty {
            corpus: options.corpus.display().to_string(),
            detail: format!(
                "read {} records, skipped {:?}",
                spilled.tally.read, spilled.tally.skipped
            ),
        });
    }
    Ok(spilled)
}

#[derive(Debug)]
struct Spiller<'a> {
    work: &'a Path,
    budget: usize,
    splitter: SplitterConfig,
    buffer: Vec<Record>,
    buffered: usize,
    /// The run writer thread, when there is one; runs are written inline otherwise.
    writer: Option<SyncSender<(usize, Vec<Record>)>>,
    spilled: Spilled,
    phase: Phase,
}

impl Spiller<'_> {
    fn take(&mut self, item: ReadItem) -> Result<(), IngestError> {
        let tally = &mut self.spilled.tally;
        tally.read += 1;
        self.phase.inc(1);
        match item {
            ReadItem::Document(doc) if doc.text.len() >= u32::MAX as usize => {
                tally.skip("too_large", doc.doc_id);
            }
            ReadItem::Document(doc) => {
                // Once one document has several passages the answer is known: stop splitting.
                if self.spilled.whole_passages && !is_whole_passage(&doc, &self.splitter) {
                    self.spilled.whole_passages = false;
                }
                let record = Record::new(self.spilled.records, doc);
                self.spilled.records += 1;
                self.buffered += record.bytes();
                self.buffer.push(record);
                if self.buffered >= self.budget {
                    self.flush()?;
                }
            }
            ReadItem::Skipped(skip) => {
                tracing::debug!(source = %skip.source, reason = skip.reason.as_str(), detail = %skip.detail, "skipped");
                tally.skip(
                    skip.reason.as_str(),
                    format!("{}: {}", skip.source, skip.detail),
                );
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), IngestError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let records = std::mem::take(&mut self.buffer);
        self.buffered = 0;
        let index = self.spilled.runs.len();
        let run = match &self.writer {
            Some(writer) => {
                if writer.send((index, records)).is_err() {
                    return Err(IngestError::InvalidOption("the run writer stopped".into()));
                }
                run_path(self.work, index)
            }
            None => write_run(self.work, index, records)?,
        };
        tracing::debug!(run = %run.display(), "sorted run handed on");
        self.spilled.runs.push(run);
        Ok(())
    }
}
