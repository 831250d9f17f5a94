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

/// One scored query token present in the index.
pub(crate) struct WeightedTerm {
    /// Position of the token among the query's scored tokens: the summation order.
    pub order: usize,
    /// Where its postings are.
    pub info: TermInfo,
    /// idf × its query weight (times asked, or the sum of its `^w` boosts).
    pub weight: f32,
}

/// The content field's postings and norms of one index, for one (k1, b).
pub(crate) struct TermScorer<'a> {
    index: &'a Bm25Index,
    inverted: Arc<InvertedIndexReader>,
    norms: FieldNormReader,
    /// `k1 · (1 − b + b · dl / avgdl)` by field-norm code.
    table: [f32; 256],
}

impl Bm25Index {
    /// The scorer of this index's content field for `params`.
    pub(crate) fn term_scorer(&self, params: Bm25Params) -> Result<TermScorer<'_>, InternalError> {
        Ok(TermScorer {
            index: self,
            inverted: self.segment.inverted_index(self.content)?,
            norms: self.segment.get_fieldnorms_reader(self.content)?,
            table: self.norm_table(params),
        })
    }
}

impl TermScorer<'_> {
    /// The query's scored tokens that occur in the index, in query order; absent tokens
    /// add nothing to any score and are left out.
    pub fn terms(&self, query: &ParsedQuery) -> Result<Vec<WeightedTerm>, InternalError> {
        let mut terms = Vec::with_capacity(query.scored.len());
        for (order, (token, count)) in query.scored.iter().enumerate() {
            let term = Term::from_field_text(self.index.content, token);
            let info = self
                .inverted
                .get_term_info(&term)
                .map_err(tantivy::TantivyError::from)?;
            if let Some(info) = info {
                let weight = self.index.idf(u64::from(info.doc_freq)) * *count;
                terms.push(WeightedTerm {
                    order,
                    info,
                    weight,
                });
            }
        }
        Ok(terms)
    }

    /// A term's postings with frequencies, one document at a time (for seeking).
    pub fn postings(&self, term: &WeightedTerm) -> Result<SegmentPostings, InternalError> {
        Ok(self
            .inverted
            .read_postings_from_terminfo(&term.info, IndexRecordOption::WithFreqs)
            .map_err(tantivy::TantivyError::from)?)
    }

    /// A term's postings with frequencies, a block at a time (for exhaustive scans).
    pub fn block_postings(
        &self,
        term: &WeightedTerm,
    ) -> Result<BlockSegmentPostings, InternalError> {
        Ok(self
            .inverted
            .read_block_postings_from_terminfo(&term.info, IndexRecordOption::WithFreqs)
            .map_err(tantivy::TantivyError::from)?)
    }

    /// The length normalisation of `doc`.
    pub fn norm(&self, doc: DocId) -> f32 {
        self.table[self.norms.fieldnorm_id(doc) as usize]
    }

    /// The share of `doc`'s score from a term of `weight` occurring `tf` times in it.
    pub fn share(&self, weight: f32, tf: u32, doc: DocId) -> f32 {
        contribution(weight, tf as f32, self.norm(doc))
    }
}
