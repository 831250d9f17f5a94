//! The second half of the external sort: a k-way merge of the sorted runs into one stream
//! in `(doc_id, seq)` order, and the acceptance rules applied on that stream (duplicate ids
//! and URLs, size limits), with the corpus digest and the canary picks computed as the
//! documents go by. Nothing here holds more than one record per run.
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::collect::Tally;
use crate::spill::{Record, RunReader};
use crate::{IngestError, io_error};

/// Canary queries per snapshot.
const CANARIES: usize = 16;

/// The runs merged back into one sorted stream.
#[derive(Debug)]
struct Merge {
    readers: Vec<RunReader>,
    heads: Vec<Option<Record>>,
    heap: BinaryHeap<Reverse<(String, u64, usize)>>,
}

impl Merge {
    fn open(runs: &[PathBuf]) -> Result<Self, IngestError> {
        let mut merge = Merge {
            readers: Vec::with_capacity(runs.len()),
            heads: Vec::with_capacity(runs.len()),
            heap: BinaryHeap::with_capacity(runs.len()),
        };
        for (index, path) in runs.iter().enumerate() {
            merge.readers.push(RunReader::open(path)?);
            merge.heads.push(None);
            merge.refill(index)?;
        }
        Ok(merge)
    }

    fn refill(&mut self, run: usize) -> Result<(), IngestError> {
        if let Some(record) = self.readers[run].next_record()? {
            self.heap
                .push(Reverse((record.doc_id.clone(), record.seq, run)));
            self.heads[run] = Some(record);
        }
        Ok(())
    }

    fn next_record(&mut self) -> Result<Option<Record>, IngestError> {
        let Some(Reverse((_, _, run))) = self.heap.pop() else {
            return Ok(None);
        };
        let record = self.heads[run].take();
        self.refill(run)?;
        Ok(record)
    }
}

/// What one pass over the merged stream found.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub tally: Tally,
    pub documents: u64,
    pub text_bytes: u64,
    /// sha256 over every accepted document (id, url, title, text) in doc_id order.
    pub corpus_digest: String,
    /// Titles (or first words) of evenly spaced documents.
    pub canaries: Vec<String>,
}

/// The accepted documents of the corpus, in doc_id order, numbered by `ord`.
#[derive(Debug)]
pub(crate) struct Accepted {
    merge: Merge,
    tally: Tally,
    previous: Option<String>,
    /// 64-bit digests of the URLs seen: 8 bytes per document instead of the URL itself.
    /// Two different URLs share a digest with probability ~n²/2⁶⁵ (1e-5 at 21M documents);
    /// the loser would be skipped as `duplicate_url`, the same way on every build.
    seen_urls: HashSet<u64>,
    digest: Sha256,
    canary_step: u64,
    canaries: Vec<String>,
    documents: u64,
    text_bytes: u64,
}

impl Accepted {
    /// Opens the merge. `records` (documents written to the runs) spaces the canaries.
    pub fn open(runs: &[PathBuf], records: u64, tally: Tally) -> Result<Self, IngestError> {
        Ok(Accepted {
            merge: Merge::open(runs)?,
            tally,
            previous: None,
            seen_urls: HashSet::new(),
            digest: Sha256::new(),
            canary_step: (records / CANARIES as u64).max(1),
            canaries: Vec::new(),
            documents: 0,
            text_bytes: 0,
        })
    }

    /// The next accepted document and its ord.
    pub fn next_doc(&mut self) -> Result<Option<(u64, Record)>, IngestError> {
        while let Some(doc) = self.merge.next_record()? {
            if self.previous.as_deref() == Some(doc.doc_id.as_str()) {
                self.tally.skip("duplicate_id", doc.doc_id.clone());
                continue;
            }
            self.previous = Some(doc.doc_id.clone());
            // fetch?url= must name one document.
            if !self.seen_urls.insert(url_digest(&doc.url)) {
                let source = format!("{} ({})", doc.doc_id, doc.url);
                self.tally.skip("duplicate_url", source);
                continue;
            }
            if doc.doc_id.len() > 1024 || doc.url.len() > 4096 {
                let source = format!("{}: id or url too long", truncate(&doc.doc_id));
                self.tally.skip("invalid_record", source);
                continue;
            }
            let ord = self.documents;
            self.accept(ord, &doc);
            return Ok(Some((ord, doc)));
        }
        Ok(None)
    }

    fn accept(&mut self, ord: u64, doc: &Record) {
        for part in [&doc.doc_id, &doc.url, &doc.title, &doc.text] {
            self.digest.update((part.len() as u64).to_le_bytes());
            self.digest.update(part.as_bytes());
        }
        if ord.is_multiple_of(self.canary_step) && ord / self.canary_step < CANARIES as u64 {
            let source = if doc.title.trim().is_empty() {
                &doc.text
            } else {
                &doc.title
            };
            let query = source.split_whitespace().take(8).collect::<Vec<_>>();
            let query = query.join(" ");
            if !query.is_empty() && query.chars().all(|c| !c.is_control()) {
                self.canaries.push(query);
            }
        }
        self.documents += 1;
        self.text_bytes += doc.text.len() as u64;
    }

    /// Ends the pass.
    pub fn finish(self) -> Outcome {
        Outcome {
            tally: self.tally,
            documents: self.documents,
            text_bytes: self.text_bytes,
            corpus_digest: hex::encode(self.digest.finalize()),
            canaries: self.canaries,
        }
    }
}

fn url_digest(url: &str) -> u64 {
    let digest = Sha256::digest(url.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Removes the runs once every pass is done.
pub(crate) fn remove_runs(runs: &[PathBuf]) -> Result<(), IngestError> {
    for run in runs {
        std::fs::remove_file(run).map_err(io_error(run))?;
    }
    Ok(())
}
