//! Passes over the merged runs: each accepted document is split into passages and turned
//! into tantivy documents for the document index, the passage index and the dense spool.
//! With two or more threads, the document side and the passage side run on threads of
//! their own, fed in order from the merge, so each writer still receives its documents in
//! ord order and the snapshot is the same as on one thread.
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use driftless_corpus::{HeuristicTokenCounter, PassageSpan, SplitterConfig, split_passages};
use driftless_index::schema::{DocFields, PassageFields, doc_schema, passage_schema, site_terms};
use tantivy::{IndexWriter, TantivyDocument, doc};

use crate::collect::Spilled;
use crate::merge::{Accepted, Outcome};
use crate::progress::Phase;
use crate::spill::Record;
use crate::spool::SpoolWriter;
use crate::{BuildOptions, IngestError};

/// Documents in flight between the merge and each side.
const IN_FLIGHT: usize = 512;

/// Where one pass sends what it reads.
pub(crate) struct Targets<'a> {
    pub docs: Option<&'a IndexWriter>,
    pub passages: Option<&'a IndexWriter>,
    pub spool: Option<&'a mut SpoolWriter>,
}

/// One pass over the merged runs: the outcome and the number of passages.
pub(crate) fn pass(
    spilled: &Spilled,
    mut targets: Targets<'_>,
    name: &'static str,
    options: &BuildOptions,
) -> Result<(Outcome, u64), IngestError> {
    let mut accepted = Accepted::open(&spilled.runs, spilled.records, spilled.tally.clone())?;
    let mut docs = targets.docs.map(|writer| DocSide::new(writer, options));
    let mut passages = PassageSide::new(targets.passages, targets.spool.take(), options);
    let mut phase = Phase::start(options.progress, name, Some(spilled.records));
    while let Some((ord, document)) = accepted.next_doc()? {
        if let Some(docs) = docs.as_mut() {
            docs.add(ord, &document)?;
        }
        passages.add(ord, &document)?;
        phase.inc(1);
    }
    phase.finish();
    Ok((accepted.finish(), passages.first_passage))
}

/// One pass writing both indexes, the document side and the passage side (with the
/// spool) each on a thread of its own.
pub(crate) fn pass_parallel(
    spilled: &Spilled,
    docs_writer: &IndexWriter,
    passages_writer: &IndexWriter,
    spool: Option<&mut SpoolWriter>,
    options: &BuildOptions,
) -> Result<(Outcome, u64), IngestError> {
    let mut accepted = Accepted::open(&spilled.runs, spilled.records, spilled.tally.clone())?;
    let mut phase = Phase::start(options.progress, "indexing", Some(spilled.records));
    let (docs_result, passages_result, merged) = std::thread::scope(|scope| {
        let (docs_tx, docs_rx) = sync_channel::<Arc<(u64, Record)>>(IN_FLIGHT);
        let (passages_tx, passages_rx) = sync_channel::<Arc<(u64, Record)>>(IN_FLIGHT);
        let docs = scope.spawn(move || {
            let mut side = DocSide::new(docs_writer, options);
            drain(docs_rx, |ord, doc| side.add(ord, doc))
        });
        let passages = scope.spawn(move || {
            let mut side = PassageSide::new(Some(passages_writer), spool, options);
            drain(passages_rx, |ord, doc| side.add(ord, doc)).map(|()| side.first_passage)
        });
        let merged = (|| -> Result<(), IngestError> {
            while let Some(item) = accepted.next_doc()? {
                let item = Arc::new(item);
                // A side that stopped has an error to report; it is joined below.
                if docs_tx.send(Arc::clone(&item)).is_err() || passages_tx.send(item).is_err() {
                    break;
                }
                phase.inc(1);
            }
            Ok(())
        })();
        drop((docs_tx, passages_tx));
        (docs.join(), passages.join(), merged)
    });
    phase.finish();
    let panicked = || IngestError::InvalidOption("an indexing thread panicked".into());
    docs_result.map_err(|_| panicked())??;
    let passages = passages_result.map_err(|_| panicked())??;
    merged?;
    Ok((accepted.finish(), passages))
}

/// Feeds every received document to `add`, stopping at the first error.
fn drain(
    rx: Receiver<Arc<(u64, Record)>>,
    mut add: impl FnMut(u64, &Record) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    for item in rx {
        let (ord, document) = &*item;
        add(*ord, document)?;
    }
    Ok(())
}

fn splitter(options: &BuildOptions) -> SplitterConfig {
    SplitterConfig {
        max_tokens: options.passage_max_tokens as usize,
    }
}

/// The document index's side of a pass.
struct DocSide<'a> {
    writer: &'a IndexWriter,
    fields: DocFields,
    config: SplitterConfig,
    first_passage: u64,
}

impl<'a> DocSide<'a> {
    fn new(writer: &'a IndexWriter, options: &BuildOptions) -> Self {
        DocSide {
            writer,
            fields: doc_schema().1,
            config: splitter(options),
            first_passage: 0,
        }
    }

    fn add(&mut self, ord: u64, document: &Record) -> Result<(), IngestError> {
        // Split here too (it is cheap next to indexing): the document records where its
        // passages start without waiting for the passage side.
        let passages = split_passages(&document.text, &self.config, &HeuristicTokenCounter).len();
        let tdoc = doc_document(&self.fields, document, ord, self.first_passage, passages);
        self.writer.add_document(tdoc)?;
        self.first_passage += passages as u64;
        Ok(())
    }
}

/// The passage index's and the spool's side of a pass.
struct PassageSide<'a> {
    writer: Option<&'a IndexWriter>,
    spool: Option<&'a mut SpoolWriter>,
    fields: PassageFields,
    config: SplitterConfig,
    first_passage: u64,
}

impl<'a> PassageSide<'a> {
    fn new(
        writer: Option<&'a IndexWriter>,
        spool: Option<&'a mut SpoolWriter>,
        options: &BuildOptions,
    ) -> Self {
        PassageSide {
            writer,
            spool,
            fields: passage_schema().1,
            config: splitter(options),
            first_passage: 0,
        }
    }

    fn add(&mut self, ord: u64, document: &Record) -> Result<(), IngestError> {
        let spans = split_passages(&document.text, &self.config, &HeuristicTokenCounter);
        for (i, span) in spans.iter().enumerate() {
            let text = document
                .text
                .get(span.byte_start..span.byte_end)
                .unwrap_or_default();
            if let Some(writer) = self.writer {
                let passage_ord = self.first_passage + i as u64;
                let tdoc = passage_document(&self.fields, document, text, span, passage_ord, ord);
                writer.add_document(tdoc)?;
            }
            if let Some(spool) = self.spool.as_deref_mut() {
                let id = format!("{}#{}", document.doc_id, span.ordinal);
                spool.push(&id, &document.title, text)?;
            }
        }
        self.first_passage += spans.len() as u64;
        Ok(())
    }
}

pub(crate) fn doc_document(
    f: &DocFields,
    document: &Record,
    ord: u64,
    first_passage: u64,
    passages: usize,
) -> TantivyDocument {
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
    f: &PassageFields,
    document: &Record,
    text: &str,
    span: &PassageSpan,
    ord: u64,
    doc_ord: u64,
) -> TantivyDocument {
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
