//! Text → model inputs, with the shipped tokenizer.json's own padding and truncation replaced.
//!
//! The tokenizer.json that ships with the int8 model pads every input to 128 tokens and
//! truncates at 128. Padding must go: the int8 graph quantises activations over the whole input
//! tensor, so pad positions would change the scale and therefore the vector. Truncation is
//! re-set to the model's `max_tokens` (256, the length all-MiniLM-L6-v2 was trained with) and
//! reported to the caller instead of happening silently.

use tokenizers::Tokenizer;
use tokenizers::utils::truncation::{TruncationDirection, TruncationParams, TruncationStrategy};

use crate::EmbedError;

/// One text ready for the model: the three `[1, n]` inputs as flat i64 rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModelInput {
    /// WordPiece ids, `[CLS] … [SEP]`.
    pub input_ids: Vec<i64>,
    /// All ones: nothing is padded. Kept explicit because the graph takes it as an input.
    pub attention_mask: Vec<i64>,
    /// All zeros for a single segment.
    pub token_type_ids: Vec<i64>,
    /// Whether tokens beyond `max_tokens` were dropped.
    pub truncated: bool,
}

/// The tokenizer in two configurations: truncating (what the model sees) and unbounded (for
/// counting tokens, so callers can size passages before embedding them).
#[derive(Debug)]
pub(crate) struct TextTokenizer {
    truncating: Tokenizer,
    counting: Tokenizer,
}

impl TextTokenizer {
    /// Parses tokenizer.json bytes and replaces its padding and truncation settings.
    pub(crate) fn from_bytes(bytes: &[u8], max_tokens: usize) -> Result<Self, EmbedError> {
        let mut counting =
            Tokenizer::from_bytes(bytes).map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        counting.with_padding(None);
        counting
            .with_truncation(None)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let mut truncating = counting.clone();
        truncating
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: max_tokens,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(Self {
            truncating,
            counting,
        })
    }

    /// Encodes one text with `[CLS]`/`[SEP]`, truncated to `max_tokens`.
    ///
    /// The empty text becomes `[CLS] [SEP]`: a valid two-token input whose vector is the same
    /// every time, so callers need no special case for empty passages or queries.
    pub(crate) fn encode(&self, text: &str) -> Result<ModelInput, EmbedError> {
        let encoding = self
            .truncating
            .encode(text, true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let widen = |values: &[u32]| values.iter().map(|&v| i64::from(v)).collect::<Vec<_>>();
        Ok(ModelInput {
            input_ids: widen(encoding.get_ids()),
            attention_mask: widen(encoding.get_attention_mask()),
            token_type_ids: widen(encoding.get_type_ids()),
            // With stride 0 the truncator moves every dropped token into `overflowing`, so a
            // non-empty list means the text did not fit.
            truncated: !encoding.get_overflowing().is_empty(),
        })
    }

    /// Number of tokens in the text without truncation, `[CLS]` and `[SEP]` included.
    pub(crate) fn count(&self, text: &str) -> Result<usize, EmbedError> {
        let encoding = self
            .counting
            .encode(text, true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(encoding.len())
    }
}
