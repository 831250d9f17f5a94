//! Paired significance of the difference between two runs on the same topics: the paired
//! two-sided t-test (what `scipy.stats.ttest_rel` and trec_eval-based papers report) and
//! the paired randomization test (Fisher's sign-flip permutation test, recommended for IR
//! by Smucker, Allan and Carterette, CIKM 2007) with a fixed seed, so its p-value is the
//! same on every machine.
use std::collections::BTreeMap;

use driftless_rng::XorShift64Star;
use serde::Serialize;

/// Sign-flip permutations of the randomization test.
pub const PERMUTATIONS: u32 = 100_000;
/// Its seed (any fixed value; fixed so that reruns agree to the bit).
const SEED: u64 = 0x5eed_d1f7_1e55_0001;

/// The comparison of run A against run B on one measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedTest {
    /// Topics paired (judged topics of both evaluations).
    pub topics: usize,
    /// Mean of A, mean of B.
    pub mean_a: f64,
    /// Mean of B.
    pub mean_b: f64,
    /// Mean of A − B.
    pub mean_difference: f64,
    /// Topics where A is better, worse, equal.
    pub wins: usize,
    /// Topics where B is better.
    pub losses: usize,
    /// Topics with equal values.
    pub ties: usize,
    /// Paired t statistic (`None` when every difference is the same).
    pub t: Option<f64>,
    /// Two-sided p-value of the paired t-test.
    pub p_t_test: f64,
    /// Two-sided p-value of the randomization test (`PERMUTATIONS` sign flips).
    pub p_randomization: f64,
}

/// Pairs the per-topic values of A and B by qid (topics missing from either are left out).
pub fn paired(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> Vec<(f64, f64)> {
    a.iter()
        .filter_map(|(qid, &x)| b.get(qid).map(|&y| (x, y)))
        .collect()
}

/// Both tests on paired values `(a, b)`.
pub fn paired_test(pairs: &[(f64, f64)]) -> PairedTest {
    let n = pairs.len();
    let diffs: Vec<f64> = pairs.iter().map(|(a, b)| a - b).collect();
    let mean = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>() / n.max(1) as f64;
    let d_mean = mean(&mut diffs.iter().copied());
    let (t, p_t) = t_test(&diffs, d_mean);
    PairedTest {
        topics: n,
        mean_a: mean(&mut pairs.iter().map(|p| p.0)),
        mean_b: mean(&mut pairs.iter().map(|p| p.1)),
        mean_difference: d_mean,
        wins: diffs.iter().filter(|&&d| d > 0.0).count(),
        losses: diffs.iter().filter(|&&d| d < 0.0).count(),
        ties: diffs.iter().filter(|&&d| d == 0.0).count(),
        t,
        p_t_test: p_t,
        p_randomization: randomization(&diffs, d_mean),
    }
}

fn t_test(diffs: &[f64], d_mean: f64) -> (Option<f64>, f64) {
    let n = diffs.len();
    if n < 2 {
        return (None, 1.0);
    }
    let var = diffs.iter().map(|d| (d - d_mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    if var == 0.0 {
        // Every topic moved by the same amount: no spread to test against.
        return (None, if d_mean == 0.0 { 1.0 } else { 0.0 });
    }
    let t = d_mean / (var / n as f64).sqrt();
    let df = (n - 1) as f64;
    (Some(t), incomplete_beta(df / 2.0, 0.5, df / (df + t * t)))
}

/// The share of sign flips whose |mean difference| is at least the observed one; the
/// observed assignment counts once, so p is never 0.
fn randomization(diffs: &[f64], d_mean: f64) -> f64 {
    if diffs.is_empty() {
        return 1.0;
    }
    let observed = d_mean.abs() * diffs.len() as f64;
    // Differences of identical runs sum to the same bits in any sign pattern only up to
    // rounding: compare with a tolerance far below any measure's resolution.
    let tolerance = 1e-12 * diffs.len() as f64;
    let mut rng = XorShift64Star::from_state(SEED);
    let mut at_least = 0u32;
    let mut bits = 0;
    for _ in 0..PERMUTATIONS {
        let mut sum = 0.0;
        for (i, d) in diffs.iter().enumerate() {
            if i % 64 == 0 {
                // 64 sign bits per draw.
                bits = rng.next_u64();
            }
            sum += if bits >> (i % 64) & 1 == 1 { *d } else { -d };
        }
        if sum.abs() >= observed - tolerance {
            at_least += 1;
        }
    }
    f64::from(at_least + 1) / f64::from(PERMUTATIONS + 1)
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's
/// method), used on the side where it converges fast.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front =
        libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * continued_fraction(b, a, 1.0 - x) / b
    }
}

fn continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + aa / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_test_matches_scipy_on_a_known_case() {
        // scipy.stats.ttest_rel([0.5,0.7,0.2,0.9,0.4], [0.4,0.5,0.3,0.6,0.1])
        // → statistic 2.138089935299395, pvalue 0.09930068321372679
        let pairs = [(0.5, 0.4), (0.7, 0.5), (0.2, 0.3), (0.9, 0.6), (0.4, 0.1)];
        let test = paired_test(&pairs);
        assert!((test.t.expect("t") - 2.138_089_935_299_395).abs() < 1e-9);
        assert!(
            (test.p_t_test - 0.099_300_683_213_726_79).abs() < 1e-12,
            "{}",
            test.p_t_test
        );
        assert_eq!((test.wins, test.losses, test.ties), (4, 1, 0));
        // 5 topics, |d| = (0.1, 0.2, 0.1, 0.3, 0.3): 32 sign patterns, and |Σ| ≥ 0.8 for the
        // 3 that negate nothing or one of the 0.1s, and their mirror images: p ≈ 6/32.
        assert!(
            (test.p_randomization - 0.1875).abs() < 0.01,
            "{}",
            test.p_randomization
        );
    }

    #[test]
    fn identical_runs_are_not_different_and_reruns_agree() {
        let pairs: Vec<(f64, f64)> = (0..50)
            .map(|i| (f64::from(i) / 50.0, f64::from(i) / 50.0))
            .collect();
        let test = paired_test(&pairs);
        assert_eq!((test.p_t_test, test.p_randomization), (1.0, 1.0));
        let shifted: Vec<(f64, f64)> = (0..50)
            .map(|i| (f64::from(i % 7) / 7.0, f64::from(i % 5) / 5.0))
            .collect();
        assert_eq!(paired_test(&shifted), paired_test(&shifted));
    }
}
