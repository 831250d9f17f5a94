//! Token buckets: a per-client request quota that refills continuously.
use std::time::{Duration, Instant};

use super::error::InvalidQuota;

/// Quota of one client: `rate_per_sec` sustained, bursts up to `burst` requests.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Quota {
    /// Requests per second refilled into the bucket.
    pub rate_per_sec: f64,
    /// Bucket size: requests a client may make at once after being idle.
    pub burst: f64,
}

/// Slowest quota accepted: one request per ~11.6 days. Far slower rates are typos, and below
/// ~5e-20/s the wait until the next token no longer fits a `Duration`.
pub const MIN_RATE_PER_SEC: f64 = 1e-6;

/// Largest rate and burst accepted; far beyond any real client, small enough for `f64`.
pub const MAX_QUOTA: f64 = 1e9;

impl Quota {
    /// Rejects quotas that would never admit a request or overflow the arithmetic.
    pub fn validate(&self) -> Result<(), InvalidQuota> {
        let in_range = |v: f64, min: f64| v.is_finite() && (min..=MAX_QUOTA).contains(&v);
        if !in_range(self.rate_per_sec, MIN_RATE_PER_SEC) || !in_range(self.burst, 1.0) {
            return Err(InvalidQuota {
                rate_per_sec: self.rate_per_sec,
                burst: self.burst,
            });
        }
        Ok(())
    }
}

/// One client's bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn full(quota: &Quota, now: Instant) -> Self {
        Self {
            tokens: quota.burst,
            refilled: now,
        }
    }

    /// Takes one token, or says how long until one is available.
    pub fn take(&mut self, quota: &Quota, now: Instant) -> Result<(), Duration> {
        self.take_n(quota, now, 1.0)
    }

    /// Takes `cost` tokens at once (a multi-query request costs one per query), or says
    /// how long until that many are available; takes nothing then.
    pub fn take_n(&mut self, quota: &Quota, now: Instant, cost: f64) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * quota.rate_per_sec).min(quota.burst);
        self.refilled = now;
        if self.tokens >= cost {
            self.tokens -= cost;
            Ok(())
        } else {
            let wait = (cost - self.tokens) / quota.rate_per_sec;
            // Runs under the buckets' lock: a quota that slipped past `validate` must not
            // panic here (`from_secs_f64` panics past u64::MAX seconds).
            Err(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX))
        }
    }

    /// True when the bucket has refilled completely (it can be forgotten without changing
    /// what its client may do next).
    pub fn is_full(&self, quota: &Quota, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens + elapsed * quota.rate_per_sec >= quota.burst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTA: Quota = Quota {
        rate_per_sec: 10.0,
        burst: 3.0,
    };

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::full(&QUOTA, start);
        for _ in 0..3 {
            assert!(bucket.take(&QUOTA, start).is_ok());
        }
        let wait = bucket.take(&QUOTA, start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        // 100 ms later exactly one more request fits.
        let later = start + Duration::from_millis(100);
        assert!(bucket.take(&QUOTA, later).is_ok());
        assert!(bucket.take(&QUOTA, later).is_err());
        // After a long pause the bucket holds `burst`, not more.
        let much_later = later + Duration::from_secs(60);
        assert!(bucket.is_full(&QUOTA, much_later));
        for _ in 0..3 {
            assert!(bucket.take(&QUOTA, much_later).is_ok());
        }
        assert!(bucket.take(&QUOTA, much_later).is_err());
    }

    #[test]
    fn invalid_quotas_are_refused() {
        for (rate, burst) in [
            (0.0, 1.0),
            (1.0, 0.5),
            (f64::NAN, 2.0),
            (1.0, f64::INFINITY),
            // Below ~5e-20/s the wait overflowed `Duration` and panicked under the lock.
            (1e-20, 1.0),
            (4e-20, 2.0),
            (MIN_RATE_PER_SEC / 2.0, 1.0),
            (-1.0, 1.0),
        ] {
            let quota = Quota {
                rate_per_sec: rate,
                burst,
            };
            assert!(quota.validate().is_err(), "{rate} {burst}");
        }
        assert!(QUOTA.validate().is_ok());
        let slowest = Quota {
            rate_per_sec: MIN_RATE_PER_SEC,
            burst: 1.0,
        };
        assert!(slowest.validate().is_ok());
    }

    #[test]
    fn an_unvalidated_tiny_rate_gives_a_long_wait_not_a_panic() {
        let quota = Quota {
            rate_per_sec: 1e-30,
            burst: 1.0,
        };
        let now = Instant::now();
        let mut bucket = Bucket::full(&quota, now);
        assert!(bucket.take(&quota, now).is_ok());
        assert_eq!(bucket.take(&quota, now), Err(Duration::MAX));
    }
}
