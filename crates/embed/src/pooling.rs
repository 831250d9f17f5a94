//! Token vectors → one sentence vector: mean over the attention mask (all-MiniLM, e5, gte) or
//! the first token (`[CLS]`, bge), then L2 normalisation.
//!
//! This is what sentence-transformers does for those models. Sums run in f64, in token
//! order, on one thread: the order is fixed, so the result is bit-identical on every call, and
//! the wider accumulator keeps long inputs from losing the small components.

use crate::model_files::Pooling;

/// Pools `hidden` (row-major `[tokens, dim]`) the way `pooling` says and normalises it.
pub(crate) fn pool_normalized(
    pooling: Pooling,
    hidden: &[f32],
    mask: &[i64],
    dim: usize,
) -> Option<Vec<f32>> {
    match pooling {
        Pooling::Mean => mean_pool_normalized(hidden, mask, dim),
        // The first position is the `[CLS]`/`<s>` token the tokenizer always adds.
        Pooling::Cls => {
            if dim == 0 || hidden.len() != mask.len() * dim || mask.first() != Some(&1) {
                return None;
            }
            normalized(
                &hidden[..dim]
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect::<Vec<_>>(),
            )
        }
    }
}

/// Mean-pools `hidden` (row-major `[tokens, dim]`) over the positions where `mask` is non-zero
/// and scales the result to unit length.
///
/// Returns `None` when no position is unmasked, when a value is not finite, or when the mean
/// is the zero vector: none of those can be normalised, and each means the model misbehaved.
pub(crate) fn mean_pool_normalized(hidden: &[f32], mask: &[i64], dim: usize) -> Option<Vec<f32>> {
    if dim == 0 || hidden.len() != mask.len() * dim {
        return None;
    }
    let mut sum = vec![0f64; dim];
    let mut count = 0usize;
    for (row, &m) in hidden.chunks_exact(dim).zip(mask) {
        if m == 0 {
            continue;
        }
        count += 1;
        for (acc, &v) in sum.iter_mut().zip(row) {
            *acc += f64::from(v);
        }
    }
    if count == 0 {
        return None;
    }
    // Dividing by the count does not change the direction, but it keeps the norm computation
    // in the same range whatever the text length.
    let n = count as f64;
    normalized(&sum.iter().map(|s| s / n).collect::<Vec<_>>())
}

/// `v` scaled to unit length, or `None` when it cannot be (zero or not finite).
fn normalized(v: &[f64]) -> Option<Vec<f32>> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if !norm.is_finite() || norm == 0.0 {
        return None;
    }
    Some(v.iter().map(|x| (x / norm) as f32).collect())
}

/// Cosine similarity of two vectors (plain dot product for unit vectors, but safe for any).
///
/// Provided for callers comparing embeddings; 0 when either vector is zero or lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    (dot / (na.sqrt() * nb.sqrt())) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_positions_do_not_count() {
        // Two tokens of dim 2; the second is masked out, so the result is the first, normalised.
        let hidden = [3.0, 4.0, 100.0, -100.0];
        let v = mean_pool_normalized(&hidden, &[1, 0], 2).unwrap();
        assert_eq!(v, vec![0.6, 0.8]);
    }

    #[test]
    fn cls_pooling_takes_the_first_token_only() {
        let hidden = [0.0, 2.0, 100.0, -100.0];
        let v = pool_normalized(Pooling::Cls, &hidden, &[1, 1], 2).unwrap();
        assert_eq!(v, vec![0.0, 1.0]);
        let mean = pool_normalized(Pooling::Mean, &hidden, &[1, 1], 2).unwrap();
        assert_ne!(mean, v);
    }

    #[test]
    fn result_has_unit_norm() {
        let hidden = [1.0, 2.0, 3.0, -1.0, 0.5, 2.0];
        let v = mean_pool_normalized(&hidden, &[1, 1], 3).unwrap();
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-6, "{norm}");
    }

    #[test]
    fn degenerate_inputs_are_refused() {
        assert_eq!(mean_pool_normalized(&[1.0, 2.0], &[0], 2), None);
        assert_eq!(mean_pool_normalized(&[0.0, 0.0], &[1], 2), None);
        assert_eq!(mean_pool_normalized(&[f32::NAN, 1.0], &[1], 2), None);
        assert_eq!(mean_pool_normalized(&[1.0, 2.0, 3.0], &[1], 2), None);
    }

    #[test]
    fn cosine_of_parallel_and_orthogonal_vectors() {
        assert!((cosine(&[1.0, 0.0], &[2.0, 0.0]) - 1.0).abs() < 1e-7);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
    }
}
