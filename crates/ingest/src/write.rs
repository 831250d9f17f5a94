//! Writing the document and passage indexes from the sorted runs, one tantivy thread each,
//! merged to one segment in ord order so that nothing depends on how many segments the
//! memory budget cut.
use std::path::Path;

use driftless_index::analyzer::{ANALYZER_NAME, indexing_analyzer};
use driftless_index::schema::{DOCS_DIR, PASSAGES_DIR, doc_schema, passage_schema};
use tantivy::directory::Directory;
use tantivy::index::SegmentId;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::{Field, Schema};
use tantivy::{Index, IndexSettings, IndexWriter, ReloadPolicy};

use crate::collect::Spilled;
use crate::merge::Outcome;
use crate::pass::{Targets, pass, pass_parallel};
use crate::read_dir::CopyReadDirectory;
use crate::segment_name::name_segments_by_content;
use crate::shared::{pass_shared, record_segments};
use crate::spool::{Spool, SpoolWriter};
use crate::{BuildOptions, IngestError, PassageIndex, io_error};

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
    /// Passages are searched in the document index (`build.passage_index = "shared"`).
    pub shared: bool,
}

fn create_index(dir: &Path, schema: Schema) -> Result<Index, IngestError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    // Read by copy, not mmap: the final merge's reads then stay out of the build's RSS.
    let directory: Box<dyn Directory> =
        Box::new(CopyReadDirectory::open(dir).map_err(tantivy::TantivyError::from)?);
    if Index::exists(&*directory).map_err(tantivy::TantivyError::from)? {
        return Err(tantivy::TantivyError::IndexAlreadyExists.into());
    }
    let index = Index::create(directory, schema, IndexSettings::default())?;
    index
        .tokenizers()
        .register(ANALYZER_NAME, indexing_analyzer());
    Ok(index)
}

fn create_writer(index: &Index, memory: usize) -> Result<IndexWriter, IngestError> {
    // One indexing thread: it takes documents in the order they are added and cuts a new
    // segment whenever the memory budget fills, so the segments hold consecutive ords.
    let writer: IndexWriter = index.writer_with_num_threads(1, memory)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    Ok(writer)
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
    let ids: Vec<SegmentId> = segments.iter().map(|(_, id)| *id).collect();
    merge_in_order(index, writer, &ids)
}

/// Merges the committed segments `ids` into one, in this order, and removes their files.
fn merge_in_order(
    index: &Index,
    writer: IndexWriter,
    ids: &[SegmentId],
) -> Result<(), IngestError> {
    merge_groups(index, writer, &[ids.to_vec()], 1)
}

/// Merges each group of committed segments into one segment, in the group's order, up to
/// `threads` groups at once (tantivy merges one group on one thread), and removes the
/// merged segments' files. Each merged segment is a function of its group alone, so the
/// files do not depend on `threads`.
fn merge_groups(
    index: &Index,
    mut writer: IndexWriter,
    groups: &[Vec<SegmentId>],
    threads: usize,
) -> Result<(), IngestError> {
    let merges: Vec<&Vec<SegmentId>> = groups.iter().filter(|ids| ids.len() > 1).collect();
    tracing::debug!(
        groups = groups.len(),
        merges = merges.len(),
        "merging segments"
    );
    for batch in merges.chunks(threads.max(1)) {
        let running: Vec<_> = batch.iter().map(|ids| writer.merge(ids)).collect();
        for merge in running {
            merge.wait()?;
        }
    }
    writer.wait_merging_threads()?;
    let writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
    writer.garbage_collect_files().wait()?;
    // Joined (not only dropped) so the writer's lock is gone before the segments are renamed.
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
    let mut spool = match options.dense {
        Some(_) => Some(SpoolWriter::create(&work.join("passages.zst"))?),
        None => None,
    };
    if spilled.whole_passages && options.passage_index == PassageIndex::Auto {
        return write_shared(root, spilled, spool, memory, options);
    }
    let docs_index = create_index(&root.join(DOCS_DIR), doc_schema().0)?;
    let docs_writer = create_writer(&docs_index, memory)?;
    let passages_index = create_index(&root.join(PASSAGES_DIR), passage_schema().0)?;
    let passages_writer = create_writer(&passages_index, memory)?;
    let (outcome, passages) = if options.threads >= 2 {
        pass_parallel(
            spilled,
            &docs_writer,
            &passages_writer,
            spool.as_mut(),
            options,
        )?
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
    if options.threads >= 2 {
        // Each merge is one thread's work, and the two indexes' merges are independent: at
        // 10M passages they were minutes of one busy core beside an idle one.
        let (docs, passages) = std::thread::scope(|scope| {
            let docs = scope.spawn(|| seal(&docs_index, docs_writer, doc_schema().1.ord));
            let passages = seal(&passages_index, passages_writer, passage_schema().1.ord);
            (docs.join(), passages)
        });
        docs.map_err(|_| IngestError::InvalidOption("a merging thread panicked".into()))??;
        passages?;
    } else {
        seal(&docs_index, docs_writer, doc_schema().1.ord)?;
        seal(&passages_index, passages_writer, passage_schema().1.ord)?;
    }
    // Closed before renaming: the segment files then carry names derived from their bytes.
    drop((docs_index, passages_index));
    name_segments_by_content(&root.join(DOCS_DIR))?;
    name_segments_by_content(&root.join(PASSAGES_DIR))?;
    let spool = match spool {
        Some(spool) => Some(spool.finish()?),
        None => None,
    };
    Ok(Written {
        passages,
        outcome,
        spool,
        dense: None,
        shared: false,
    })
}

/// The shared layout (shared.rs): one index, written by every build thread, merged in ord
/// order into `options.segments` segments on as many threads; each document is its own one
/// passage.
fn write_shared(
    root: &Path,
    spilled: &Spilled,
    mut spool: Option<SpoolWriter>,
    memory: usize,
    options: &BuildOptions,
) -> Result<Written, IngestError> {
    let dir = root.join(DOCS_DIR);
    let index = create_index(&dir, doc_schema().0)?;
    let pass = pass_shared(spilled, &index, spool.as_mut(), memory, options)?;
    // Consecutive segments of one group merge into one final segment.
    let mut groups: Vec<Vec<SegmentId>> = Vec::new();
    let mut last = None;
    for (group, meta) in &pass.segments {
        if last != Some(*group) {
            groups.push(Vec::new());
            last = Some(*group);
        }
        groups.last_mut().expect("pushed").push(meta.id());
    }
    record_segments(&index, pass.segments.into_iter().map(|(_, m)| m).collect())?;
    let writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    merge_groups(&index, writer, &groups, options.threads)?;
    drop(index);
    name_segments_by_content(&dir)?;
    Ok(Written {
        passages: pass.documents,
        outcome: pass.outcome,
        spool: spool.map(SpoolWriter::finish).transpose()?,
        dense: None,
        shared: true,
    })
}
