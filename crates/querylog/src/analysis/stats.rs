//! Summary statistics with definitions simple enough to check by hand.
use super::FastHashMap;
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

impl Distribution {
    /// Summarises the values of an ascending `value → occurrences` histogram; the same
    /// result as [`Distribution::of`] on the values it counts.
    pub fn of_histogram(histogram: &BTreeMap<u64, u64>) -> Self {
        let n: u64 = histogram.values().sum();
        let (Some((&min, _)), Some((&max, _))) =
            (histogram.first_key_value(), histogram.last_key_value())
        else {
            return Self::of(&[]);
        };
        let sum: u128 = histogram
            .iter()
            .map(|(&v, &c)| u128::from(v) * u128::from(c))
            .sum();
        let at_rank = |p: u64| {
            let rank = (p * n).div_ceil(100).clamp(1, n);
            let mut seen = 0;
            for (&v, &c) in histogram {
                seen += c;
                if seen >= rank {
                    return v;
                }
            }
            max
        };
        Self {
            count: n,
            min,
            max,
            mean: sum as f64 / n as f64,
            p50: at_rank(50),
            p90: at_rank(90),
            p95: at_rank(95),
            p99: at_rank(99),
        }
    }
}

/// `sorted[ceil(p/100 · n) − 1]`, in integer arithmetic; `sorted` must be non-empty.
fn nearest_rank(sorted: &[u64], p: usize) -> u64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// Exact value counts: the streaming form of a list of values. A log of millions of
/// intervals or latencies has far fewer *distinct* values, so this holds what
/// [`Distribution::of`] needs in memory bounded by the distinct values, and gives the same
/// summary (integer sum, nearest-rank percentiles) whatever order the values came in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    counts: FastHashMap<u64, u64>,
}

impl Counts {
    /// Counts one value.
    pub fn push(&mut self, value: u64) {
        *self.counts.entry(value).or_insert(0) += 1;
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &Counts) {
        for (&v, &n) in &other.counts {
            *self.counts.entry(v).or_insert(0) += n;
        }
    }

    /// Number of values counted.
    pub fn len(&self) -> u64 {
        self.counts.values().sum()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Values in `(lower, upper]` (`None` = unbounded on that side).
    pub fn count_in(&self, lower: Option<u64>, upper: Option<u64>) -> u64 {
        self.counts
            .iter()
            .filter(|(v, _)| lower.is_none_or(|l| **v > l) && upper.is_none_or(|u| **v <= u))
            .map(|(_, n)| n)
            .sum()
    }

    /// The exact histogram, ascending.
    pub fn histogram(&self) -> BTreeMap<u64, u64> {
        self.counts.iter().map(|(&v, &n)| (v, n)).collect()
    }

    /// The [`Distribution`] of the counted values.
    pub fn distribution(&self) -> Distribution {
        Distribution::of_histogram(&self.histogram())
    }

    /// Distribution and histogram together.
    pub fn int_histogram(&self) -> IntHistogram {
        let histogram = self.histogram();
        IntHistogram {
            summary: Distribution::of_histogram(&histogram),
            histogram,
        }
    }
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

/// The mean of `values`, summed in ascending order so that the result is a function of the
/// multiset of values, not of the order they were produced in (float addition is not
/// associative); `None` for no values.
pub fn mean(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values.iter().sum::<f64>() / values.len() as f64)
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

    #[test]
    fn counts_summarise_like_the_value_list() {
        let values = [5, 1, 4, 2, 3, 10, 6, 7, 9, 8, 4, 4, 1, 0, 250];
        let mut counts = Counts::default();
        for v in values.iter().rev() {
            counts.push(*v);
        }
        assert_eq!(counts.distribution(), Distribution::of(&values));
        assert_eq!(counts.int_histogram(), IntHistogram::of(&values));
        assert_eq!(counts.len(), values.len() as u64);
        assert_eq!(counts.count_in(Some(4), Some(9)), 5);
        assert_eq!(Counts::default().distribution(), Distribution::of(&[]));
    }
}
