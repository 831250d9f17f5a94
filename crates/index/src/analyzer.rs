//! The text analyzer shared by indexing and querying.
//!
//! It follows Lucene's `EnglishAnalyzer` (what Pyserini's BM25 baseline uses) as closely as
//! tantivy's building blocks allow: word tokens, lower-casing, Lucene's 33 English stop
//! words, English stemming. Word tokens keep `_` inside identifiers (`pg_stat_activity`,
//! `__init__`) because technical queries name them whole.
use tantivy::tokenizer::{
    LowerCaser, RegexTokenizer, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};

/// Name under which the analyzer is registered in every snapshot index.
pub const ANALYZER_NAME: &str = "driftless_en";

/// Analyzer identity recorded in the manifest; bump when tokens change.
pub const ANALYZER_VERSION: &str =
    "driftless_en-v1 (words+underscore, lowercase, lucene33 stop, english stem, max 40)";

/// Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`.
const LUCENE_ENGLISH_STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// Builds the analyzer.
pub fn analyzer() -> TextAnalyzer {
    // The pattern is a constant known to compile; a failure here is a programming error
    // caught by every test, so falling back to the simple tokenizer is never reached in practice.
    match RegexTokenizer::new(r"[\p{L}\p{N}_]+") {
        Ok(tokenizer) => TextAnalyzer::builder(tokenizer)
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(StopWordFilter::remove(
                LUCENE_ENGLISH_STOP_WORDS.iter().map(|w| (*w).to_string()),
            ))
            .filter(Stemmer::new(tantivy::tokenizer::Language::English))
            .build(),
        Err(_) => TextAnalyzer::builder(tantivy::tokenizer::SimpleTokenizer::default())
            .filter(LowerCaser)
            .build(),
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
