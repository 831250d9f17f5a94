//! Unit and property tests of the passage splitter.

use proptest::prelude::*;

use super::*;
use crate::token_count::HeuristicTokenCounter;

fn texts(text: &str, max_tokens: usize) -> Vec<&str> {
    texts_by(text, max_tokens, &HeuristicTokenCounter)
}

/// The passages of `text`, counting tokens with `counter`.
fn texts_by<'a>(text: &'a str, max_tokens: usize, counter: &dyn TokenCounter) -> Vec<&'a str> {
    split_passages(text, &SplitterConfig { max_tokens }, counter)
        .iter()
        .map(|s| &text[s.byte_start..s.byte_end])
        .collect()
}

/// Counts words, so budgets in tests are easy to reason about.
struct WordCounter;

impl TokenCounter for WordCounter {
    fn count(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

#[test]
fn small_blocks_are_packed_together() {
    let text = "Title\n\nOne two three.\n\n  \nFour five.";
    assert_eq!(texts_by(text, 100, &WordCounter), [text]);
}

#[test]
fn blocks_are_not_split_when_they_fit_on_their_own() {
    let text = "a b c\n\nd e f\n\ng h";
    let parts = texts_by(text, 4, &WordCounter);
    assert_eq!(parts, ["a b c", "d e f", "g h"]);
}

#[test]
fn long_blocks_split_at_sentences_then_words() {
    let text = "One two. Three four five six seven. Eight.";
    let parts = texts_by(text, 3, &WordCounter);
    assert_eq!(
        parts,
        ["One two.", "Three four five", "six seven.", "Eight."]
    );
}

#[test]
fn giant_tokens_split_on_char_boundaries() {
    let word = "é".repeat(50);
    let parts = texts(&word, 10);
    assert_eq!(parts.concat(), word);
    assert!(parts.iter().all(|p| HeuristicTokenCounter.count(p) <= 10));
    assert_eq!(parts.len(), 5);
}

#[test]
fn zero_budget_yields_single_characters() {
    assert_eq!(texts("ab c", 0), ["a", "b", "c"]);
}

#[test]
fn offsets_count_unicode_scalars() {
    let text = "héllo wörld\n\nñext blöck";
    let spans = split_passages(
        text,
        &SplitterConfig { max_tokens: 4 },
        &HeuristicTokenCounter,
    );
    for s in &spans {
        let chars: String = text
            .chars()
            .skip(s.char_start as usize)
            .take((s.char_end - s.char_start) as usize)
            .collect();
        assert_eq!(chars, &text[s.byte_start..s.byte_end]);
    }
    assert_eq!(
        spans.iter().map(|s| s.ordinal).collect::<Vec<_>>(),
        (0..spans.len() as u32).collect::<Vec<_>>()
    );
}

#[test]
fn empty_and_blank_text_have_no_passages() {
    assert!(texts("", 200).is_empty());
    assert!(texts(" \n\n \t ", 200).is_empty());
}

#[test]
fn deterministic_and_fast_on_a_long_unbroken_token() {
    let text = "x".repeat(1 << 20);
    let a = split_passages(&text, &SplitterConfig::default(), &HeuristicTokenCounter);
    let b = split_passages(&text, &SplitterConfig::default(), &HeuristicTokenCounter);
    assert_eq!(a, b);
    assert!(a.len() > 1000);
}

fn check_invariants(text: &str, max_tokens: usize) -> Result<(), TestCaseError> {
    let counter = HeuristicTokenCounter;
    let spans = split_passages(text, &SplitterConfig { max_tokens }, &counter);
    let mut prev_end = 0usize;
    let mut prev_char_end = 0u64;
    for (i, s) in spans.iter().enumerate() {
        prop_assert_eq!(s.ordinal as usize, i);
        prop_assert!(
            s.byte_start >= prev_end && s.byte_start < s.byte_end && s.byte_end <= text.len()
        );
        prop_assert!(text.is_char_boundary(s.byte_start) && text.is_char_boundary(s.byte_end));
        let piece = &text[s.byte_start..s.byte_end];
        prop_assert_eq!(piece.trim(), piece);
        prop_assert_eq!(s.char_start, text[..s.byte_start].chars().count() as u64);
        prop_assert_eq!(s.char_end, text[..s.byte_end].chars().count() as u64);
        prop_assert!(s.char_start >= prev_char_end);
        let single_char = piece.chars().count() == 1;
        prop_assert!(
            counter.count(piece) <= max_tokens || single_char,
            "over budget: {:?}",
            piece
        );
        // Nothing but whitespace is dropped between passages.
        prop_assert!(text[prev_end..s.byte_start].trim().is_empty());
        prev_end = s.byte_end;
        prev_char_end = s.char_end;
    }
    prop_assert!(text[prev_end..].trim().is_empty());
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_strings_keep_invariants(text in any::<String>(), max_tokens in 0usize..40) {
        check_invariants(&text, max_tokens)?;
    }

    #[test]
    fn prose_like_strings_keep_invariants(
        text in proptest::string::string_regex("([a-zé日]{1,12}[ .,!?\n]{1,3}){0,80}").unwrap_or_else(|_| unreachable!()),
        max_tokens in 1usize..30,
    ) {
        check_invariants(&text, max_tokens)?;
    }
}
