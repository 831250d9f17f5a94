//! Overlap between two rankings of the same query: what `driftless replay` reports when it
//! re-issues logged queries under another retrieval configuration.
//!
//! Both metrics take ranked lists of ids, best first. Lists are first reduced to their
//! **first occurrence of each id** ([`dedup_ranked`]): a passage-unit ranking may return two
//! passages of one document, and logs keep only the document id, so a document counts once,
//! at its best rank. Both metrics are 1 for two empty lists (nothing to disagree about) and 0
//! when exactly one list is empty.
use std::collections::HashSet;

/// The persistence RBO uses unless told otherwise: with p = 0.9 the first 10 ranks carry
/// about 86% of the weight, the usual choice for top-10 web-style rankings.
pub const DEFAULT_RBO_P: f64 = 0.9;

/// `ids` with later repeats of an id removed, order kept.
pub fn dedup_ranked<S: AsRef<str>>(ids: &[S]) -> Vec<&str> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter()
        .map(|id| id.as_ref())
        .filter(|id| seen.insert(*id))
        .collect()
}

/// Jaccard@k: `|A ∩ B| / |A ∪ B|` of the sets of the first `k` ids of each list (after
/// [`dedup_ranked`]). Rank order inside the top k does not matter. When one list holds fewer
/// than `k` ids (a logged request that asked for a smaller `k`), the shorter set caps it.
pub fn jaccard_at_k<S: AsRef<str>, T: AsRef<str>>(a: &[S], b: &[T], k: usize) -> f64 {
    let a: HashSet<&str> = dedup_ranked(a).into_iter().take(k).collect();
    let b: HashSet<&str> = dedup_ranked(b).into_iter().take(k).collect();
    let union = a.union(&b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// Extrapolated rank-biased overlap, RBO_ext (Webber, Moffat & Zobel, "A similarity measure
/// for indefinite rankings", TOIS 2010, equation 32), of two (deduplicated) lists that may
/// differ in length.
///
/// With `S` the shorter list (length s), `L` the longer (length l), `X_d` the size of the
/// overlap of their first d items (for d > s, all of `S` against `L`'s first d):
///
/// ```text
/// RBO_ext = (1−p)/p · [ Σ_{d=1..l} X_d/d · p^d  +  Σ_{d=s+1..l} X_s·(d−s)/(s·d) · p^d ]
///           + [ (X_l − X_s)/l + X_s/s ] · p^l
/// ```
///
/// The second sum and the tail assume the unseen part of `S` keeps agreeing at its observed
/// rate `X_s/s`, which is why a list that is a prefix of the other scores exactly 1. Unlike
/// Jaccard it weighs agreement at the top more (weight of depth d ∝ p^d).
///
/// # Panics
/// If `p` is not in (0, 1).
pub fn rbo_ext<S: AsRef<str>, T: AsRef<str>>(a: &[S], b: &[T], p: f64) -> f64 {
    assert!(
        p > 0.0 && p < 1.0,
        "RBO persistence p must be in (0, 1), got {p}"
    );
    let (a, b) = (dedup_ranked(a), dedup_ranked(b));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (s, l) = (short.len(), long.len());
    if l == 0 {
        return 1.0;
    }
    if s == 0 {
        return 0.0;
    }
    // X_d by walking both lists once: an id counts when it has been seen in both prefixes.
    let (mut in_short, mut in_long) = (HashSet::new(), HashSet::new());
    let mut x = 0usize; // X_d
    let mut x_s = 0usize;
    let mut sum = 0.0;
    let mut p_d = 1.0;
    for d in 1..=l {
        p_d *= p;
        let from_long = long[d - 1];
        if in_short.contains(from_long) {
            x += 1;
        }
        in_long.insert(from_long);
        if d <= s {
            let from_short = short[d - 1];
            if in_long.contains(from_short) {
                x += 1;
            }
            // Inserted after the check: an id at the same depth in both lists was skipped
            // by the long-side check and is counted here, once.
            in_short.insert(from_short);
            if d == s {
                x_s = x;
            }
        } else {
            sum += x_s as f64 * (d - s) as f64 / (s * d) as f64 * p_d;
        }
        sum += x as f64 / d as f64 * p_d;
    }
    let x_l = x;
    let tail = ((x_l - x_s) as f64 / l as f64 + x_s as f64 / s as f64) * p_d;
    (1.0 - p) / p * sum + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn identical_and_disjoint() {
        let a = ["a", "b", "c", "d"];
        assert!(close(rbo_ext(&a, &a, 0.9), 1.0));
        assert!(close(jaccard_at_k(&a, &a, 10), 1.0));
        assert!(close(rbo_ext(&a, &["w", "x", "y", "z"], 0.9), 0.0));
        assert!(close(jaccard_at_k(&a, &["w", "x"], 10), 0.0));
        let empty: [&str; 0] = [];
        assert!(close(rbo_ext(&empty, &empty, 0.9), 1.0));
        assert!(close(rbo_ext(&a, &empty, 0.9), 0.0));
        assert!(close(jaccard_at_k(&empty, &empty, 3), 1.0));
        // A prefix of the other list extrapolates to full agreement.
        assert!(close(rbo_ext(&["a", "b"], &a, 0.9), 1.0));
    }

    #[test]
    fn swapped_top_two_by_hand() {
        // S = a b c, L = b a d, p = 0.9: X_1 = 0, X_2 = 2, X_3 = 2.
        // Σ X_d/d·p^d = 0 + 1·0.81 + (2/3)·0.729 = 1.296; (1−p)/p · 1.296 = 0.144;
        // tail X_3/3 · p^3 = 0.486; RBO_ext = 0.630. Jaccard = |{a,b}| / |{a,b,c,d}| = 0.5.
        let (s, l) = (["a", "b", "c"], ["b", "a", "d"]);
        assert!(
            close(rbo_ext(&s, &l, 0.9), 0.63),
            "{}",
            rbo_ext(&s, &l, 0.9)
        );
        assert!(close(rbo_ext(&l, &s, 0.9), 0.63), "symmetric");
        assert!(close(jaccard_at_k(&s, &l, 3), 0.5));
        // At k = 1 the tops differ (a vs b).
        assert!(close(jaccard_at_k(&s, &l, 1), 0.0));
    }

    #[test]
    fn uneven_lengths_by_hand() {
        // S = a b (s = 2), L = a c b d (l = 4), p = 0.5: X = 1, 1, 2, 2; X_s = 1.
        // First sum: 1·p + ½p² + ⅔p³ + ½p⁴; second sum: (1·1/6)p³ + (1·2/8)p⁴,
        // together p + ½p² + ⅚p³ + ¾p⁴ = 0.5 + 0.125 + 0.104166… + 0.046875;
        // (1−p)/p = 1; tail [(2−1)/4 + 1/2]·p⁴ = 0.046875. Total 79/96.
        let got = rbo_ext(&["a", "b"], &["a", "c", "b", "d"], 0.5);
        assert!(close(got, 79.0 / 96.0), "{got}");
    }

    #[test]
    fn repeats_count_once_at_their_best_rank() {
        assert_eq!(dedup_ranked(&["d1", "d2", "d1", "d3"]), ["d1", "d2", "d3"]);
        let passages = ["d1", "d1", "d2"];
        assert!(close(rbo_ext(&passages, &["d1", "d2"], 0.9), 1.0));
        assert!(close(jaccard_at_k(&passages, &["d1", "d2"], 2), 1.0));
    }
}
