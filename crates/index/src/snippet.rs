//! Snippets: the best window of a passage, query terms marked.
//!
//! The window (at most [`SNIPPET_CHARS`] characters) is the one holding the most distinct
//! query terms, then the most matches, then the earliest; it starts a few words before
//! its first match so the reader gets context, and snaps to word boundaries.
use std::collections::HashSet;

use driftless_api::Highlight;
use tantivy::tokenizer::TextAnalyzer;

/// Longest snippet, in characters (excluding marks and ellipses).
pub const SNIPPET_CHARS: usize = 320;
/// Characters of context kept before the first match of a window.
const LEAD_CHARS: usize = 60;

/// Builds the snippet of `passage` for the query tokens `terms`; `analyzer` is the query
/// analyzer (see [`crate::term_filter`] for how matches are found).
pub fn snippet(
    passage: &str,
    terms: &HashSet<&str>,
    analyzer: &mut TextAnalyzer,
    highlight: Highlight,
) -> String {
    let matches = crate::term_filter::matches(analyzer, passage, terms);
    let (start, end) = best_window(passage, &matches);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut cursor = start;
    for (from, to, _) in matches
        .iter()
        .filter(|(from, to, _)| *from >= start && *to <= end)
    {
        push_text(&mut out, &passage[cursor..*from], highlight);
        let (open, close) = match highlight {
            Highlight::Markdown => ("**", "**"),
            Highlight::Html => ("<b>", "</b>"),
            Highlight::None => ("", ""),
        };
        out.push_str(open);
        push_text(&mut out, &passage[*from..*to], highlight);
        out.push_str(close);
        cursor = *to;
    }
    push_text(&mut out, &passage[cursor..end], highlight);
    let trimmed_end = out.trim_end().len();
    out.truncate(trimmed_end);
    if end < passage.len() {
        out.push('…');
    }
    out
}

/// Appends `text` with whitespace runs collapsed to one space (snippets are one line).
fn push_text(out: &mut String, text: &str, highlight: Highlight) {
    for c in text.chars() {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') && !out.ends_with('…') {
                out.push(' ');
            }
            continue;
        }
        match (highlight, c) {
            (Highlight::Html, '<') => out.push_str("&lt;"),
            (Highlight::Html, '>') => out.push_str("&gt;"),
            (Highlight::Html, '&') => out.push_str("&amp;"),
            (Highlight::Html, '"') => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Byte range of the best window.
fn best_window(text: &str, matches: &[(usize, usize, String)]) -> (usize, usize) {
    if text.chars().count() <= SNIPPET_CHARS {
        return (0, text.len());
    }
    let mut best: Option<((usize, usize), (usize, usize))> = None;
    for (i, (first, _, _)) in matches.iter().enumerate() {
        let start = snap_start(text, back_chars(text, *first, LEAD_CHARS));
        let end = snap_end(text, forward_chars(text, start, SNIPPET_CHARS));
        let inside = matches[i..].iter().take_while(|(_, to, _)| *to <= end);
        // A query has a handful of terms: a short list beats hashing per window.
        let mut distinct: Vec<&str> = Vec::new();
        let mut count = 0;
        for (_, _, term) in inside {
            if !distinct.contains(&term.as_str()) {
                distinct.push(term.as_str());
            }
            count += 1;
        }
        let rank = (distinct.len(), count);
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, (start, end)));
        }
    }
    match best {
        Some((_, window)) => window,
        None => (0, snap_end(text, forward_chars(text, 0, SNIPPET_CHARS))),
    }
}

/// Byte offset `n` characters before `at` (or 0).
fn back_chars(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// Byte offset `n` characters after `at` (or the end).
fn forward_chars(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| at + i)
}

/// Moves a window start forward to the beginning of a word.
fn snap_start(text: &str, start: usize) -> usize {
    if start == 0 {
        return 0;
    }
    match text[start..].find(char::is_whitespace) {
        Some(i) if i < LEAD_CHARS => start + i,
        _ => start,
    }
}

/// Moves a window end back to the end of a word.
fn snap_end(text: &str, end: usize) -> usize {
    if end >= text.len() {
        return text.len();
    }
    match text[..end].rfind(char::is_whitespace) {
        Some(i) if end - i < LEAD_CHARS => i,
        _ => end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::analyzer;

    fn run(text: &str, terms: &[&str], highlight: Highlight) -> String {
        let terms: HashSet<&str> = terms.iter().copied().collect();
        snippet(text, &terms, &mut analyzer(), highlight)
    }

    #[test]
    fn marks_stemmed_matches() {
        assert_eq!(
            run(
                "Creating  indexes\nconcurrently.",
                &["index", "concurr"],
                Highlight::Markdown
            ),
            "Creating **indexes** **concurrently**."
        );
    }

    #[test]
    fn html_escapes_text() {
        assert_eq!(
            run("a < b & index", &["index"], Highlight::Html),
            "a &lt; b &amp; <b>index</b>"
        );
        assert_eq!(run("x index", &["index"], Highlight::None), "x index");
    }

    #[test]
    fn long_text_window_moves_to_the_matches() {
        let filler = "lorem ipsum dolor sit amet ".repeat(40);
        let text = format!("{filler}the vacuum command reclaims storage {filler}");
        let s = run(&text, &["vacuum", "storag"], Highlight::Markdown);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("**vacuum**") && s.contains("**storage**"), "{s}");
        assert!(s.chars().count() <= SNIPPET_CHARS + 12);
    }

    #[test]
    fn no_match_gives_the_start() {
        let text = "word ".repeat(200);
        let s = run(&text, &["absent"], Highlight::Markdown);
        assert!(s.starts_with("word") && s.ends_with('…'));
    }
}
