//! Writing the one index of the shared layout: when every document is a single passage
//! covering its whole text (collect.rs tells), passages are searched in the document index,
//! so each text is tokenised and indexed once instead of twice.
//!
//! One index is then all there is to write, and one tantivy thread would leave the other
//! cores idle, so the index is written by several threads and still comes out the same on
//! any number of them: the merged stream is cut into chunks of a fixed number of content
//! bytes, each chunk becomes its own segments (cut further only by the memory budget,
//! counted from the chunk's first document), and the segments are merged in ord order
//! (write.rs). Which thread wrote a chunk changes no byte.
//!
//! The merge is into `--segments` groups of consecutive ords (`Groups`), each merged on a
//! core of its own: tantivy merges one list of segments on one thread, and one final merge
//! was a third of a 1M-passage build with the other core idle. The groups' bounds depend
//! on the number of records read only, never on chunk sizes, memory or threads, so the
//! merged segments are the same whatever cut the chunks; no chunk crosses a bound.
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use driftless_index::schema::{DocFields, doc_schema};
use tantivy::index::SegmentMeta;
use tantivy::indexer::{AddOperation, SegmentWriter};
use tantivy::{Directory, Index, Segment};

use crate::collect::Spilled;
use crate::merge::{Accepted, Outcome};
use crate::pass::doc_document;
use crate::progress::Phase;
use crate::segment_name::META_FILE;
use crate::spill::Record;
use crate::spool::SpoolWriter;
use crate::{BuildOptions, IngestError};

/// tantivy's own margin under the memory budget before it cuts a segment.
const MARGIN: usize = 1_000_000;

/// One chunk of consecutive documents, in ord order.
type Chunk = Vec<(u64, Record)>;

/// A written segment and the ord of its first document (the merge order).
type SegmentAt = (u64, SegmentMeta);

/// Content bytes per chunk. A segment's arena holds about twice its content (postings,
/// positions, fast fields), so a quarter of the budget fills half of it: one segment per
/// chunk on ordinary text, a cut by the budget only for unusual documents.
fn chunk_bytes(memory: usize) -> usize {
    (memory / 4).max(1 << 20)
}

/// The final segments' ord bounds: group `g` holds the ords in
/// `[bound(g), bound(g + 1))`, `count` groups of `records / count` ords each (the last
/// ones smaller, or empty, when records were skipped as duplicates).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Groups {
    records: u64,
    count: u64,
}

impl Groups {
    pub fn new(records: u64, count: usize) -> Self {
        Groups {
            records,
            count: (count.max(1) as u64).min(records.max(1)),
        }
    }

    /// The group of the document numbered `ord`.
    pub fn of(&self, ord: u64) -> u64 {
        // Largest g with ceil(g · records / count) <= ord.
        let g =
            ((u128::from(ord) * u128::from(self.count)) / u128::from(self.records.max(1))) as u64;
        g.min(self.count - 1)
    }
}

/// The documents, segments and outcome of the shared layout's one pass.
pub(crate) struct SharedPass {
    pub outcome: Outcome,
    pub documents: u64,
    /// Every segment written, in ord order, each with its group.
    pub segments: Vec<(u64, SegmentMeta)>,
}

/// Reads the merged runs once, spooling passages for the embedder when asked, and writes
/// the chunks into segments of `index` on `options.threads` threads.
pub(crate) fn pass_shared(
    spilled: &Spilled,
    index: &Index,
    mut spool: Option<&mut SpoolWriter>,
    memory: usize,
    options: &BuildOptions,
) -> Result<SharedPass, IngestError> {
    let mut accepted = Accepted::open(&spilled.runs, spilled.records, spilled.tally.clone())?;
    let mut phase = Phase::start(options.progress, "indexing", Some(spilled.records));
    let workers = options.threads.max(1);
    let limit = chunk_bytes(memory);
    let groups = Groups::new(spilled.records, options.segments);
    let (results, dispatched) = std::thread::scope(|scope| {
        // One chunk waits while each worker writes one: memory stays a few chunks.
        let (tx, rx) = sync_channel::<Chunk>(1);
        let rx = Arc::new(Mutex::new(rx));
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let rx = Arc::clone(&rx);
                scope.spawn(move || work(&rx, index, memory))
            })
            .collect();
        let dispatched = (|| -> Result<u64, IngestError> {
            let (mut chunk, mut bytes, mut documents) = (Chunk::new(), 0usize, 0u64);
            while let Some((ord, record)) = accepted.next_doc()? {
                // A chunk ends at a group's bound: each segment lies in one group.
                if chunk
                    .first()
                    .is_some_and(|(first, _)| groups.of(*first) != groups.of(ord))
                {
                    bytes = 0;
                    if tx.send(std::mem::take(&mut chunk)).is_err() {
                        return Ok(documents);
                    }
                }
                if let Some(spool) = spool.as_deref_mut() {
                    let id = format!("{}#0", record.doc_id);
                    spool.push(&id, &record.title, &record.text)?;
                }
                bytes += record.title.len() + record.text.len();
                chunk.push((ord, record));
                documents += 1;
                phase.inc(1);
                if bytes >= limit {
                    bytes = 0;
                    // Every worker stopped: their errors are reported below.
                    if tx.send(std::mem::take(&mut chunk)).is_err() {
                        return Ok(documents);
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(chunk);
            }
            Ok(documents)
        })();
        drop(tx);
        let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        (results, dispatched)
    });
    phase.finish();
    let mut segments = Vec::new();
    for result in results {
        let written = result
            .map_err(|_| IngestError::InvalidOption("an indexing thread panicked".into()))??;
        segments.extend(written);
    }
    let documents = dispatched?;
    segments.sort_unstable_by_key(|(first, _)| *first);
    Ok(SharedPass {
        outcome: accepted.finish(),
        documents,
        segments: segments
            .into_iter()
            .map(|(first, meta)| (groups.of(first), meta))
            .collect(),
    })
}

/// One worker: takes chunks until there are none, writing each into its own segments.
fn work(
    rx: &Mutex<Receiver<Chunk>>,
    index: &Index,
    memory: usize,
) -> Result<Vec<SegmentAt>, IngestError> {
    let fields = doc_schema().1;
    let mut written = Vec::new();
    loop {
        // A poisoned lock only means another worker panicked; its join reports it.
        let next = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(chunk) = next else {
            return Ok(written);
        };
        write_chunk(index, &fields, chunk, memory, &mut written)?;
    }
}

/// A segment being written and the ord of its first document.
struct Open {
    first: u64,
    segment: Segment,
    writer: SegmentWriter,
}

impl Open {
    fn start(index: &Index, first: u64, memory: usize) -> Result<Self, IngestError> {
        let segment = index.new_segment();
        let writer = SegmentWriter::for_segment(memory, segment.clone())?;
        Ok(Open {
            first,
            segment,
            writer,
        })
    }

    fn finish(self) -> Result<SegmentAt, IngestError> {
        let max_doc = self.writer.max_doc();
        self.writer.finalize()?;
        Ok((
            self.first,
            self.segment.with_max_doc(max_doc).meta().clone(),
        ))
    }
}

fn write_chunk(
    index: &Index,
    fields: &DocFields,
    chunk: Chunk,
    memory: usize,
    written: &mut Vec<SegmentAt>,
) -> Result<(), IngestError> {
    let mut open: Option<Open> = None;
    for (ord, record) in chunk {
        let segment = match open.as_mut() {
            Some(segment) => segment,
            None => open.insert(Open::start(index, ord, memory)?),
        };
        let opstamp = u64::from(segment.writer.max_doc());
        // One passage per document, and passage ords are document ords.
        let document = doc_document(fields, &record, ord, ord, 1);
        segment
            .writer
            .add_document(AddOperation { opstamp, document })?;
        if segment.writer.mem_usage() >= memory.saturating_sub(MARGIN) {
            written.extend(open.take().map(Open::finish).transpose()?);
        }
    }
    written.extend(open.take().map(Open::finish).transpose()?);
    Ok(())
}

/// Records `segments` as the index's segments, in this order, as a commit would.
pub(crate) fn record_segments(
    index: &Index,
    segments: Vec<SegmentMeta>,
) -> Result<(), IngestError> {
    let mut meta = index.load_metas()?;
    meta.segments = segments;
    let mut bytes = serde_json::to_vec_pretty(&meta)
        .map_err(|e| IngestError::InvalidOption(format!("cannot write meta.json: {e}")))?;
    bytes.push(b'\n');
    index
        .directory()
        .sync_directory()
        .map_err(tantivy::TantivyError::from)?;
    index
        .directory()
        .atomic_write(Path::new(META_FILE), &bytes)
        .map_err(tantivy::TantivyError::from)?;
    Ok(())
}
