//! MaxScore (Turtle & Flood, 1995): rank-safe pruning for [`Bm25Index::top`].
//!
//! Exhaustive term-at-a-time scoring reads every posting of every query term; with common
//! words ("python", "index") that was a third of a `/retrieve` request's CPU. A term's
//! share of any score is at most its weight (`tf / (tf + norm) ≤ 1`), so once the top-k is
//! full, the terms whose summed weights cannot lift a document into it are non-essential:
//! candidates come from the essential terms' postings only, and the other terms are
//! looked up (seek) for a candidate only while it can still enter.
//!
//! Long lists also carry block-max bounds (block_max.rs): when the bounds of the runs a
//! candidate falls in cannot lift it into the top-k, the essential lists seek past the end
//! of the shortest such run instead of visiting its documents one by one.
//!
//! Shares are summed in query-term order with the exhaustive path's f32 expression, so both
//! give the same scores to the bit (tests compare them over the real corpus); comparisons
//! against the entry bar carry a relative slack for the f64/f32 difference.
use std::sync::Arc;

use tantivy::postings::{Postings, SegmentPostings};
use tantivy::{DocId, DocSet, TERMINATED};

use crate::block_max::BlockMax;
use crate::bm25::{Bm25Index, Bm25Params, Scored, contribution};
use crate::error::InternalError;
use crate::query::ParsedQuery;
use crate::topk::TopK;

/// Relative slack on upper bounds: summing f32 shares may round above their f64 sum.
const SLACK: f64 = 1e-5;

/// One query term's postings.
struct Cursor {
    postings: SegmentPostings,
    weight: f32,
    /// Position of the term among the query's scored terms: the summation order.
    order: usize,
    /// Block-max bounds of a long list (block_max.rs), and the run its documents are in.
    blocks: Option<Arc<BlockMax>>,
    run: usize,
}

/// When no document from `doc` to some `end` can enter the top-k by the block-max bounds
/// of the runs they fall in (every term's run holds all of them), that `end`: the essential
/// lists may then skip past it. `TERMINATED` when no later document can enter at all.
fn blocked_until(cursors: &mut [Cursor], doc: DocId, entry: f64) -> Option<DocId> {
    let mut upper = 0.0f64;
    let mut end = TERMINATED;
    for cursor in cursors.iter_mut() {
        let Some(blocks) = &cursor.blocks else {
            upper += f64::from(cursor.weight);
            continue;
        };
        // A list with nothing left at or after `doc` adds nothing and bounds no range.
        if let Some((bound, last)) = blocks.at(doc, &mut cursor.run) {
            upper += f64::from(cursor.weight) * f64::from(bound);
            end = end.min(last);
        }
    }
    (!may_enter(upper, entry)).then_some(end)
}

/// Whether a document whose score is at most `upper` may still enter a top-k whose entry
/// score is `entry`.
fn may_enter(upper: f64, entry: f64) -> bool {
    upper * (1.0 + SLACK) + 1e-9 >= entry
}

impl Bm25Index {
    /// Offers to `top` every admitted document that can make it, with its exact score.
    pub(crate) fn max_score(
        &self,
        query: &ParsedQuery,
        params: Bm25Params,
        admits: impl Fn(DocId) -> bool,
        top: &mut TopK,
    ) -> Result<(), InternalError> {
        let scorer = self.term_scorer(params)?;
        let mut cursors = Vec::with_capacity(query.scored.len());
        for term in scorer.terms(query)? {
            cursors.push(Cursor {
                postings: scorer.postings(&term)?,
                weight: term.weight,
                order: term.order,
                blocks: scorer.block_max(&term)?,
                run: 0,
            });
        }
        let any_blocks = cursors.iter().any(|c| c.blocks.is_some());
        // Ascending weights: the least useful terms turn non-essential first.
        cursors.sort_by(|a, b| a.weight.total_cmp(&b.weight).then(a.order.cmp(&b.order)));
        // bounds[i]: summed weights of cursors[..i].
        let mut bounds = vec![0.0f64; cursors.len() + 1];
        for (i, cursor) in cursors.iter().enumerate() {
            bounds[i + 1] = bounds[i] + f64::from(cursor.weight);
        }
        let mut shares: Vec<Option<f32>> = vec![None; query.scored.len()];
        // cursors[essential..] are the essential terms.
        let mut essential = 0;
        loop {
            let entry = top.entry_score();
            while essential < cursors.len() && !may_enter(bounds[essential + 1], entry) {
                essential += 1;
            }
            let Some(doc) = cursors[essential..]
                .iter()
                .map(|c| c.postings.doc())
                .min()
                .filter(|doc| *doc != TERMINATED)
            else {
                break;
            };
            let blocked = if any_blocks {
                blocked_until(&mut cursors, doc, entry)
            } else {
                None
            };
            if let Some(mut end) = blocked {
                // Walk on over the bounds alone (nothing decoded) to the first run that may
                // hold an entrant, then seek the essential lists there once.
                while end != TERMINATED {
                    match blocked_until(&mut cursors, end + 1, entry) {
                        Some(next) => end = next,
                        None => break,
                    }
                }
                if end == TERMINATED {
                    break;
                }
                for cursor in &mut cursors[essential..] {
                    if cursor.postings.doc() <= end {
                        cursor.postings.seek(end + 1);
                    }
                }
                continue;
            }
            let norm = scorer.norm(doc);
            let mut upper = bounds[essential];
            for cursor in &mut cursors[essential..] {
                if cursor.postings.doc() == doc {
                    let tf = cursor.postings.term_freq() as f32;
                    let share = contribution(cursor.weight, tf, norm);
                    shares[cursor.order] = Some(share);
                    upper += f64::from(share);
                    cursor.postings.advance();
                }
            }
            // Non-essential terms, heaviest first, while the document can still enter.
            for cursor in cursors[..essential].iter_mut().rev() {
                if !may_enter(upper, entry) {
                    break;
                }
                upper -= f64::from(cursor.weight);
                if cursor.postings.doc() <= doc && cursor.postings.seek(doc) == doc {
                    let tf = cursor.postings.term_freq() as f32;
                    let share = contribution(cursor.weight, tf, norm);
                    shares[cursor.order] = Some(share);
                    upper += f64::from(share);
                }
            }
            if may_enter(upper, entry) && admits(doc) {
                // Query-term order, from 0.0: the exhaustive accumulator's sum.
                let score = shares
                    .iter()
                    .flatten()
                    .fold(0.0f32, |sum, share| sum + share);
                top.offer(Scored {
                    doc,
                    ord: self.ord_of[doc as usize],
                    score,
                });
            }
            shares.iter_mut().for_each(|share| *share = None);
        }
        Ok(())
    }
}
