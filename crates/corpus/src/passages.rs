//! Splits document text into passages that fit the embedding model's window.
//!
//! The text is first cut into atoms that respect its structure: blocks
//! (separated by blank lines) when they fit the budget, otherwise the
//! block's sentences, otherwise a sentence's words, and only for a single
//! giant token, character chunks. Atoms are then packed greedily, in order,
//! into passages whose token count (measured on the exact passage text)
//! stays within the budget. A passage exceeds the budget only when it is a
//! single character that alone is over it.

use crate::token_count::TokenCounter;

/// Version of the splitting rules; bump whenever spans for the same input change.
pub const SPLITTER_VERSION: &str = "blocks-sentences-v1";

/// Passage size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitterConfig {
    /// Maximum estimated model tokens per passage.
    pub max_tokens: usize,
}

impl Default for SplitterConfig {
    fn default() -> Self {
        // 256-token window minus [CLS]/[SEP], minus a margin for the
        // estimator's residual underestimates.
        SplitterConfig { max_tokens: 200 }
    }
}

/// One passage: byte and character offsets into the document text, pointing
/// at text without surrounding whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PassageSpan {
    /// Position of the passage in the document, from 0.
    pub ordinal: u32,
    /// Byte offset of the first byte.
    pub byte_start: usize,
    /// Byte offset one past the last byte.
    pub byte_end: usize,
    /// Offset of the first character, in Unicode scalar values.
    pub char_start: u64,
    /// Offset one past the last character, in Unicode scalar values.
    pub char_end: u64,
}

/// Splits `text` into contiguous, ordered, non-empty passages.
pub fn split_passages(
    text: &str,
    config: &SplitterConfig,
    counter: &dyn TokenCounter,
) -> Vec<PassageSpan> {
    let budget = config.max_tokens;
    let fits = |s: usize, e: usize| counter.count(&text[s..e]) <= budget;
    let mut atoms = Vec::new();
    // Indices into `atoms` where packing must start a new passage: the
    // pieces of an over-budget sentence are packed on their own, so the
    // passages around them still begin and end at sentence breaks.
    let mut breaks = Vec::new();
    for (bs, be) in blocks(text) {
        if fits(bs, be) {
            atoms.push((bs, be));
            continue;
        }
        for (ss, se) in sentences(text, bs, be) {
            if fits(ss, se) {
                atoms.push((ss, se));
                continue;
            }
            breaks.push(atoms.len());
            for (ws, we) in words(text, ss, se) {
                if fits(ws, we) {
                    atoms.push((ws, we));
                } else {
                    char_chunks(text, ws, we, &fits, &mut atoms);
                }
            }
            breaks.push(atoms.len());
        }
    }
    breaks.push(atoms.len());
    let mut ranges = Vec::new();
    let mut segment_start = 0;
    for end in breaks {
        if end > segment_start {
            ranges.extend(pack(&atoms[segment_start..end], &fits));
            segment_start = end;
        }
    }
    to_spans(text, &ranges)
}

/// Byte range of `text[s..e]` without leading/trailing whitespace, or
/// `None` when nothing is left.
fn trimmed(text: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let piece = &text[s..e];
    let start = s + (piece.len() - piece.trim_start().len());
    let end = s + piece.trim_end().len();
    (start < end).then_some((start, end))
}

/// Blocks separated by lines that are empty or whitespace-only.
fn blocks(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut block_start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            out.extend(trimmed(text, block_start, offset));
            block_start = offset + line.len();
        }
        offset += line.len();
    }
    out.extend(trimmed(text, block_start, text.len()));
    out
}

/// Sentences of `text[s..e]`: breaks after `.`, `!` or `?` followed by
/// whitespace, and at every line break (lines of code or table rows).
fn sentences(text: &str, s: usize, e: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = s;
    let mut prev_terminal = false;
    for (i, c) in text[s..e].char_indices() {
        let at = s + i;
        if c == '\n' || (prev_terminal && c.is_whitespace()) {
            out.extend(trimmed(text, start, at));
            start = at;
        }
        prev_terminal = matches!(c, '.' | '!' | '?');
    }
    out.extend(trimmed(text, start, e));
    out
}

/// Maximal runs of non-whitespace in `text[s..e]`.
fn words(text: &str, s: usize, e: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut word_start = None;
    for (i, c) in text[s..e].char_indices() {
        match (c.is_whitespace(), word_start) {
            (true, Some(ws)) => {
                out.push((ws, s + i));
                word_start = None;
            }
            (false, None) => word_start = Some(s + i),
            _ => {}
        }
    }
    if let Some(ws) = word_start {
        out.push((ws, e));
    }
    out
}

/// Cuts one over-budget word into the longest prefixes that fit, at
/// character boundaries; a character that alone exceeds the budget becomes
/// its own chunk.
fn char_chunks(
    text: &str,
    s: usize,
    e: usize,
    fits: &dyn Fn(usize, usize) -> bool,
    out: &mut Vec<(usize, usize)>,
) {
    let mut start = s;
    while start < e {
        let snap = |len: usize| {
            let mut end = (start + len).min(e);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            end
        };
        // An empty prefix trivially fits, which keeps the predicate monotonic.
        let len = gallop(e - start, |len| {
            let end = snap(len);
            end == start || fits(start, end)
        });
        let mut end = snap(len);
        if end == start {
            end = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
        out.push((start, end));
        start = end;
    }
}

/// Greedy packing of consecutive atoms into passages within the budget.
fn pack(atoms: &[(usize, usize)], fits: &dyn Fn(usize, usize) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < atoms.len() {
        let start = atoms[i].0;
        let take = gallop(atoms.len() - i, |k| fits(start, atoms[i + k - 1].1));
        out.push((start, atoms[i + take - 1].1));
        i += take;
    }
    out
}

/// Largest `k` in `1..=n` with `ok(k)`, assuming `ok` is monotonic
/// (true then false); `k = 1` is taken without asking. Exponential probing
/// followed by bisection keeps the cost near-linear in the passage length
/// instead of re-measuring the growing passage after every atom.
fn gallop(n: usize, mut ok: impl FnMut(usize) -> bool) -> usize {
    let mut good = 1;
    let mut step = 2usize;
    let bad = loop {
        if good >= n {
            return n;
        }
        let probe = step.min(n);
        if ok(probe) {
            good = probe;
            step = step.saturating_mul(2);
        } else {
            break probe;
        }
    };
    let mut bad = bad;
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if ok(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    good
}

/// Turns byte ranges (in order) into spans with character offsets.
fn to_spans(text: &str, ranges: &[(usize, usize)]) -> Vec<PassageSpan> {
    let mut spans = Vec::with_capacity(ranges.len());
    let (mut at_byte, mut at_char) = (0usize, 0u64);
    for (ordinal, &(s, e)) in ranges.iter().enumerate() {
        let char_start = at_char + text[at_byte..s].chars().count() as u64;
        let char_end = char_start + text[s..e].chars().count() as u64;
        (at_byte, at_char) = (e, char_end);
        spans.push(PassageSpan {
            ordinal: u32::try_from(ordinal).unwrap_or(u32::MAX),
            byte_start: s,
            byte_end: e,
            char_start,
            char_end,
        });
    }
    spans
}

#[cfg(test)]
#[path = "passages_tests.rs"]
mod tests;
