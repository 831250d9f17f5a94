//! Writing the document and passage indexes, one writer thread each, merged to one
//! segment so that nothing depends on tantivy's segment layout.
use std::path::Path;

use driftless_corpus::{
    Document, HeuristicTokenCounter, PassageSpan, SplitterConfig, split_passages,
};
use driftless_index::analyzer::{ANALYZER_NAME, analyzer};
use driftless_index::schema::{DOCS_DIR, PASSAGES_DIR, doc_schema, passage_schema, site_terms};
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::Schema;
use tantivy::{Index, IndexWriter, TantivyDocument, doc};

use crate::progress::Phase;
use crate::{BuildOptions, IngestError, io_error};

/// Indexing memory per writer: large enough that the default corpus is one segment.
const WRITER_MEMORY: usize = 512 * 1024 * 1024;

/// What was written.
#[derive(Debug)]
pub(crate) struct Written {
    pub passages: u64,
    /// Passage spans per document (the dense index embeds the same passages).
    pub spans: Vec<Vec<PassageSpan>>,
    /// Dense index facts, when one was built.
    pub dense: Option<driftless_index::dense_config::DenseConfig>,
}

fn create_index(dir: &Path, schema: Schema) -> Result<(Index, IndexWriter), IngestError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let index = Index::create_in_dir(dir, schema)?;
    index.tokenizers().register(ANALYZER_NAME, analyzer());
    let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    Ok((index, writer))
}

/// Commits, merges whatever segments the writer produced into one, and cleans up.
fn seal(index: &Index, mut writer: IndexWriter) -> Result<(), IngestError> {
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    let writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
    writer.garbage_collect_files().wait()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// Writes both indexes under `root`. Documents must be sorted by doc_id.
pub(crate) fn write_indexes(
    root: &Path,
    documents: &[Document],
    options: &BuildOptions,
) -> Result<Written, IngestError> {
    let config = SplitterConfig {
        max_tokens: options.passage_max_tokens as usize,
    };
    let counter = HeuristicTokenCounter;
    let spans: Vec<Vec<PassageSpan>> = documents
        .iter()
        .map(|d| split_passages(&d.text, &config, &counter))
        .collect();
    let total_passages: u64 = spans.iter().map(|s| s.len() as u64).sum();

    let (docs_index, docs_writer) = create_index(&root.join(DOCS_DIR), doc_schema().0)?;
    let (passages_index, passages_writer) =
        create_index(&root.join(PASSAGES_DIR), passage_schema().0)?;

    // The two indexes are independent: one thread each keeps both cores busy.
    let (docs_result, passages_result) = std::thread::scope(|scope| {
        let docs = scope.spawn(|| write_docs(docs_writer, documents, &spans, options));
        let passages = write_passages(passages_writer, documents, &spans, total_passages, options);
        (docs.join(), passages)
    });
    let docs_writer = match docs_result {
        Ok(result) => result?,
        Err(_) => {
            return Err(IngestError::InvalidOption(
                "the document indexing thread panicked".into(),
            ));
        }
    };
    let passages_writer = passages_result?;
    seal(&docs_index, docs_writer)?;
    seal(&passages_index, passages_writer)?;
    Ok(Written {
        passages: total_passages,
        spans,
        dense: None,
    })
}

fn write_docs(
    writer: IndexWriter,
    documents: &[Document],
    spans: &[Vec<PassageSpan>],
    options: &BuildOptions,
) -> Result<IndexWriter, IngestError> {
    let (_, f) = doc_schema();
    let mut first_passage = 0u64;
    let mut phase = Phase::start(options.progress, "documents", Some(documents.len() as u64));
    for (ord, (document, spans)) in documents.iter().zip(spans).enumerate() {
        let mut tdoc = doc!(
            f.doc_id => document.doc_id.as_str(),
            f.url => document.url.as_str(),
            f.title => document.title.as_str(),
            f.text => document.text.as_str(),
            f.content => format!("{}\n\n{}", document.title, document.text),
            f.ord => ord as u64,
            f.first_passage => first_passage,
            f.passage_count => spans.len() as u64,
        );
        add_sites(&mut tdoc, f.site, &document.url);
        writer.add_document(tdoc)?;
        first_passage += spans.len() as u64;
        phase.inc(1);
    }
    phase.finish();
    Ok(writer)
}

fn write_passages(
    writer: IndexWriter,
    documents: &[Document],
    spans: &[Vec<PassageSpan>],
    total: u64,
    options: &BuildOptions,
) -> Result<IndexWriter, IngestError> {
    let (_, f) = passage_schema();
    let mut ord = 0u64;
    let mut phase = Phase::start(options.progress, "passages", Some(total));
    for (doc_ord, (document, spans)) in documents.iter().zip(spans).enumerate() {
        for span in spans {
            let text = document
                .text
                .get(span.byte_start..span.byte_end)
                .unwrap_or_default();
            // The title gives every passage its page's context, as Pyserini's passage
            // collections do ("title\ntext").
            let mut tdoc = doc!(
                f.content => format!("{}\n\n{}", document.title, text),
                f.ord => ord,
                f.doc_ord => doc_ord as u64,
                f.ordinal => u64::from(span.ordinal),
                f.byte_start => span.byte_start as u64,
                f.byte_end => span.byte_end as u64,
                f.char_start => span.char_start,
                f.char_end => span.char_end,
            );
            add_sites(&mut tdoc, f.site, &document.url);
            writer.add_document(tdoc)?;
            ord += 1;
        }
        phase.inc(spans.len() as u64);
    }
    phase.finish();
    Ok(writer)
}

fn add_sites(doc: &mut TantivyDocument, field: tantivy::schema::Field, url: &str) {
    for term in site_terms(url) {
        doc.add_text(field, term);
    }
}
