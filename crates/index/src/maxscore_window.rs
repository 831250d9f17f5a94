//! MaxScore over one range of documents, a window of [`WINDOW`] documents at a time (the
//! shape of Lucene's `MaxScoreBulkScorer`).
//!
//! Document at a time, every candidate of a heavy query paid a seek into each non-essential
//! list and three unpredictable branches: at 10M passages "hez nuz dup" (lists of 17-30 %
//! of the documents) spent ~100 cycles per candidate, 70 % of them in that loop. In a
//! window, the essential lists are walked first and their candidates collected; then each
//! non-essential list, heaviest first, is either walked too (a sequential scan testing a
//! bit per posting, when the survivors are dense against the list) or sought once per
//! surviving candidate (when they are few), and candidates that can no longer enter are
//! dropped between lists. The survivors are scored and offered in document order.
//!
//! Nothing about the ranking changes: shares are [`contribution`] of the same weight, tf
//! and norm, summed in query-term order from 0.0 as the exhaustive path sums them, and a
//! candidate is only dropped when its f64 upper bound is below the entry bar, which is
//! taken at the start of each window (the bar only rises, so a stale one drops less).
use std::ops::Range;

use tantivy::postings::{Postings, SegmentPostings};
use tantivy::{DocId, DocSet};

use crate::bm25::{Bm25Index, Scored, contribution};
use crate::error::InternalError;
use crate::maxscore_daat::Lists;
use crate::term_scorer::{PartScorer, WeightedTerm};
use crate::topk::TopK;

/// Documents per window: the buffers (an f64 bound and an f32 share per term per slot)
/// stay in L1/L2 for the usual 2-4 terms.
const WINDOW: u32 = 1 << 12;

/// A sought posting costs about this many scanned ones (a skip-list step and an in-block
/// search against an increment and a bit test): a non-essential list is scanned when it
/// holds more than this many postings per surviving candidate in the window.
const SEEK_COST: f64 = 3.0;

/// Relative slack on upper bounds: summing f32 shares may round above their f64 sum.
const SLACK: f64 = 1e-5;

/// The least upper bound with which a document may still enter a top-k whose entry score
/// is `entry`: `upper ≥ bar` is `upper · (1 + SLACK) + 1e-9 ≥ entry` solved for `upper`
/// once per window (rounding moves it by an ulp, far inside SLACK; scores are ≥ 0).
pub(crate) fn entry_bar(entry: f64) -> f64 {
    (entry - 1e-9) / (1.0 + SLACK)
}

/// One query term's postings in the segment.
pub(crate) struct Cursor {
    pub postings: SegmentPostings,
    pub weight: f32,
    /// Position of the term among the query's scored terms: the summation order.
    pub order: usize,
    /// Share of the segment's documents that hold the term (to choose scan or seek).
    pub density: f64,
}

/// Whether a window would scan a non-essential list: it holds more than [`SEEK_COST`]
/// postings per candidate the essential lists may give (their summed densities).
fn scans_any(cursors: &[Cursor], essential: usize) -> bool {
    let candidates: f64 = cursors[essential..].iter().map(|c| c.density).sum();
    cursors[..essential]
        .iter()
        .any(|c| candidates * SEEK_COST >= c.density)
}

/// Per-window state, reused from one window to the next.
struct Window {
    /// Candidates' slots (document − window start), ascending once collected.
    candidates: Vec<u16>,
    /// Every slot collected in this window, survivors or not: what to reset after it.
    touched: Vec<u16>,
    /// Bit per slot: a candidate still alive.
    alive: Vec<u64>,
    /// Per slot: the shares found so far plus the weights of the terms not yet looked up.
    upper: Vec<f64>,
    /// `shares[cursor · WINDOW + slot]`: a term's share of the slot's document, 0.0 where
    /// the term is absent (adding 0.0 leaves an f32 sum's bits as they are).
    shares: Vec<f32>,
}

impl Window {
    fn new(terms: usize) -> Self {
        Self {
            candidates: Vec::with_capacity(WINDOW as usize),
            touched: Vec::with_capacity(WINDOW as usize),
            alive: vec![0; WINDOW as usize / 64],
            upper: vec![0.0; WINDOW as usize],
            shares: vec![0.0; terms * WINDOW as usize],
        }
    }

    fn is_alive(&self, slot: usize) -> bool {
        self.alive[slot / 64] & (1 << (slot % 64)) != 0
    }

    fn set_alive(&mut self, slot: usize, on: bool) {
        let bit = 1u64 << (slot % 64);
        if on {
            self.alive[slot / 64] |= bit;
        } else {
            self.alive[slot / 64] &= !bit;
        }
    }

    /// Back to empty for the next window, writing only the slots this one touched.
    fn reset(&mut self, terms: usize) {
        for i in 0..self.candidates.len() {
            self.set_alive(self.candidates[i] as usize, false);
        }
        self.candidates.clear();
        for &slot in &self.touched {
            for term in 0..terms {
                self.shares[term * WINDOW as usize + slot as usize] = 0.0;
            }
        }
        self.touched.clear();
    }

    /// Records the share of the term at cursor index `at` in the document at `slot`.
    #[inline]
    fn add_share(&mut self, at: usize, slot: usize, share: f32) {
        self.shares[at * WINDOW as usize + slot] = share;
        self.upper[slot] += f64::from(share);
    }

    /// Whether `slot` may still enter against `bar`; its bit is cleared if not.
    fn keep(&mut self, slot: u16, bar: f64) -> bool {
        let keep = self.upper[slot as usize] >= bar;
        if !keep {
            self.set_alive(slot as usize, false);
        }
        keep
    }

    /// Drops the candidates whose bound fell below `bar` (a loop of its own: `retain`'s
    /// per-element bookkeeping cost more than the test).
    fn prune(&mut self, bar: f64) {
        let mut kept = 0;
        for i in 0..self.candidates.len() {
            let slot = self.candidates[i];
            if self.keep(slot, bar) {
                self.candidates[kept] = slot;
                kept += 1;
            }
        }
        self.candidates.truncate(kept);
    }
}

impl Bm25Index {
    /// MaxScore over the documents of `range` (the segment's own doc ids) only, a window
    /// at a time; offers to `top` every admitted document that can make it.
    pub(crate) fn max_score_in(
        &self,
        part: &PartScorer<'_>,
        terms: &[WeightedTerm],
        admits: &(impl Fn(DocId) -> bool + Sync),
        top: &mut TopK,
        range: Range<DocId>,
    ) -> Result<(), InternalError> {
        let max_doc = f64::from(part.segment().max_doc().max(1));
        let mut cursors = Vec::with_capacity(terms.len());
        for term in terms {
            let Some(mut postings) = part.postings(term)? else {
                continue;
            };
            if range.start > 0 {
                postings.seek(range.start);
            }
            cursors.push(Cursor {
                density: f64::from(postings.doc_freq()) / max_doc,
                postings,
                weight: term.weight,
                order: term.order,
            });
        }
        if cursors.is_empty() {
            return Ok(());
        }
        // Ascending weights: the least useful terms turn non-essential first.
        cursors.sort_by(|a, b| a.weight.total_cmp(&b.weight).then(a.order.cmp(&b.order)));
        // bounds[i]: summed weights of cursors[..i].
        let mut bounds = vec![0.0f64; cursors.len() + 1];
        for (i, cursor) in cursors.iter().enumerate() {
            bounds[i + 1] = bounds[i] + f64::from(cursor.weight);
        }
        // Cursor indices in query-term order: the order shares are summed in.
        let mut by_order: Vec<usize> = (0..cursors.len()).collect();
        by_order.sort_by_key(|&i| cursors[i].order);
        let mut window = Window::new(cursors.len());
        let mut shares = vec![0.0f32; cursors.len()];
        let mut essential = 0;
        loop {
            let bar = entry_bar(top.entry_score());
            while essential < cursors.len() && bounds[essential + 1] < bar {
                essential += 1;
            }
            // Empty stretches are skipped: a window starts at the next essential posting.
            let Some(start) = cursors[essential..]
                .iter()
                .map(|c| c.postings.doc())
                .min()
                .filter(|doc| *doc < range.end)
            else {
                break;
            };
            let end = start.saturating_add(WINDOW).min(range.end);
            if !scans_any(&cursors, essential) {
                let lists = Lists {
                    cursors: &mut cursors,
                    bounds: &bounds,
                    by_order: &by_order,
                    essential,
                };
                self.daat_stretch(part, lists, &mut shares, start..end, admits, top);
                continue;
            }
            collect_essential(
                &mut window,
                &mut cursors,
                essential,
                bounds[essential],
                part,
                start,
                end,
            );
            for at in (0..essential).rev() {
                let cursor = &mut cursors[at];
                let expected = cursor.density * f64::from(end - start);
                let sought = |count: usize| (count as f64) * SEEK_COST < expected;
                // Sought even before the prune: drop and seek in one pass (a pass of its
                // own was 8 % of a window's time). Else prune, then choose on the survivors.
                if sought(window.candidates.len()) {
                    seek_each(&mut window, cursor, at, part, start, bar);
                    continue;
                }
                window.prune(bar);
                if sought(window.candidates.len()) {
                    seek_each(&mut window, cursor, at, part, start, bar);
                } else {
                    scan(&mut window, cursor, at, part, start, end);
                }
            }
            for &slot in &window.candidates {
                let doc = part.base + start + u32::from(slot);
                if window.upper[slot as usize] >= bar && admits(doc) {
                    // Query-term order, from 0.0: the exhaustive accumulator's sum.
                    let score = by_order.iter().fold(0.0f32, |sum, &i| {
                        sum + window.shares[i * WINDOW as usize + slot as usize]
                    });
                    top.offer(Scored {
                        doc,
                        ord: self.ord_of[doc as usize],
                        score,
                    });
                }
            }
            window.reset(cursors.len());
        }
        Ok(())
    }
}

/// Walks the essential lists (`cursors[essential..]`) over `start..end`: every posting is a
/// candidate, with the non-essential terms' weights (`rest`) as the rest of its bound.
fn collect_essential(
    window: &mut Window,
    cursors: &mut [Cursor],
    essential: usize,
    rest: f64,
    part: &PartScorer<'_>,
    start: DocId,
    end: DocId,
) {
    // One essential list gives its slots in order; several interleave, and their union is
    // read back from the bit set in order (sorting it cost more than the scoring).
    let single = cursors.len() - essential == 1;
    for (at, cursor) in cursors.iter_mut().enumerate().skip(essential) {
        let weight = cursor.weight;
        let postings = &mut cursor.postings;
        while postings.doc() < end {
            let local = postings.doc();
            let slot = (local - start) as usize;
            if !window.is_alive(slot) {
                window.set_alive(slot, true);
                if single {
                    window.candidates.push(slot as u16);
                }
                window.upper[slot] = rest;
            }
            let share = contribution(weight, postings.term_freq() as f32, part.norm(local));
            window.add_share(at, slot, share);
            postings.advance();
        }
    }
    if !single {
        let words = (end - start).div_ceil(64) as usize;
        for (i, &word) in window.alive[..words].iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                window
                    .candidates
                    .push((i * 64 + bits.trailing_zeros() as usize) as u16);
                bits &= bits - 1;
            }
        }
    }
    window.touched.extend_from_slice(&window.candidates);
}

/// Looks the non-essential `cursor` (at index `at`) up for each candidate that may still
/// enter against `bar`, dropping the others.
fn seek_each(
    window: &mut Window,
    cursor: &mut Cursor,
    at: usize,
    part: &PartScorer<'_>,
    start: DocId,
    bar: f64,
) {
    let weight = cursor.weight;
    let mut kept = 0;
    for i in 0..window.candidates.len() {
        let slot = window.candidates[i];
        if !window.keep(slot, bar) {
            continue;
        }
        window.candidates[kept] = slot;
        kept += 1;
        let local = start + u32::from(slot);
        window.upper[slot as usize] -= f64::from(weight);
        let postings = &mut cursor.postings;
        if postings.doc() <= local && postings.seek(local) == local {
            let share = contribution(weight, postings.term_freq() as f32, part.norm(local));
            window.add_share(at, slot as usize, share);
        }
    }
    window.candidates.truncate(kept);
}

/// Walks the non-essential `cursor` (at index `at`) over `start..end`, scoring the
/// postings of surviving candidates.
fn scan(
    window: &mut Window,
    cursor: &mut Cursor,
    at: usize,
    part: &PartScorer<'_>,
    start: DocId,
    end: DocId,
) {
    let weight = cursor.weight;
    for &slot in &window.candidates {
        window.upper[slot as usize] -= f64::from(weight);
    }
    let postings = &mut cursor.postings;
    if postings.doc() < start {
        postings.seek(start);
    }
    while postings.doc() < end {
        let local = postings.doc();
        let slot = (local - start) as usize;
        if window.is_alive(slot) {
            let share = contribution(weight, postings.term_freq() as f32, part.norm(local));
            window.add_share(at, slot, share);
        }
        postings.advance();
    }
}

#[cfg(test)]
#[path = "maxscore_window_tests.rs"]
mod tests;
