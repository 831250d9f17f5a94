//! Writing the document and passage indexes from the sorted runs, one tantivy thread each,
//! merged to one segment in ord order so that nothing depends on how many segments the
//! memory budget cut.
use std::path::Path;

use driftless_corpus::{HeuristicTokenCounter, PassageSpan, SplitterConfig, split_passages};
use driftless_index::analyzer::{ANALYZER_NAME, analyzer};
use driftless_index::schema::{DOCS_DIR, PASSAGES_DIR, doc_schema, passage_schema, site_terms};
use tantivy::index::SegmentId;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::{Field, Schema};
use tantivy::{Index, IndexWriter, ReloadPolicy, TantivyDocument, doc};

use crate::collect::Spilled;
use crate::merge::{Accepted, Outcome};
use crate::progress::Phase;
use crate::spill::Record;
use crate::spool::{Spool, SpoolWriter};
use crate::{BuildOptions, IngestError, io_error};

/// tantivy refuses budgets under 15 MB per indexing thread.
const MIN_WRITER_MEMORY: usize = 16 * 1024 * 1024;

/// What was written.
#[derive(Debug)]
pub(crate) struct Written {
    pub passages: u64,
    /// What the (last) pass over the corpus found: counts, digest, canaries.
    pub outcome: Outcome,
    /// Passage ids and texts for the embedder, when a dense index is asked for.
    pub spool: Option<Spool>,
    /// Dense index facts, when one was built.
    pub dense: Option<driftless_index::dense_config::DenseConfig>,
}

fn create_index(
    dir: &Path,
    schema: Schema,
    memory: usize,
) -> Result<(Index, IndexWriter), IngestError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let index = Index::create_in_dir(dir, schema)?;
    index.tokenizers().register(ANALYZER_NAME, analyzer());
    // One indexing thread: it takes documents in the order they are added and cuts a new
    // segment whenever the memory budget fills, so the segments hold consecutive ords.
    let writer: IndexWriter = index.writer_with_num_threads(1, memory)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    Ok((index, writer))
}

/// Commits, merges the segments into one in ord order (so the merged segment is the same
/// however many segments the memory budget produced), and cleans up.
fn seal(index: &Index, mut writer: IndexWriter, ord: Field) -> Result<(), IngestError> {
    writer.commit()?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let mut segments = Vec::new();
    for segment in searcher.segment_readers() {
        let first = segment
            .fast_fields()
            .u64(index.schema().get_field_name(ord))?
            .first(0)
            .unwrap_or(u64::MAX);
        segments.push((first, segment.segment_id()));
    }
    drop(searcher);
    drop(reader);
    segments.sort_unstable();
    tracing::debug!(segments = segments.len(), "merging segments");
    if segments.len() > 1 {
        let ids: Vec<SegmentId> = segments.iter().map(|(_, id)| *id).collect();
        writer.merge(&ids).wait()?;
    }
    writer.wait_merging_threads()?;
    let writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
    writer.garbage_collect_files().wait()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// Writes both indexes under `root` from the sorted runs. With one thread the document
/// index and the passage index are written one after the other (two passes over the runs);
/// with more, in one pass, each by its own tantivy thread. Both give the same indexes.
pub(crate) fn write_indexes(
    root: &Path,
    work: &Path,
    spilled: &Spilled,
    options: &BuildOptions,
) -> Result<Written, IngestError> {
    let memory = options.index_memory.max(MIN_WRITER_MEMORY);
    let (docs_index, docs_writer) = create_index(&root.join(DOCS_DIR), doc_schema().0, memory)?;
    let (passages_index, passages_writer) =
        create_index(&root.join(PASSAGES_DIR), passage_schema().0, memory)?;
    let mut spool = match options.dense {
        Some(_) => Some(SpoolWriter::create(&work.join("passages.zst"))?),
        None => None,
    };
    let (outcome, passages) = if options.threads >= 2 {
        let targets = Targets {
            docs: Some(&docs_writer),
            passages: Some(&passages_writer),
            spool: spool.as_mut(),
        };
        pass(spilled, targets, "indexing", options)?
    } else {
        let targets = Targets {
            docs: Some(&docs_writer),
            passages: None,
            spool: None,
        };
        pass(spilled, targets, "documents", options)?;
        let targets = Targets {
            docs: None,
            passages: Some(&passages_writer),
            spool: spool.as_mut(),
        };
        pass(spilled, targets, "passages", options)?
    };
    seal(&docs_index, docs_writer, doc_schema().1.ord)?;
    seal(&passages_index, passages_writer, passage_schema().1.ord)?;
    let spool = match spool {
        Some(spool) => Some(spool.finish()?),
        None => None,
    };
    Ok(Written {
        passages,
        outcome,
        spool,
        dense: None,
    })
}

/// Where one pass sends what it reads.
struct Targets<'a> {
    docs: Option<&'a IndexWriter>,
    passages: Option<&'a IndexWriter>,
    spool: Option<&'a mut SpoolWriter>,
}

/// One pass over the merged runs: the outcome and the number of passages.
fn pass(
    spilled: &Spilled,
    mut targets: Targets<'_>,
    name: &'static str,
    options: &BuildOptions,
) -> Result<(Outcome, u64), IngestError> {
    let config = SplitterConfig {
        max_tokens: options.passage_max_tokens as usize,
    };
    let counter = HeuristicTokenCounter;
    let mut accepted = Accepted::open(&spilled.runs, spilled.records, spilled.tally.clone())?;
    let mut first_passage = 0u64;
    let mut phase = Phase::start(options.progress, name, Some(spilled.records));
    while let Some((ord, document)) = accepted.next_doc()? {
        let spans = split_passages(&document.text, &config, &counter);
        if let Some(writer) = targets.docs {
            writer.add_document(doc_document(&document, ord, first_passage, spans.len()))?;
        }
        if let Some(writer) = targets.passages {
            for (i, span) in spans.iter().enumerate() {
                let text = document
                    .text
                    .get(span.byte_start..span.byte_end)
                    .unwrap_or_default();
                let passage_ord = first_passage + i as u64;
                writer.add_document(passage_document(&document, text, span, passage_ord, ord))?;
            }
        }
        if let Some(spool) = targets.spool.as_deref_mut() {
            for span in &spans {
                let text = document
                    .text
                    .get(span.byte_start..span.byte_end)
                    .unwrap_or_default();
                let id = format!("{}#{}", document.doc_id, span.ordinal);
                spool.push(&id, &document.title, text)?;
            }
        }
        first_passage += spans.len() as u64;
        phase.inc(1);
    }
    phase.finish();
    Ok((accepted.finish(), first_passage))
}

fn doc_document(
    document: &Record,
    ord: u64,
    first_passage: u64,
    passages: usize,
) -> TantivyDocument {
    let (_, f) = doc_schema();
    let mut tdoc = doc!(
        f.doc_id => document.doc_id.as_str(),
        f.url => document.url.as_str(),
        f.title => document.title.as_str(),
        f.text => document.text.as_str(),
        f.content => format!("{}\n\n{}", document.title, document.text),
        f.ord => ord,
        f.first_passage => first_passage,
        f.passage_count => passages as u64,
    );
    add_sites(&mut tdoc, f.site, &document.url);
    tdoc
}

fn passage_document(
    document: &Record,
    text: &str,
    span: &PassageSpan,
    ord: u64,
    doc_ord: u64,
) -> TantivyDocument {
    let (_, f) = passage_schema();
    // The title gives every passage its page's context, as Pyserini's passage
    // collections do ("title\ntext").
    let mut tdoc = doc!(
        f.content => format!("{}\n\n{}", document.title, text),
        f.ord => ord,
        f.doc_ord => doc_ord,
        f.ordinal => u64::from(span.ordinal),
        f.byte_start => span.byte_start as u64,
        f.byte_end => span.byte_end as u64,
        f.char_start => span.char_start,
        f.char_end => span.char_end,
    );
    add_sites(&mut tdoc, f.site, &document.url);
    tdoc
}

fn add_sites(doc: &mut TantivyDocument, field: tantivy::schema::Field, url: &str) {
    for term in site_terms(url) {
        doc.add_text(field, term);
    }
}
