//! (query, passage) pairs → padded model inputs, in batches whose composition is fixed.
//!
//! Pairs are encoded `[CLS] query [SEP] passage [SEP]` with `token_type_ids` 0 for the first
//! segment and 1 for the second, by the template in the model's own tokenizer.json. Only the
//! passage is cut to fit `max_length`: the query is what the scores are about. A query so long
//! that not even one passage token fits is cut as well (longest first) rather than refused.
//!
//! Batching rule: pairs go to the model in runs of [`BATCH_SIZE`], in input order, each run
//! padded to its own longest pair, so the batches of a request depend on that request alone
//! (its query, passages and their order) and the same request gives the same bits on every
//! call, whatever the graph. With the MiniLM graphs measured here (int8 weights, f32 compute)
//! the rule is not even needed for that: on one intra-op thread ONNX Runtime reduces each row
//! in the same order whatever else the batch holds, and masked padding adds exact zeros, so a
//! pair's logit is the same alone, in any batch and at any position (tests/integration.rs).
//! A graph that quantises activations with one scale per tensor (DynamicQuantizeLinear)
//! would let batch-mates move a logit in its last bits; the fixed rule keeps such a model
//! reproducible per request too.

use tokenizers::Tokenizer;
use tokenizers::utils::truncation::{TruncationDirection, TruncationParams, TruncationStrategy};

use crate::RerankError;

/// Pairs per ONNX Runtime run. 16 amortises the per-run cost while keeping the padding waste
/// of a batch small for passages of mixed length. Part of the scoring rule: for a graph whose
/// logits depend on batch-mates, changing it changes scores in their last bits.
pub const BATCH_SIZE: usize = 16;

/// One run's inputs: `rows × cols` row-major i64 matrices, zero-padded on the right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairBatch {
    /// Pairs in this batch.
    pub rows: usize,
    /// Tokens per row: the longest pair of the batch.
    pub cols: usize,
    /// WordPiece ids, 0 (`[PAD]`) after each pair's end.
    pub input_ids: Vec<i64>,
    /// 1 over each pair's tokens, 0 over padding.
    pub attention_mask: Vec<i64>,
    /// 0 over the query segment, 1 over the passage segment, 0 over padding.
    pub token_type_ids: Vec<i64>,
    /// Per pair: whether the passage (or query) was cut to fit `max_length`.
    pub truncated: Vec<bool>,
}

/// The model's tokenizer with padding off and truncation set for pairs.
#[derive(Debug)]
pub(crate) struct PairTokenizer {
    /// Cuts the passage only.
    passage_first: Tokenizer,
    /// Fallback for queries too long to leave room for any passage token.
    longest_first: Tokenizer,
}

impl PairTokenizer {
    pub(crate) fn from_bytes(bytes: &[u8], max_length: usize) -> Result<Self, RerankError> {
        let err = |e: tokenizers::Error| RerankError::Tokenizer(e.to_string());
        let mut plain = Tokenizer::from_bytes(bytes).map_err(err)?;
        // Padding is ours, per batch; a tokenizer.json that pads to a fixed length would add
        // pad positions that the batching rule above does not account for.
        plain.with_padding(None);
        let truncating = |strategy| {
            let mut tok = plain.clone();
            tok.with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length,
                strategy,
                stride: 0,
            }))
            .map_err(err)?;
            Ok::<_, RerankError>(tok)
        };
        Ok(Self {
            passage_first: truncating(TruncationStrategy::OnlySecond)?,
            longest_first: truncating(TruncationStrategy::LongestFirst)?,
        })
    }

    /// Encodes every pair and groups them into [`BATCH_SIZE`] runs in input order.
    pub(crate) fn batches(
        &self,
        query: &str,
        passages: &[&str],
    ) -> Result<Vec<PairBatch>, RerankError> {
        passages
            .chunks(BATCH_SIZE)
            .map(|chunk| {
                let rows = chunk
                    .iter()
                    .map(|passage| self.encode(query, passage))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(pad(&rows))
            })
            .collect()
    }

    fn encode(&self, query: &str, passage: &str) -> Result<EncodedPair, RerankError> {
        let err = |e: tokenizers::Error| RerankError::Tokenizer(e.to_string());
        let encoding = match self.passage_first.encode((query, passage), true) {
            Ok(encoding) => encoding,
            // OnlySecond refuses when the query alone leaves no room for the passage.
            Err(_) => self
                .longest_first
                .encode((query, passage), true)
                .map_err(err)?,
        };
        let widen = |values: &[u32]| values.iter().map(|&v| i64::from(v)).collect();
        Ok(EncodedPair {
            // With stride 0 the truncator moves every dropped token into `overflowing`.
            truncated: !encoding.get_overflowing().is_empty(),
            input_ids: widen(encoding.get_ids()),
            attention_mask: widen(encoding.get_attention_mask()),
            token_type_ids: widen(encoding.get_type_ids()),
        })
    }
}

/// One pair, unpadded.
#[derive(Debug)]
struct EncodedPair {
    input_ids: Vec<i64>,
    attention_mask: Vec<i64>,
    token_type_ids: Vec<i64>,
    truncated: bool,
}

/// Pads rows to the longest with zeros: id 0 is `[PAD]` in BERT vocabularies and the mask
/// hides it from attention; type 0 is what Hugging Face's tokenizers pad with.
fn pad(rows: &[EncodedPair]) -> PairBatch {
    let cols = rows.iter().map(|r| r.input_ids.len()).max().unwrap_or(0);
    let mut batch = PairBatch {
        rows: rows.len(),
        cols,
        input_ids: vec![0; rows.len() * cols],
        attention_mask: vec![0; rows.len() * cols],
        token_type_ids: vec![0; rows.len() * cols],
        truncated: rows.iter().map(|r| r.truncated).collect(),
    };
    for (i, row) in rows.iter().enumerate() {
        let span = i * cols..i * cols + row.input_ids.len();
        batch.input_ids[span.clone()].copy_from_slice(&row.input_ids);
        batch.attention_mask[span.clone()].copy_from_slice(&row.attention_mask);
        batch.token_type_ids[span].copy_from_slice(&row.token_type_ids);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ids: &[i64]) -> EncodedPair {
        EncodedPair {
            input_ids: ids.to_vec(),
            attention_mask: vec![1; ids.len()],
            token_type_ids: vec![1; ids.len()],
            truncated: false,
        }
    }

    #[test]
    fn rows_are_padded_to_the_longest_with_masked_zeros() {
        let batch = pad(&[row(&[101, 7, 102]), row(&[101, 102])]);
        assert_eq!((batch.rows, batch.cols), (2, 3));
        assert_eq!(batch.input_ids, [101, 7, 102, 101, 102, 0]);
        assert_eq!(batch.attention_mask, [1, 1, 1, 1, 1, 0]);
        assert_eq!(batch.token_type_ids, [1, 1, 1, 1, 1, 0]);
    }

    #[test]
    fn an_empty_request_has_no_batches() {
        let batch = pad(&[]);
        assert_eq!((batch.rows, batch.cols), (0, 0));
    }
}
