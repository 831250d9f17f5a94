//! Finding a query's terms in a passage, for its snippet, without stemming every word.
//!
//! Running the query analyzer over a whole passage (a few hundred words) spent most of its
//! time in the snowball stemmer, ~150 ns a word: 18% of a `/retrieve` request's CPU. The
//! snippet only needs the words whose term is a query term, so:
//! - a word whose lower-cased first character starts no query term is skipped unstemmed:
//!   English stemming rewrites suffixes only, so a term starts with its word's first
//!   character (checked over every word of the real corpus in the tests);
//! - the term of any other word comes from a per-thread memo (word → term), filled by
//!   running the query analyzer itself on the word, so the terms are the analyzer's own.
//!
//! Every snapshot uses [`crate::analyzer::analyzer`], so one memo per thread serves all.
use std::cell::RefCell;
use std::collections::HashSet;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{TextAnalyzer, TokenStream, Tokenizer};

use crate::analyzer::WordTokenizer;

/// Words remembered per thread before the memo starts over: a snapshot's vocabulary is far
/// smaller, so this only bounds memory against unusual text.
const MEMO_WORDS: usize = 200_000;

thread_local! {
    /// Word as written → its term (`None`: a stop word or an over-long word).
    static MEMO: RefCell<FxHashMap<Box<str>, Option<Box<str>>>> = RefCell::new(FxHashMap::default());
}

/// Tokens of `text` whose term is in `terms`, as (from, to, term), in text order: what
/// running `analyzer` (the query analyzer) over `text` and keeping those would give.
pub(crate) fn matches(
    analyzer: &mut TextAnalyzer,
    text: &str,
    terms: &HashSet<&str>,
) -> Vec<(usize, usize, String)> {
    let mut firsts: Vec<char> = terms.iter().filter_map(|t| t.chars().next()).collect();
    firsts.sort_unstable();
    firsts.dedup();
    let mut out = Vec::new();
    if firsts.is_empty() {
        return out;
    }
    let mut words = WordTokenizer::default();
    let mut stream = words.token_stream(text);
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() > MEMO_WORDS {
            memo.clear();
        }
        while stream.advance() {
            let (from, to) = (stream.token().offset_from, stream.token().offset_to);
            let word = &text[from..to];
            let first = word.chars().next().and_then(|c| c.to_lowercase().next());
            if first.is_none_or(|c| firsts.binary_search(&c).is_err()) {
                continue;
            }
            if !memo.contains_key(word) {
                let term = term_of(analyzer, word);
                memo.insert(word.into(), term);
            }
            if let Some(Some(term)) = memo.get(word)
                && terms.contains(&**term)
            {
                out.push((from, to, term.to_string()));
            }
        }
    });
    out
}

/// The term `analyzer` makes of one word, if it keeps the word.
fn term_of(analyzer: &mut TextAnalyzer, word: &str) -> Option<Box<str>> {
    let mut stream = analyzer.token_stream(word);
    stream
        .advance()
        .then(|| stream.token().text.as_str().into())
}

/// Whether every term `analyzer` makes of `text` starts with its word's lower-cased first
/// character: the property [`matches`] relies on. Public for the real-corpus test.
pub fn terms_keep_first_char(analyzer: &mut TextAnalyzer, text: &str) -> bool {
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        let word = &text[token.offset_from..token.offset_to];
        let first = word.chars().next().and_then(|c| c.to_lowercase().next());
        if token.text.chars().next() != first {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::{analyze, analyzer};

    /// The reference: analyze everything, keep the query terms.
    fn by_full_analysis(text: &str, terms: &HashSet<&str>) -> Vec<(usize, usize, String)> {
        analyze(&mut analyzer(), text)
            .into_iter()
            .filter(|t| terms.contains(t.text.as_str()))
            .map(|t| (t.from, t.to, t.text))
            .collect()
    }

    #[test]
    fn same_matches_as_analyzing_everything() {
        let text = "Creating the Indexes CONCURRENTLY: an index is built; the \
                    concurrent build of indices, Índex, naïvely, 東京 index_name";
        for terms in [
            vec!["index", "concurr"],
            vec!["creat", "built"],
            vec!["the"],
            vec!["índex", "naïv", "東京", "index_nam"],
            vec![],
        ] {
            let terms: HashSet<&str> = terms.into_iter().collect();
            // Twice: the second run is answered from the memo.
            for _ in 0..2 {
                assert_eq!(
                    matches(&mut analyzer(), text, &terms),
                    by_full_analysis(text, &terms),
                    "{terms:?}"
                );
            }
        }
    }

    #[test]
    fn terms_start_with_their_words_first_character() {
        let text = "skies dying Yelling ies generously naïvely ÉCOLE 東京 gently";
        assert!(terms_keep_first_char(&mut analyzer(), text));
    }
}
