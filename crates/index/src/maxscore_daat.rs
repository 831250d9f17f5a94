//! Document-at-a-time MaxScore over one stretch of documents, for the stretches where a
//! window would only add passes: non-essential lists too sparse against the essential
//! ones' candidates to be worth scanning (rare words with common ones: "foz laz napek",
//! "nek kap tebiz repak"), or none. Each candidate is sought in the non-essential lists,
//! heaviest first, while it can still enter, and the entry bar rises with every offer.
use std::ops::Range;

use tantivy::postings::Postings;
use tantivy::{DocId, DocSet, TERMINATED};

use crate::bm25::{Bm25Index, Scored, contribution};
use crate::maxscore_window::{Cursor, entry_bar};
use crate::term_scorer::PartScorer;
use crate::topk::TopK;

/// The lists of one query in one range of a segment, ascending by weight.
pub(crate) struct Lists<'c> {
    pub cursors: &'c mut [Cursor],
    /// `bounds[i]`: summed weights of `cursors[..i]`.
    pub bounds: &'c [f64],
    /// Cursor indices in query-term order: the order shares are summed in.
    pub by_order: &'c [usize],
    /// `cursors[essential..]` are the essential lists.
    pub essential: usize,
}

impl Bm25Index {
    /// Scores `stretch` from the essential lists `lists.cursors[essential..]`; `shares`
    /// holds one 0.0 per list and is left so.
    pub(crate) fn daat_stretch(
        &self,
        part: &PartScorer<'_>,
        lists: Lists<'_>,
        shares: &mut [f32],
        stretch: Range<DocId>,
        admits: &(impl Fn(DocId) -> bool + Sync),
        top: &mut TopK,
    ) {
        let Lists {
            cursors,
            bounds,
            by_order,
            essential,
        } = lists;
        let (rest, essentials) = cursors.split_at_mut(essential);
        let mut bar = entry_bar(top.entry_score());
        loop {
            let local = match &essentials[..] {
                // The usual state of a long query once its top-k is full: no minimum to take.
                [only] => only.postings.doc(),
                several => several
                    .iter()
                    .map(|c| c.postings.doc())
                    .min()
                    .unwrap_or(TERMINATED),
            };
            if local >= stretch.end {
                break;
            }
            let norm = part.norm(local);
            let mut upper = bounds[essential];
            for (at, cursor) in essentials.iter_mut().enumerate() {
                if cursor.postings.doc() == local {
                    let tf = cursor.postings.term_freq() as f32;
                    let share = contribution(cursor.weight, tf, norm);
                    shares[essential + at] = share;
                    upper += f64::from(share);
                    cursor.postings.advance();
                }
            }
            for (at, cursor) in rest.iter_mut().enumerate().rev() {
                if upper < bar {
                    break;
                }
                upper -= f64::from(cursor.weight);
                if cursor.postings.doc() <= local && cursor.postings.seek(local) == local {
                    let tf = cursor.postings.term_freq() as f32;
                    let share = contribution(cursor.weight, tf, norm);
                    shares[at] = share;
                    upper += f64::from(share);
                }
            }
            let doc = part.base + local;
            if upper >= bar && admits(doc) {
                // Query-term order, from 0.0: the exhaustive accumulator's sum.
                let score = by_order.iter().fold(0.0f32, |sum, &i| sum + shares[i]);
                top.offer(Scored {
                    doc,
                    ord: self.ord_of[doc as usize],
                    score,
                });
                bar = entry_bar(top.entry_score());
            }
            for share in shares.iter_mut() {
                *share = 0.0;
            }
        }
    }
}
