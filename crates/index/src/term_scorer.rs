//! What every BM25 scoring loop (exhaustive, MaxScore, per-document) reads before it walks
//! postings: the query's terms found in the index with their weights, their postings, and
//! each document's length normalisation for the request's k1/b.
//!
//! Kept in one place so that the three loops cannot drift apart: a share of a score is
//! always [`contribution`] of the same weight, tf and norm, which is what keeps pruned and
//! exhaustive rankings equal to the bit.
use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{BlockSegmentPostings, SegmentPostings, TermInfo};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, InvertedIndexReader, Term};

use crate::bm25::{Bm25Index, Bm25Params, contribution};
use crate::error::InternalError;
use crate::query::ParsedQuery;
use crate::segments::Part;

/// One scored query token present in the index.
pub(crate) struct WeightedTerm {
    /// Position of the token among the query's scored tokens: the summation order.
    pub order: usize,
    /// Where its postings are in each segment (`None` where it does not occur).
    pub infos: Vec<Option<TermInfo>>,
    /// idf × its query weight (times asked, or the sum of its `^w` boosts).
    pub weight: f32,
}

/// The content field's postings and norms of one index, for one (k1, b).
pub(crate) struct TermScorer<'a> {
    index: &'a Bm25Index,
    parts: Vec<PartScorer<'a>>,
}

/// The postings and norms of one segment; doc ids here are the segment's own.
pub(crate) struct PartScorer<'a> {
    part: &'a Part,
    /// This part's place in [`WeightedTerm::infos`].
    slot: usize,
    /// Index-wide doc id of the segment's first document.
    pub base: DocId,
    inverted: Arc<InvertedIndexReader>,
    norms: FieldNormReader,
    /// `k1 · (1 − b + b · dl / avgdl)` by field-norm code (avgdl over all segments).
    table: [f32; 256],
}

impl Bm25Index {
    /// The scorer of this index's content field for `params`.
    pub(crate) fn term_scorer(&self, params: Bm25Params) -> Result<TermScorer<'_>, InternalError> {
        let table = self.norm_table(params);
        let mut parts = Vec::with_capacity(self.segments.parts().len());
        for (slot, part) in self.segments.parts().iter().enumerate() {
            parts.push(PartScorer {
                part,
                slot,
                base: part.base,
                inverted: part.reader.inverted_index(self.content)?,
                norms: part.reader.get_fieldnorms_reader(self.content)?,
                table,
            });
        }
        Ok(TermScorer { index: self, parts })
    }
}

impl TermScorer<'_> {
    /// The query's scored tokens that occur in the index, in query order, weighted by their
    /// document frequency over every segment; absent tokens add nothing to any score and
    /// are left out.
    pub fn terms(&self, query: &ParsedQuery) -> Result<Vec<WeightedTerm>, InternalError> {
        let mut terms = Vec::with_capacity(query.scored.len());
        for (order, (token, count)) in query.scored.iter().enumerate() {
            let term = Term::from_field_text(self.index.content, token);
            let mut infos = Vec::with_capacity(self.parts.len());
            let mut doc_freq = 0u64;
            for part in &self.parts {
                let info = part
                    .inverted
                    .get_term_info(&term)
                    .map_err(tantivy::TantivyError::from)?;
                doc_freq += info.as_ref().map_or(0, |i| u64::from(i.doc_freq));
                infos.push(info);
            }
            if doc_freq > 0 {
                let weight = self.index.idf(doc_freq) * *count;
                terms.push(WeightedTerm {
                    order,
                    infos,
                    weight,
                });
            }
        }
        Ok(terms)
    }

    /// The segments' scorers, in doc id order.
    pub fn parts(&self) -> &[PartScorer<'_>] {
        &self.parts
    }
}

impl PartScorer<'_> {
    /// The segment.
    pub fn segment(&self) -> &Part {
        self.part
    }

    /// Where `term`'s postings are in this segment; `None` where it does not occur in it.
    fn info<'t>(&self, term: &'t WeightedTerm) -> Option<&'t TermInfo> {
        term.infos[self.slot].as_ref()
    }

    /// Documents of `term` in this segment.
    pub fn doc_freq(&self, term: &WeightedTerm) -> u64 {
        self.info(term).map_or(0, |info| u64::from(info.doc_freq))
    }

    /// A term's postings in this segment with frequencies, one document at a time (for
    /// seeking); `None` where the term does not occur in it.
    pub fn postings(&self, term: &WeightedTerm) -> Result<Option<SegmentPostings>, InternalError> {
        let read = |info| {
            self.inverted
                .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)
        };
        Ok(self
            .info(term)
            .map(read)
            .transpose()
            .map_err(tantivy::TantivyError::from)?)
    }

    /// A term's postings in this segment, a block at a time (for exhaustive scans).
    pub fn block_postings(
        &self,
        term: &WeightedTerm,
    ) -> Result<Option<BlockSegmentPostings>, InternalError> {
        let read = |info| {
            self.inverted
                .read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)
        };
        Ok(self
            .info(term)
            .map(read)
            .transpose()
            .map_err(tantivy::TantivyError::from)?)
    }

    /// The length normalisation of the segment's document `local`.
    pub fn norm(&self, local: DocId) -> f32 {
        self.table[self.norms.fieldnorm_id(local) as usize]
    }

    /// The share of `local`'s score from a term of `weight` occurring `tf` times in it.
    pub fn share(&self, weight: f32, tf: u32, local: DocId) -> f32 {
        contribution(weight, tf as f32, self.norm(local))
    }
}
