//! Summary statistics with definitions simple enough to check by hand.
use std::collections::BTreeMap;

use serde::Serialize;

/// Summary of a list of non-negative integers.
///
/// Percentiles use the **nearest-rank** method: `pP` is the smallest value such that at least
/// P% of the values are ≤ it, i.e. `sorted[ceil(P/100 · n) − 1]`. It always returns an
/// observed value (no interpolation), so fixtures can be computed by hand. With no values,
/// `count` is 0 and every other field is 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min: u64,
    /// Largest value.
    pub max: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median (nearest rank).
    pub p50: u64,
    /// 90th percentile (nearest rank).
    pub p90: u64,
    /// 95th percentile (nearest rank).
    pub p95: u64,
    /// 99th percentile (nearest rank).
    pub p99: u64,
}

impl Distribution {
    /// Summarises `values` (any order).
    pub fn of(values: &[u64]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        if n == 0 {
            return Self {
                count: 0,
                min: 0,
                max: 0,
                mean: 0.0,
                p50: 0,
                p90: 0,
                p95: 0,
                p99: 0,
            };
        }
        let sum: u128 = sorted.iter().map(|&v| u128::from(v)).sum();
        Self {
            count: n as u64,
            min: sorted[0],
            max: sorted[n - 1],
            mean: sum as f64 / n as f64,
            p50: nearest_rank(&sorted, 50),
            p90: nearest_rank(&sorted, 90),
            p95: nearest_rank(&sorted, 95),
            p99: nearest_rank(&sorted, 99),
        }
    }
}

/// `sorted[ceil(p/100 · n) − 1]`, in integer arithmetic; `sorted` must be non-empty.
fn nearest_rank(sorted: &[u64], p: usize) -> u64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// A distribution together with its exact histogram (value → how many times it occurs);
/// used for small integers such as steps per session, query length and `k`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntHistogram {
    /// Summary statistics.
    #[serde(flatten)]
    pub summary: Distribution,
    /// Occurrences per value.
    pub histogram: BTreeMap<u64, u64>,
}

impl IntHistogram {
    /// Summarises `values` and counts each value.
    pub fn of(values: &[u64]) -> Self {
        let mut histogram = BTreeMap::new();
        for &v in values {
            *histogram.entry(v).or_insert(0) += 1;
        }
        Self {
            summary: Distribution::of(values),
            histogram,
        }
    }
}

/// `num / den`, or `None` when `den` is 0 (a rate over nothing is undefined, not 0).
pub fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_by_hand() {
        let d = Distribution::of(&[5, 1, 4, 2, 3, 10, 6, 7, 9, 8]);
        assert_eq!((d.count, d.min, d.max), (10, 1, 10));
        assert_eq!(d.mean, 5.5);
        // p50: ceil(5) = rank 5 → 5; p90: rank 9 → 9; p95: ceil(9.5) = 10 → 10.
        assert_eq!((d.p50, d.p90, d.p95, d.p99), (5, 9, 10, 10));
        let one = Distribution::of(&[7]);
        assert_eq!((one.p50, one.p99), (7, 7));
        assert_eq!(Distribution::of(&[]).count, 0);
    }
}
