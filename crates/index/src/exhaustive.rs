//! The exhaustive walk of [`Bm25Index`]: every posting of every query term scored term at a
//! time into a dense per-thread accumulator. It is the reference the MaxScore ranking
//! (maxscore.rs) is tested and benchmarked against; [`Bm25Index::score_docs`] scores chosen
//! documents only, by seeking.
use std::cell::RefCell;

use tantivy::postings::Postings;
use tantivy::{DocId, DocSet};

use crate::bm25::{Bm25Index, Bm25Params, Scored};
use crate::error::InternalError;
use crate::query::ParsedQuery;
use crate::segments::Segments;
use crate::topk::TopK;

thread_local! {
    /// Per-thread accumulator reused across queries: allocating and zeroing one float per
    /// document for every query would cost more than scoring a rare term.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

impl Bm25Index {
    /// Offers every admitted document with a share of the query's score to `top`.
    pub(crate) fn exhaustive(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        admits: impl Fn(DocId) -> bool,
        top: &mut TopK,
    ) -> Result<(), InternalError> {
        SCRATCH.with(|cell| -> Result<(), InternalError> {
            let mut scores = cell.borrow_mut();
            let touched = match self.accumulate(query, params, &mut scores) {
                Ok(touched) => touched,
                Err(error) => {
                    // Leave the shared buffer clean for the next query on this thread.
                    scores.iter_mut().for_each(|s| *s = 0.0);
                    return Err(error);
                }
            };
            for &doc in &touched {
                let score = scores[doc as usize];
                scores[doc as usize] = 0.0;
                if admits(doc) {
                    top.offer(Scored {
                        doc,
                        ord: self.ord_of[doc as usize],
                        score,
                    });
                }
            }
            Ok(())
        })
    }

    /// Adds every scored token's BM25 contribution into `scores`; returns the touched docs.
    fn accumulate(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        scores: &mut Vec<f32>,
    ) -> Result<Vec<DocId>, InternalError> {
        let max_doc = self.max_doc() as usize;
        if scores.len() < max_doc {
            scores.resize(max_doc, 0.0);
        }
        let scorer = self.term_scorer(params)?;
        let mut touched = Vec::new();
        // Terms outermost: each document's shares are summed in query-term order (a
        // document lies in one segment only), as MaxScore sums them.
        for term in scorer.terms(query)? {
            for part in scorer.parts() {
                let Some(mut block) = part.block_postings(&term)? else {
                    continue;
                };
                loop {
                    let docs = block.docs();
                    if docs.is_empty() {
                        break;
                    }
                    for (&local, &tf) in docs.iter().zip(block.freqs()) {
                        let doc = part.base + local;
                        let slot = &mut scores[doc as usize];
                        if *slot == 0.0 {
                            touched.push(doc);
                        }
                        *slot += part.share(term.weight, tf, local);
                    }
                    block.advance();
                }
            }
        }
        Ok(touched)
    }

    /// Scores of the given documents only (ascending doc ids), by seeking each token's
    /// postings: used to pick the best passage of a document for its snippet.
    pub fn score_docs(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        docs: &[DocId],
    ) -> Result<Vec<f32>, InternalError> {
        let scorer = self.term_scorer(params)?;
        let mut scores = vec![0f32; docs.len()];
        for term in scorer.terms(query)? {
            for part in scorer.parts() {
                let within = Segments::within(part.segment(), docs);
                if within.is_empty() {
                    continue;
                }
                let Some(mut postings) = part.postings(&term)? else {
                    continue;
                };
                for (slot, &doc) in scores[within.clone()].iter_mut().zip(&docs[within]) {
                    let local = doc - part.base;
                    if postings.doc() > local {
                        continue;
                    }
                    if postings.seek(local) == local {
                        *slot += part.share(term.weight, postings.term_freq(), local);
                    }
                }
            }
        }
        Ok(scores)
    }
}
