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
    /// Walks bytes, not chars: ASCII (almost all of most corpora) is classified without
    /// decoding, and only a non-ASCII character is decoded, whole. Counting every
    /// document's text for the passage splitter was half of the build's record-checking
    /// thread before (benches/README.md, reading phase); the count is the same
    /// (`tests::bytes_count_as_chars_do` checks it against the per-char rules).
    fn count(&self, text: &str) -> usize {
        let bytes = text.as_bytes();
        let mut tokens = 0usize;
        let mut run_len = 0usize;
        let mut run_has_digit = false;
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            if b.is_ascii_alphanumeric() {
                run_len += 1;
                run_has_digit |= b.is_ascii_digit();
                at += 1;
                continue;
            }
            if run_len > 0 {
                tokens += run_tokens(run_len, run_has_digit);
                run_len = 0;
                run_has_digit = false;
            }
            if b.is_ascii() {
                // char::is_whitespace on ASCII: tab, newline, vertical tab, form feed,
                // carriage return and space.
                tokens += usize::from(!matches!(b, b'\t'..=b'\r' | b' '));
                at += 1;
            } else {
                // `at` is always at a character boundary: ASCII steps by one byte and a
                // character by its whole length.
                let Some(c) = text[at..].chars().next() else {
                    break;
                };
                tokens += usize::from(!c.is_whitespace());
                at += c.len_utf8();
            }
        }
        tokens + run_tokens(run_len, run_has_digit)
    }
}

/// Tokens of a run of ASCII letters and digits. Two divisions by constants, not one by
/// a variable: the profile of the byte walk put a quarter of it in the `div` instruction.
#[inline]
fn run_tokens(len: usize, has_digit: bool) -> usize {
    if has_digit {
        len.div_ceil(2)
    } else {
        len.div_ceil(3)
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

    /// The rules of the struct's comment, one character at a time (the implementation
    /// before the byte walk).
    fn per_char(text: &str) -> usize {
        let (mut tokens, mut run_len, mut run_has_digit) = (0usize, 0usize, false);
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                run_len += 1;
                run_has_digit |= c.is_ascii_digit();
                continue;
            }
            tokens += run_len.div_ceil(if run_has_digit { 2 } else { 3 });
            (run_len, run_has_digit) = (0, false);
            tokens += usize::from(!c.is_whitespace());
        }
        tokens + run_len.div_ceil(if run_has_digit { 2 } else { 3 })
    }

    #[test]
    fn bytes_count_as_chars_do() {
        // Every ASCII byte, Unicode spaces (NBSP, NEL, ideographic space, line separator),
        // letters of other scripts and emoji, beside and inside runs.
        let mut every_ascii = String::new();
        for b in 0u8..128 {
            every_ascii.push(char::from(b));
            every_ascii.push_str("ab1");
        }
        let cases = [
            every_ascii.as_str(),
            "a\u{a0}b\u{85}c\u{3000}d\u{2028}e\u{1680}f\u{202f}g",
            "naïve café 日本語 παράδειγμα 😀x9 x\u{200b}y",
            "\u{b}\u{c}\u{1c}\u{1f}\u{7f} end",
            "abc123def 4567 ab",
        ];
        for text in cases {
            assert_eq!(n(text), per_char(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn bytes_count_as_chars_do_on_any_text(text in "\\PC*", ascii in "[ -~\t\n\r]{0,80}") {
            proptest::prop_assert_eq!(n(&text), per_char(&text));
            proptest::prop_assert_eq!(n(&ascii), per_char(&ascii));
        }
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
