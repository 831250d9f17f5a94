//! BM25 with configurable k1/b over tantivy's postings and field norms.
//!
//! tantivy 0.27 hard-codes k1 = 1.2, b = 0.75. We keep tantivy for indexing, postings,
//! positions (phrases) and the store, and score ourselves, so that every k1/b is an exact
//! ablation. [`Bm25Index::top`] prunes with MaxScore (maxscore.rs), which needs only the
//! query terms' weights as bounds, so it holds for any k1/b; [`Bm25Index::top_exhaustive`]
//! scores every posting term-at-a-time into a dense accumulator (exhaustive.rs) and is the
//! reference the pruned ranking is tested and benchmarked against (benches/README.md). The
//! query operators' document sets are built in filter.rs.
//!
//! The formula is Lucene's (what Pyserini runs):
//! `idf · tf / (tf + k1 · (1 − b + b · dl / avgdl))`, `idf = ln(1 + (N − df + 0.5)/(df + 0.5))`,
//! with `dl` from tantivy's one-byte field norms (lossy, like Lucene's). `ln` comes from the
//! pure-Rust `libm` so that every machine computes the same bits.
use tantivy::schema::{Field, Schema};
use tantivy::{DocId, Term};

use crate::error::InternalError;
use crate::filter::Filter;
use crate::query::ParsedQuery;
use crate::segments::Segments;
use crate::topk::TopK;

/// BM25 parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    /// Term-frequency saturation.
    pub k1: f32,
    /// Length normalisation.
    pub b: f32,
}

impl Bm25Params {
    /// Checks both parameters against the ranges every snapshot and request accepts
    /// (k1 in [0, 10], b in [0, 1]); the error names the parameter and its range.
    pub fn validate(self) -> Result<Self, (&'static str, String)> {
        if !self.k1.is_finite() || !(0.0..=10.0).contains(&self.k1) {
            return Err((
                "k1",
                format!("must be a number in [0, 10], got {}", self.k1),
            ));
        }
        if !self.b.is_finite() || !(0.0..=1.0).contains(&self.b) {
            return Err(("b", format!("must be a number in [0, 1], got {}", self.b)));
        }
        Ok(self)
    }
}

/// One scored document of an index (tantivy doc id, our ordinal, score).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Doc id in the index-wide numbering of its segments (segments.rs).
    pub doc: DocId,
    /// Rank of the document in doc_id (or passage) order: the tie-break.
    pub ord: u32,
    /// Full-precision score.
    pub score: f32,
}

/// One term's share of a document's score: `weight · tf / (tf + norm)`, in f32 and in this
/// order of operations everywhere, so that pruned and exhaustive scoring agree to the bit.
#[inline]
pub(crate) fn contribution(weight: f32, tf: f32, norm: f32) -> f32 {
    weight * tf / (tf + norm)
}

/// How [`Bm25Index::top`] and its variants walk the postings.
#[derive(Clone, Copy)]
enum Walk {
    /// Every posting, term at a time (the reference).
    Exhaustive,
    /// MaxScore; `ranges` forces the split into ranges of documents (tests).
    MaxScore { ranges: Option<u32> },
}

impl Walk {
    const MAX_SCORE: Walk = Walk::MaxScore { ranges: None };
}

/// A BM25-searchable tantivy index: its segments in `ord` order, scored with statistics
/// summed over all of them, so that a ranking does not depend on how many there are.
#[derive(Debug)]
pub struct Bm25Index {
    /// The segments.
    pub(crate) segments: Segments,
    pub(crate) schema: Schema,
    pub(crate) content: Field,
    pub(crate) site: Field,
    /// tantivy doc id → ordinal.
    pub ord_of: Vec<u32>,
    num_docs: u64,
    avg_len: f64,
}

impl Bm25Index {
    /// Wraps the segments of an index; `ord_of` maps (index-wide) doc ids to ordinals.
    pub fn new(
        segments: Segments,
        schema: Schema,
        content: Field,
        site: Field,
        ord_of: Vec<u32>,
    ) -> Result<Self, InternalError> {
        let mut num_docs = 0u64;
        let mut tokens = 0u64;
        for part in segments.parts() {
            num_docs += u64::from(part.reader.num_docs());
            tokens += part.reader.inverted_index(content)?.total_num_tokens();
        }
        let avg_len = if num_docs == 0 {
            1.0
        } else {
            (tokens as f64 / num_docs as f64).max(1e-9)
        };
        Ok(Self {
            segments,
            schema,
            content,
            site,
            ord_of,
            num_docs,
            avg_len,
        })
    }

    /// Documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.num_docs
    }

    /// Doc ids run over `0..max_doc()`, across the segments.
    pub fn max_doc(&self) -> DocId {
        self.segments.max_doc()
    }

    /// Documents containing `token` in the content field, over every segment.
    pub fn doc_freq(&self, token: &str) -> Result<u64, InternalError> {
        let term = Term::from_field_text(self.content, token);
        let mut total = 0u64;
        for part in self.segments.parts() {
            let inverted = part.reader.inverted_index(self.content)?;
            total += u64::from(
                inverted
                    .doc_freq(&term)
                    .map_err(tantivy::TantivyError::from)?,
            );
        }
        Ok(total)
    }

    /// Inverse document frequency (Lucene's, always > 0).
    pub fn idf(&self, doc_freq: u64) -> f32 {
        let n = self.num_docs as f64;
        let df = doc_freq as f64;
        libm::log(1.0 + (n - df + 0.5) / (df + 0.5)) as f32
    }

    /// `k1 · (1 − b + b · dl / avgdl)` for each of the 256 field-norm codes.
    pub fn norm_table(&self, params: Bm25Params) -> [f32; 256] {
        let mut table = [0f32; 256];
        for (code, slot) in table.iter_mut().enumerate() {
            let len = f64::from(tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm(
                code as u8,
            ));
            let k1 = f64::from(params.k1);
            let b = f64::from(params.b);
            *slot = (k1 * (1.0 - b + b * len / self.avg_len)) as f32;
        }
        table
    }

    /// Field-norm code of `doc` in the content field.
    pub fn fieldnorm_code(&self, doc: DocId) -> Result<u8, InternalError> {
        let (part, local) = self.segments.locate(doc);
        Ok(part
            .reader
            .get_fieldnorms_reader(self.content)?
            .fieldnorm_id(local))
    }

    /// The best `limit` documents for `query`, ranked by (score desc, ordinal asc), with
    /// MaxScore pruning (maxscore.rs): the same list and scores as [`Bm25Index::top_exhaustive`].
    pub fn top(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        limit: usize,
    ) -> Result<Vec<Scored>, InternalError> {
        self.top_with(
            query,
            params,
            limit,
            Walk::MAX_SCORE,
            self.filter(query)?.as_ref(),
        )
    }

    /// [`Bm25Index::top`] with the query's operators already resolved over this index
    /// ([`Bm25Index::filter`]), for callers that need them for another list too (hybrid).
    pub(crate) fn top_filtered(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        limit: usize,
        filter: Option<&Filter>,
    ) -> Result<Vec<Scored>, InternalError> {
        self.top_with(query, params, limit, Walk::MAX_SCORE, filter)
    }

    /// [`Bm25Index::top`] scoring every posting of every query term (term at a time): the
    /// reference the pruned ranking is tested and benchmarked against.
    pub fn top_exhaustive(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        limit: usize,
    ) -> Result<Vec<Scored>, InternalError> {
        self.top_with(
            query,
            params,
            limit,
            Walk::Exhaustive,
            self.filter(query)?.as_ref(),
        )
    }

    /// [`Bm25Index::top`] with the documents split into `ranges` ranges scored on threads of
    /// their own, whatever the lists' length: for tests of the split (maxscore.rs), which
    /// otherwise happens only on lists of a million postings.
    #[doc(hidden)]
    pub fn top_in_ranges(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        limit: usize,
        ranges: u32,
    ) -> Result<Vec<Scored>, InternalError> {
        let walk = Walk::MaxScore {
            ranges: Some(ranges),
        };
        self.top_with(query, params, limit, walk, self.filter(query)?.as_ref())
    }

    fn top_with(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        limit: usize,
        walk: Walk,
        filter: Option<&Filter>,
    ) -> Result<Vec<Scored>, InternalError> {
        if limit == 0 || query.matches_nothing() {
            return Ok(Vec::new());
        }
        let admits = |doc: DocId| filter.is_none_or(|f| f.admits(doc));
        let mut top = TopK::new(limit);
        if query.scored.is_empty() {
            // Only a site: filter: every document of the site, in doc_id order, score 0.
            if let Some(set) = filter.and_then(Filter::sites) {
                for doc in 0..self.max_doc() {
                    if set.contains(doc) && admits(doc) {
                        top.offer(Scored {
                            doc,
                            ord: self.ord_of[doc as usize],
                            score: 0.0,
                        });
                    }
                }
            }
        } else if let Walk::MaxScore { ranges } = walk {
            self.max_score(query, params, admits, &mut top, ranges)?;
        } else {
            self.exhaustive(query, params, admits, &mut top)?;
        }
        Ok(top.into_sorted())
    }
}
