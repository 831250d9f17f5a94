//! Hits: the stored fields of a ranked document or passage, with its snippet and, for the
//! shapes that answer with whole texts, the text of the unit itself.
use std::collections::HashSet;

use driftless_api::{Hit, SearchRequest, Unit};
use tantivy::DocId;
use tantivy::schema::{TantivyDocument, Value};
use tantivy::tokenizer::TextAnalyzer;

use crate::bm25::Bm25Params;
use crate::error::InternalError;
use crate::query::ParsedQuery;
use crate::ranking::Ranked;
use crate::snapshot::Snapshot;
use crate::snippet::snippet;

/// Whether a search also returns the whole text of each hit's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitTexts {
    /// Hits only (`/v1/search`, MCP, SearXNG): no text is copied out.
    Omit,
    /// Hits and, in hit order, the text of each hit's unit: the passage's (`unit=passage`)
    /// or the document's (`unit=doc`), for shapes that answer with whole texts
    /// (Search-R1's `contents`). Read with the stored document the hit loads anyway.
    Include,
}

/// What every hit of one search is built from.
pub(crate) struct HitBuilder<'q> {
    /// The parsed query and the BM25 parameters that ranked the hits: a document hit's
    /// snippet comes from its passage that scores best under them.
    pub query: &'q ParsedQuery,
    pub params: Bm25Params,
    /// The analysed query terms a snippet marks.
    pub terms: HashSet<&'q str>,
    pub request: &'q SearchRequest,
    pub texts: HitTexts,
    pub analyzer: &'q mut TextAnalyzer,
}

/// Stored fields of one document.
#[derive(Debug, Clone)]
pub(crate) struct StoredDoc {
    pub doc_id: String,
    pub url: String,
    pub title: String,
    pub text: String,
}

impl Snapshot {
    /// tantivy doc id of a passage ordinal.
    pub(crate) fn passage_doc(&self, ord: u32) -> usize {
        self.passages.table.doc_of_ord[ord as usize] as usize
    }

    pub(crate) fn stored_doc(&self, doc: DocId) -> Result<StoredDoc, InternalError> {
        let stored: TantivyDocument = self
            .docs
            .searcher
            .doc(self.docs.bm25.segments.address(doc))?;
        let field = |f, name: &str| -> Result<String, InternalError> {
            stored
                .get_first(f)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| {
                    InternalError::Corrupt(format!("document {doc} has no stored {name}"))
                })
        };
        Ok(StoredDoc {
            doc_id: field(self.docs.fields.doc_id, "doc_id")?,
            url: field(self.docs.fields.url, "url")?,
            title: field(self.docs.fields.title, "title")?,
            text: field(self.docs.fields.text, "text")?,
        })
    }

    fn passage_text<'t>(&self, text: &'t str, passage: DocId) -> Result<&'t str, InternalError> {
        self.passages
            .table
            .text(passage as usize, text)
            .ok_or_else(|| {
                InternalError::Corrupt(format!("passage {passage} is outside its document"))
            })
    }

    /// The hit of a ranked unit (rank and score left for the caller), with its text when
    /// the builder asks for texts.
    pub(crate) fn hit(
        &self,
        builder: &mut HitBuilder<'_>,
        item: &Ranked,
    ) -> Result<(Hit, Option<String>), InternalError> {
        match builder.request.unit {
            Unit::Doc => self.doc_hit(builder, item),
            Unit::Passage => self.passage_hit(builder, item.ord),
        }
    }

    /// The hit of a ranked document.
    fn doc_hit(
        &self,
        builder: &mut HitBuilder<'_>,
        item: &Ranked,
    ) -> Result<(Hit, Option<String>), InternalError> {
        let ord = item.ord as usize;
        let doc_id = *self.docs.table.doc_of_ord.get(ord).ok_or_else(|| {
            InternalError::Corrupt(format!("document ordinal {ord} out of range"))
        })?;
        let doc = self.stored_doc(doc_id)?;
        let best = match item.best_passage {
            Some(passage) => Some(self.passage_doc(passage) as DocId),
            None => self.best_bm25_passage(ord, builder.query, builder.params)?,
        };
        let source = match best {
            Some(passage) => self.passage_text(&doc.text, passage)?,
            None => doc.text.as_str(),
        };
        let hit = Hit {
            rank: 0,
            snippet: snippet(
                source,
                &builder.terms,
                builder.analyzer,
                builder.request.highlight,
            ),
            score: 0.0,
            doc_id: doc.doc_id,
            url: doc.url,
            title: doc.title,
            passage_id: None,
            char_start: None,
            char_end: None,
            explain: None,
        };
        let text = (builder.texts == HitTexts::Include).then_some(doc.text);
        Ok((hit, text))
    }

    /// The document's passage that scores best under the query (ties: earliest), for its
    /// snippet.
    fn best_bm25_passage(
        &self,
        doc_ord: usize,
        query: &ParsedQuery,
        params: Bm25Params,
    ) -> Result<Option<DocId>, InternalError> {
        let first = self.docs.table.first_passage[doc_ord] as usize;
        let count = self.docs.table.passage_count[doc_ord] as usize;
        let mut passages: Vec<DocId> = (first..first + count)
            .filter_map(|p| self.passages.table.doc_of_ord.get(p).copied())
            .collect();
        passages.sort_unstable();
        let scores = self.passages.bm25.score_docs(query, params, &passages)?;
        Ok(passages
            .iter()
            .zip(&scores)
            .max_by(|(a, sa), (b, sb)| {
                sa.total_cmp(sb).then_with(|| {
                    self.passages.bm25.ord_of[**b as usize]
                        .cmp(&self.passages.bm25.ord_of[**a as usize])
                })
            })
            .map(|(p, _)| *p))
    }

    /// The hit of a ranked passage.
    fn passage_hit(
        &self,
        builder: &mut HitBuilder<'_>,
        ord: u32,
    ) -> Result<(Hit, Option<String>), InternalError> {
        let passage = self.passage_doc(ord);
        let table = &self.passages.table;
        let doc_ord = table.doc_ord[passage] as usize;
        let doc_id = *self.docs.table.doc_of_ord.get(doc_ord).ok_or_else(|| {
            InternalError::Corrupt(format!(
                "passage {passage} points at missing document {doc_ord}"
            ))
        })?;
        let doc = self.stored_doc(doc_id)?;
        let text = self.passage_text(&doc.text, passage as DocId)?;
        let (char_start, char_end) = table.char_span(passage, text);
        let hit = Hit {
            rank: 0,
            snippet: snippet(
                text,
                &builder.terms,
                builder.analyzer,
                builder.request.highlight,
            ),
            score: 0.0,
            passage_id: Some(format!("{}#{}", doc.doc_id, table.ordinal[passage])),
            char_start: Some(char_start),
            char_end: Some(char_end),
            doc_id: doc.doc_id,
            url: doc.url,
            title: doc.title,
            explain: None,
        };
        let text = (builder.texts == HitTexts::Include).then(|| text.to_string());
        Ok((hit, text))
    }
}
