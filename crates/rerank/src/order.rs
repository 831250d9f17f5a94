//! The order re-ranked hits are shown in: score descending, ties by key ascending.

/// Indices of `scores` from most to least relevant; equal scores keep the order of their
/// `keys` (doc ids), ascending, so that a tie never depends on first-stage order or on the
/// sort algorithm.
///
/// Pass the scores exactly as they will be shown (rounded, if the response rounds them): two
/// hits that display the same score are then ordered by key, as a reader expects. Scores are
/// compared with [`f32::total_cmp`], so a NaN (which a verified model does not produce) sorts
/// deterministically instead of panicking.
///
/// # Panics
/// If `scores` and `keys` differ in length.
pub fn rank_order<K: Ord>(scores: &[f32], keys: &[K]) -> Vec<usize> {
    assert_eq!(scores.len(), keys.len(), "one key per score");
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then_with(|| keys[a].cmp(&keys[b]))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_scores_first_and_ties_by_key() {
        let scores = [0.5, 2.0, 0.5, -1.0, 2.0];
        let keys = ["d", "z", "a", "b", "c"];
        assert_eq!(rank_order(&scores, &keys), [4, 1, 2, 0, 3]);
    }

    #[test]
    fn the_order_does_not_depend_on_input_order() {
        let scores = [1.0, 1.0, 3.0];
        let keys = [7u64, 3, 5];
        let ranked: Vec<u64> = rank_order(&scores, &keys)
            .iter()
            .map(|&i| keys[i])
            .collect();
        let (rs, rk) = ([3.0, 1.0, 1.0], [5u64, 3, 7]);
        let reversed: Vec<u64> = rank_order(&rs, &rk).iter().map(|&i| rk[i]).collect();
        assert_eq!(ranked, [5, 3, 7]);
        assert_eq!(ranked, reversed);
    }
}
