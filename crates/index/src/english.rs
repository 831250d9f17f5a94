//! The analyzer's steps fused into one token stream, with an optional stem memo.
//!
//! tantivy's filter chain (word tokens → drop long → lower-case → drop stop words → stem)
//! passes every token through four streams, copies its text at each, and runs the Snowball
//! stemmer on every occurrence of every word. Indexing spent ~13 % of a build's CPU in the
//! stemmer and its stream alone (perf, 1M passages), although a corpus repeats the same few
//! hundred thousand words. This stream does the same steps in one place and, when built for
//! indexing, remembers each word's stem. The terms, positions and offsets are exactly those
//! of the chain (`analyzer::pipeline_analyzer`), which the tests compare token by token.
use frostem::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::analyzer::{MAX_TOKEN_BYTES, next_word};

/// Words remembered per stream owner. A corpus' frequent words fill it first; the rest are
/// stemmed every time, so memory stays under ~9 MB (32-byte entries in a table at most half
/// full) whatever the vocabulary.
const MEMO_WORDS: usize = 1 << 17;

/// Words (and stems) of up to this many bytes are remembered, packed into a `u128`: an
/// entry is then two integers in the table itself. With the words behind pointers, the
/// lookups missed the cache twice and cost as much as stemming a short word.
const MEMO_BYTES: usize = 16;

/// Word → stem, both packed by [`pack16`].
type Memo = FxHashMap<u128, u128>;

/// Up to 16 bytes as one integer, zero-padded. Words never hold a NUL byte (they are runs
/// of alphanumeric characters and `_`), so the padding cannot be confused with the word.
fn pack16(bytes: &[u8]) -> u128 {
    let mut buffer = [0u8; MEMO_BYTES];
    buffer[..bytes.len()].copy_from_slice(bytes);
    u128::from_le_bytes(buffer)
}

/// The bytes [`pack16`] packed, without the padding.
fn unpack16(packed: u128, out: &mut String) {
    let bytes = packed.to_le_bytes();
    let len = bytes.iter().position(|b| *b == 0).unwrap_or(MEMO_BYTES);
    out.clear();
    // Packed from a `str` (a whole word or stem), so the bytes are UTF-8.
    out.push_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default());
}

/// The fused analyzer. `Clone` gives an empty memo: analyzers are cloned per request and
/// per segment writer, and copying a full memo there would cost more than it saves.
#[derive(Debug)]
pub struct EnglishTokenizer {
    token: Token,
    memo: Option<Memo>,
}

impl EnglishTokenizer {
    /// For queries and snippets: short texts, where a memo is mostly misses.
    pub fn new() -> Self {
        EnglishTokenizer {
            token: Token::default(),
            memo: None,
        }
    }

    /// For indexing: every stem is remembered (up to [`MEMO_WORDS`] words).
    pub fn memoised() -> Self {
        EnglishTokenizer {
            token: Token::default(),
            memo: Some(Memo::default()),
        }
    }
}

impl Default for EnglishTokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for EnglishTokenizer {
    fn clone(&self) -> Self {
        EnglishTokenizer {
            token: Token::default(),
            memo: self.memo.as_ref().map(|_| Memo::default()),
        }
    }
}

impl Tokenizer for EnglishTokenizer {
    type TokenStream<'a> = EnglishTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EnglishTokenStream<'a> {
        self.token.reset();
        EnglishTokenStream {
            text,
            at: 0,
            token: &mut self.token,
            memo: self.memo.as_mut(),
            stemmer: Stemmer::new(Algorithm::English),
        }
    }
}

/// Token stream of [`EnglishTokenizer`].
pub struct EnglishTokenStream<'a> {
    text: &'a str,
    /// Byte offset where the next word is looked for.
    at: usize,
    token: &'a mut Token,
    memo: Option<&'a mut Memo>,
    stemmer: Stemmer,
}

impl std::fmt::Debug for EnglishTokenStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnglishTokenStream")
            .field("at", &self.at)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl EnglishTokenStream<'_> {
    /// The next word's byte span and whether it is all ASCII; every word takes a position,
    /// kept or not.
    fn next_word(&mut self) -> Option<(usize, usize, bool)> {
        let word = next_word(self.text, self.at);
        self.at = word.map_or(self.text.len(), |(_, to, _)| to);
        if word.is_some() {
            self.token.position = self.token.position.wrapping_add(1);
        }
        word
    }

    /// Replaces the lower-cased word in `token.text` by its stem.
    fn stem(&mut self) {
        let word = self.token.text.as_str();
        if let Some(memo) = self.memo.as_deref_mut()
            && word.len() <= MEMO_BYTES
        {
            let key = pack16(word.as_bytes());
            if let Some(stem) = memo.get(&key) {
                if *stem != key {
                    unpack16(*stem, &mut self.token.text);
                }
                return;
            }
            let stem = self.stemmer.stem(word);
            // Snowball's English stems are never longer than their word; checked anyway.
            if memo.len() < MEMO_WORDS && stem.len() <= MEMO_BYTES {
                memo.insert(key, pack16(stem.as_bytes()));
            }
            if let std::borrow::Cow::Owned(stem) = stem {
                self.token.text = stem;
            }
            return;
        }
        if let std::borrow::Cow::Owned(stem) = self.stemmer.stem(word) {
            self.token.text = stem;
        }
    }
}

impl TokenStream for EnglishTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((from, to, ascii)) = self.next_word() {
            // The chain's order: length on the word as written, then case, then stop words.
            if to - from >= MAX_TOKEN_BYTES {
                continue;
            }
            let word = &self.text[from..to];
            let text = &mut self.token.text;
            text.clear();
            if ascii {
                text.push_str(word);
                text.make_ascii_lowercase();
            } else {
                // Character by character, as tantivy's LowerCaser (no final-sigma rule).
                for c in word.chars() {
                    text.extend(c.to_lowercase());
                }
            }
            if is_stop_word(text) {
                continue;
            }
            self.token.offset_from = from;
            self.token.offset_to = to;
            self.stem();
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// A word of up to 8 bytes as one integer (little-endian, zero-padded).
const fn pack(word: &[u8]) -> u64 {
    let mut packed = 0u64;
    let mut i = 0;
    while i < word.len() && i < 8 {
        packed |= (word[i] as u64) << (8 * i);
        i += 1;
    }
    packed
}

/// `analyzer::LUCENE_ENGLISH_STOP_WORDS` packed and sorted: one integer compare per probe of
/// a binary search instead of a hash or a string compare per word; a test holds the two
/// lists equal. No stop word is longer than 5 bytes.
const STOP_WORDS_PACKED: [u64; 33] = {
    let mut packed = [0u64; 33];
    let mut i = 0;
    while i < 33 {
        packed[i] = pack(crate::analyzer::LUCENE_ENGLISH_STOP_WORDS[i].as_bytes());
        i += 1;
    }
    // Insertion sort: const fns cannot call sort.
    let mut i = 1;
    while i < 33 {
        let mut j = i;
        while j > 0 && packed[j - 1] > packed[j] {
            let t = packed[j];
            packed[j] = packed[j - 1];
            packed[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    packed
};

fn is_stop_word(word: &str) -> bool {
    (1..=5).contains(&word.len())
        && STOP_WORDS_PACKED
            .binary_search(&pack(word.as_bytes()))
            .is_ok()
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TextAnalyzer;

    use super::*;
    use crate::analyzer::{
        AnalyzedToken, LUCENE_ENGLISH_STOP_WORDS, analyze, indexing_analyzer, pipeline_analyzer,
    };

    /// Texts that exercise every step: inflections the stemmer changes, case, stop words in
    /// any case, words at and over the length limit (as written and once lower-cased),
    /// characters whose lower case is longer or shorter, identifiers, digits, scripts
    /// without case, and punctuation-only runs.
    fn texts() -> Vec<String> {
        let mut texts: Vec<String> = [
            "Creating the Indexes of THE tables, running quickly; generously caresses ponies",
            "SELECT * FROM pg_stat_activity WHERE state = 'idle in transaction';",
            "İstanbul ΣΊΣΥΦΟΣ Straße naïve café 東京 Ǆemal ﬁnance KELVIN\u{212A} ΑΣ",
            "to be or not to be: that is the question. The THE tHe a A an An",
            "__init__ x86_64 3.14159 1e10 über-cool re-indexing e-mail",
            "Internationalization characteristically outperforms institutionalizations",
            "The generously relational conditional valuation, hopefully agreed: skis, skies, \
             dying, lying, news, ugly, early, only, singly, gently, cried, ties, caresses",
            "",
            "   ",
            "...,;;!!",
            "a",
            "The",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        for len in [38, 39, 40, 41] {
            texts.push(format!("{} word", "x".repeat(len)));
            texts.push(format!("{} word", "X".repeat(len)));
            // 'İ' is 2 bytes and lower-cases to 3: the limit applies to the written word.
            texts.push(format!(
                "{}{} word",
                "İ".repeat(len / 2),
                "y".repeat(len % 2)
            ));
        }
        for word in LUCENE_ENGLISH_STOP_WORDS {
            texts.push(format!("{word} {} {}s", word.to_uppercase(), word));
        }
        texts
    }

    fn run(analyzer: &mut TextAnalyzer, texts: &[String]) -> Vec<Vec<AnalyzedToken>> {
        texts.iter().map(|t| analyze(analyzer, t)).collect()
    }

    #[test]
    fn fused_streams_give_the_chains_tokens() {
        let texts = texts();
        let expected = run(&mut pipeline_analyzer(), &texts);
        assert!(expected.iter().map(Vec::len).sum::<usize>() > 80);
        for mut analyzer in [crate::analyzer::analyzer(), indexing_analyzer()] {
            // Twice: the memo's hits must give what its misses gave.
            assert_eq!(run(&mut analyzer, &texts), expected);
            assert_eq!(run(&mut analyzer, &texts), expected);
        }
    }

    #[test]
    fn a_clone_starts_with_an_empty_memo_and_the_same_tokens() {
        let texts = texts();
        let mut warm = indexing_analyzer();
        let expected = run(&mut warm, &texts);
        let mut cloned = warm.clone();
        assert_eq!(run(&mut cloned, &texts), expected);
    }

    #[test]
    fn the_stop_word_match_is_the_list() {
        for word in LUCENE_ENGLISH_STOP_WORDS {
            assert!(is_stop_word(word), "{word}");
        }
        for word in ["", "i", "ano", "th", "thes", "withs", "wil", "The"] {
            assert!(!is_stop_word(word), "{word}");
        }
    }
}
