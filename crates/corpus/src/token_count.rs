//! Token counting for passage sizing. The embedding model (all-MiniLM-L6-v2)
//! sees at most 256 WordPiece tokens including `[CLS]`/`[SEP]`; anything
//! beyond is silently truncated, so the splitter needs a count that is never
//! much below the real one.

/// Estimates how many model tokens a text becomes.
pub trait TokenCounter: Send + Sync {
    /// Estimated token count of `text`.
    fn count(&self, text: &str) -> usize;
}

/// A fast, conservative stand-in for BERT's WordPiece tokenizer.
///
/// Rationale, from how the uncased BERT vocabulary splits text:
/// - every punctuation or symbol character is its own token (BERT's basic
///   tokenizer splits on all of them), so each counts 1;
/// - a run of ASCII letters costs `ceil(len / 3)`: common words are one
///   token, but technical identifiers (`getpgid` → `get ##p ##g ##id`,
///   `tablespace` → `tables ##pace`) split into pieces of 2–4 letters, and
///   erring high only makes passages a little shorter;
/// - a run containing digits costs `ceil(len / 2)`: numbers, versions and
///   hex strings break into pieces of one to three characters;
/// - every non-ASCII letter or digit costs 1 (CJK characters are always
///   single tokens, other scripts split finely or become `[UNK]`).
///
/// With the default budget of 200 this leaves the 254 usable positions a
/// further margin for the cases the rules still underestimate.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeuristicTokenCounter;

impl TokenCounter for HeuristicTokenCounter {
    fn count(&self, text: &str) -> usize {
        let mut tokens = 0usize;
        let mut run_len = 0usize;
        let mut run_has_digit = false;
        let close_run = |len: &mut usize, has_digit: &mut bool, tokens: &mut usize| {
            if *len > 0 {
                let per_token = if *has_digit { 2 } else { 3 };
                *tokens += len.div_ceil(per_token);
            }
            *len = 0;
            *has_digit = false;
        };
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                run_len += 1;
                run_has_digit |= c.is_ascii_digit();
                continue;
            }
            close_run(&mut run_len, &mut run_has_digit, &mut tokens);
            if !c.is_whitespace() {
                tokens += 1;
            }
        }
        close_run(&mut run_len, &mut run_has_digit, &mut tokens);
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> usize {
        HeuristicTokenCounter.count(s)
    }

    #[test]
    fn words_punctuation_and_numbers() {
        assert_eq!(n(""), 0);
        assert_eq!(n("   \n\t"), 0);
        assert_eq!(n("the"), 1);
        assert_eq!(n("index"), 2);
        assert_eq!(n("getpgid()"), 3 + 2);
        assert_eq!(n("os.get_exec_path"), 1 + 1 + 1 + 1 + 2 + 1 + 2);
        assert_eq!(n("2024"), 2);
        assert_eq!(n("a1b2c3"), 3);
        assert_eq!(n("日本語"), 3);
        assert_eq!(n("naïve"), 1 + 1 + 1);
    }

    #[test]
    fn overestimates_known_wordpiece_counts() {
        // Reference counts from bert-base-uncased for these strings.
        let cases = [
            (
                "CREATE INDEX CONCURRENTLY sales_quantity_index ON sales_table (quantity);",
                17,
            ),
            ("The quick brown fox jumps over the lazy dog.", 10),
            ("os.fsencode(filename)", 8),
        ];
        for (text, wordpiece) in cases {
            assert!(n(text) >= wordpiece, "{text}: {} < {wordpiece}", n(text));
        }
    }
}
