//! The text analyzer shared by indexing and querying.
//!
//! It follows Lucene's `EnglishAnalyzer` (what Pyserini's BM25 baseline uses) as closely as
//! tantivy's building blocks allow: word tokens, lower-casing, Lucene's 33 English stop
//! words, English stemming. Word tokens keep `_` inside identifiers (`pg_stat_activity`,
//! `__init__`) because technical queries name them whole.
use crate::english::EnglishTokenizer;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer, Token, TokenStream,
    Tokenizer,
};

/// Name under which the analyzer is registered in every snapshot index.
pub const ANALYZER_NAME: &str = "driftless_en";

/// Analyzer identity recorded in the manifest; bump when tokens change.
pub const ANALYZER_VERSION: &str = "driftless_en-v2 (alphanumeric+underscore words, lowercase, lucene33 stop, english stem, max 40)";

/// Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`.
pub(crate) const LUCENE_ENGLISH_STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// Words of this many bytes or more (as written) are not indexed, as Lucene's limit.
pub(crate) const MAX_TOKEN_BYTES: usize = 40;

/// The analyzer for queries, snippets and filters: the chain's steps fused into one stream
/// (english.rs).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::from(EnglishTokenizer::new())
}

/// The analyzer indexes are written with: the same tokens as [`analyzer`], with each
/// word's stem remembered (most of a corpus' words are repeats).
pub fn indexing_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(EnglishTokenizer::memoised())
}

/// The analysis as a chain of tantivy's own filters: the definition the fused stream is
/// tested against, token for token.
pub fn pipeline_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            LUCENE_ENGLISH_STOP_WORDS.iter().map(|w| (*w).to_string()),
        ))
        .filter(Stemmer::new(tantivy::tokenizer::Language::English))
        .build()
}

/// Words are runs of alphanumeric characters and `_`.
///
/// A hand-written scanner rather than tantivy's `RegexTokenizer`: that one clones its regex
/// for every token stream, and a cloned regex starts with a cold lazy DFA, which made
/// tokenising a query or a snippet passage cost ~100 µs (benches/README.md).
#[derive(Debug, Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// Token stream of [`WordTokenizer`].
#[derive(Debug)]
pub struct WordTokenStream<'a> {
    text: &'a str,
    /// Byte offset where the next word is looked for.
    at: usize,
    token: &'a mut Token,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether the character starting at byte `at` of `text` is a word character, and its
/// length in bytes. ASCII (nearly every byte of most corpora) is looked up, not decoded.
#[inline]
fn word_char_at(text: &str, at: usize) -> (bool, usize) {
    let byte = text.as_bytes()[at];
    if byte.is_ascii() {
        return (byte.is_ascii_alphanumeric() || byte == b'_', 1);
    }
    match text[at..].chars().next() {
        Some(c) => (is_word_char(c), c.len_utf8()),
        None => (false, 1),
    }
}

/// The first word of `text` at or after byte `at` (which is a character boundary): its
/// byte span and whether it is all ASCII. The one word scanner of both token streams.
pub(crate) fn next_word(text: &str, mut at: usize) -> Option<(usize, usize, bool)> {
    let len = text.len();
    loop {
        if at >= len {
            return None;
        }
        let (word, width) = word_char_at(text, at);
        if word {
            break;
        }
        at += width;
    }
    let from = at;
    let mut ascii = true;
    while at < len {
        let (word, width) = word_char_at(text, at);
        if !word {
            break;
        }
        ascii &= width == 1;
        at += width;
    }
    Some((from, at, ascii))
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        WordTokenStream {
            text,
            at: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        let Some((from, to, _)) = next_word(self.text, self.at) else {
            self.at = self.text.len();
            return false;
        };
        self.at = to;
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.text.push_str(&self.text[from..to]);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// One analysed token with its position and byte span in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    /// The index term.
    pub text: String,
    /// Token position (stop words leave gaps).
    pub position: usize,
    /// Byte offset of the source word.
    pub from: usize,
    /// Byte offset one past the source word.
    pub to: usize,
}

/// Runs the analyzer over `text`.
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<AnalyzedToken> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        out.push(AnalyzedToken {
            text: token.text.clone(),
            position: token.position,
            from: token.offset_from,
            to: token.offset_to,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        analyze(&mut analyzer(), text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn lowercases_stems_and_drops_stop_words() {
        assert_eq!(terms("Creating the Indexes"), vec!["creat", "index"]);
    }

    #[test]
    fn keeps_identifiers_whole() {
        assert_eq!(
            terms("SELECT * FROM pg_stat_activity;"),
            vec!["select", "from", "pg_stat_act"]
        );
    }

    #[test]
    fn stop_words_leave_position_gaps() {
        let tokens = analyze(&mut analyzer(), "index of the table");
        assert_eq!(
            tokens.iter().map(|t| t.position).collect::<Vec<_>>(),
            vec![0, 3]
        );
        assert_eq!((tokens[1].from, tokens[1].to), (13, 18));
    }

    #[test]
    fn unicode_words_are_tokens() {
        assert_eq!(terms("naïve café 東京"), vec!["naïv", "café", "東京"]);
    }
}
