//! Dense candidates that satisfy the query's operators (`site:`, `"phrase"`, exclusions).
//!
//! Ranking first and filtering after returns fewer than k hits, or none, whenever the
//! operators are selective (a `site:` of 2% of the corpus keeps ~2 of 100 ANN candidates),
//! so the filter runs inside the search, the way filtered vector search engines do it:
//! - when few units can pass (the smallest positive set of the filter, `site:` or a required
//!   phrase, holds at most `OpenOptions::filtered_full_scan` passages, 20,000 by default),
//!   their vectors are scanned exactly: a few milliseconds, and exact, where a graph search
//!   would wander through excluded nodes;
//! - otherwise HNSW searches with the filter applied to every candidate it keeps
//!   (hnsw_rs's `search_filter`), so the beam fills with admitted passages only; IVF scans
//!   its nearest lists with the filter and widens until k admitted passages were seen;
//! - should that still find fewer than asked while more may pass (a graph can strand a
//!   filtered region), the admitted passages are scanned exactly instead.
//!
//! Every path ranks by (score rounded to 4 decimals desc, passage ordinal asc), so the
//! answer is the same on every run. For `unit=doc` the filter is the document index's, and
//! a passage is admitted when its document is.
use driftless_api::Unit;
use tantivy::DocId;

use crate::dense::{Ann, DenseHit, DenseIndex, dot};
use crate::filter::Filter;
use crate::ranking::rank_pairs as rank;
use crate::snapshot::Snapshot;

/// Default of `OpenOptions::filtered_full_scan`: at most this many passages that may pass
/// are scanned exactly instead of searching the graph (~2 ms of dot products at 384
/// dimensions on one core).
pub(crate) const DEFAULT_FILTERED_FULL_SCAN: usize = 20_000;

impl DenseIndex {
    /// Exact top `limit` of the passages `ords`, ranked by (score desc, ordinal asc).
    pub(crate) fn exact_among(
        &self,
        query: &[f32],
        ords: impl Iterator<Item = u32>,
        limit: usize,
    ) -> Vec<DenseHit> {
        let mut hits: Vec<DenseHit> = ords
            .map(|ord| (ord, dot(query, self.vector(ord))))
            .collect();
        rank(&mut hits, limit);
        hits
    }

    /// Approximate top `limit` among the passages `admits` accepts, with the filter inside
    /// the graph search.
    pub(crate) fn ann_admitted(
        &self,
        query: &[f32],
        limit: usize,
        admits: &dyn Fn(u32) -> bool,
    ) -> Vec<DenseHit> {
        match &self.ann {
            Ann::Hnsw(hnsw) => {
                let ef = self.config.hnsw_ef_search.max(limit);
                let keep = |id: &usize| u32::try_from(*id).is_ok_and(admits);
                let neighbours = hnsw.search_filter(query, limit, ef, Some(&keep));
                self.rescored(query, neighbours, limit)
            }
            // IVF widens its scan until `limit` admitted passages were seen.
            Ann::Ivf(ivf) => {
                let scan = crate::ivf::IvfScan {
                    limit,
                    probe: self.default_effort(),
                    rescore: ivf.rescore(),
                };
                ivf.search(self.vectors(), query, scan, Some(admits))
            }
        }
    }
}

impl Snapshot {
    /// The best `limit` passages for `vector` (exactly with `exact`, else by HNSW) that the
    /// query's operators admit, ranked by (score desc, ordinal asc). `filter` is the filter
    /// of `unit`'s index; `None` means no operators.
    pub(crate) fn dense_passages(
        &self,
        dense: &DenseIndex,
        vector: &[f32],
        unit: Unit,
        filter: Option<&Filter>,
        limit: usize,
        exact: bool,
    ) -> Vec<DenseHit> {
        let Some(filter) = filter else {
            return if exact {
                dense.exact(vector, limit)
            } else {
                dense.ann(vector, limit)
            };
        };
        let admits = |passage: u32| filter.admits(self.unit_of_passage(unit, passage));
        let all = dense.len();
        if exact || self.passages_bound(unit, filter) <= dense.filtered_full_scan {
            return dense.exact_among(vector, self.candidate_passages(unit, filter), limit);
        }
        let hits = dense.ann_admitted(vector, limit, &admits);
        if hits.len() >= limit.min(all) {
            return hits;
        }
        dense.exact_among(vector, self.candidate_passages(unit, filter), limit)
    }

    /// The tantivy doc id, in `unit`'s index, of the unit holding passage `passage`.
    fn unit_of_passage(&self, unit: Unit, passage: u32) -> DocId {
        let passage_doc = self.passage_doc(passage);
        match unit {
            Unit::Passage => passage_doc as DocId,
            Unit::Doc => {
                let doc_ord = self.passages.table.doc_ord[passage_doc] as usize;
                self.docs.table.doc_of_ord[doc_ord]
            }
        }
    }

    /// An upper bound on the passages `filter` can admit.
    fn passages_bound(&self, unit: Unit, filter: &Filter) -> usize {
        match unit {
            Unit::Passage => filter.bound(self.passages.table.doc_of_ord.len()),
            Unit::Doc => {
                let docs = self.docs.table.doc_of_ord.len();
                if filter.bound(docs) >= docs {
                    return self.passages.table.doc_of_ord.len();
                }
                filter
                    .candidates(self.docs.bm25.max_doc())
                    .map(|doc| {
                        self.docs.table.passage_count[self.docs.bm25.ord_of[doc as usize] as usize]
                            as usize
                    })
                    .sum()
            }
        }
    }

    /// The passage ordinals `filter` admits (checked one by one), in index order.
    fn candidate_passages<'a>(
        &'a self,
        unit: Unit,
        filter: &'a Filter,
    ) -> Box<dyn Iterator<Item = u32> + 'a> {
        match unit {
            Unit::Passage => Box::new(
                filter
                    .candidates(self.passages.bm25.max_doc())
                    .filter(|&doc| filter.admits(doc))
                    .map(|doc| self.passages.bm25.ord_of[doc as usize]),
            ),
            Unit::Doc => Box::new(
                filter
                    .candidates(self.docs.bm25.max_doc())
                    .filter(|&doc| filter.admits(doc))
                    .flat_map(|doc| {
                        let doc_ord = self.docs.bm25.ord_of[doc as usize] as usize;
                        let first = self.docs.table.first_passage[doc_ord];
                        first..first + self.docs.table.passage_count[doc_ord]
                    }),
            ),
        }
    }
}
