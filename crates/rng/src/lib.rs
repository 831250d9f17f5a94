//! xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators",
//! 2016): 64 bits of state, three shifts and one multiply per draw.
//!
//! driftless draws pseudo-random numbers where the result must be the same on every machine
//! and in every version: `driftless logs generate` (the 14M-request benchmark log), the
//! paired randomisation test of `driftless eval`, and the tests' synthetic data. A crate's
//! generator may change its stream between releases; this one is written down here and
//! pinned by the test below, so those outputs never move.

/// A xorshift64* generator. The state must not be 0 (the stream would stay 0): the
/// constructors below make sure of it.
#[derive(Debug, Clone)]
pub struct XorShift64Star(u64);

impl XorShift64Star {
    /// A generator whose state is `state` itself (callers that fix their own state; 0
    /// becomes 1).
    pub fn from_state(state: u64) -> Self {
        Self(state.max(1))
    }

    /// A generator for a small seed (0, 1, 42…): the seed is spread over the state's bits
    /// with the golden-ratio multiplier first, so nearby seeds start far apart.
    pub fn seeded(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`0` when `n` is 0); modulo bias is below 2^-40 for the small `n`
    /// driftless draws.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A float in `[0, 1)` from the draw's top 53 bits (exact in f64).
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A float in `[0, 1)` from the draw's top 24 bits (exact in f32).
    pub fn unit_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_pinned() {
        // The first draws for state 1, worked out from the definition (and what every
        // earlier copy of this generator in driftless produced).
        let mut rng = XorShift64Star::from_state(1);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, PINNED);
        let mut seeded = XorShift64Star::seeded(0);
        assert_eq!(seeded.next_u64(), XorShift64Star::from_state(1).next_u64());
    }

    #[test]
    fn ranges_hold() {
        let mut rng = XorShift64Star::seeded(7);
        for _ in 0..10_000 {
            assert!(rng.below(10) < 10);
            let x = rng.unit_f32();
            assert!((0.0..1.0).contains(&x));
            let y = rng.unit_f64();
            assert!((0.0..1.0).contains(&y));
        }
        assert_eq!(rng.below(0), 0);
    }

    const PINNED: [u64; 3] = [
        0x47e4_ce4b_896c_dd1d,
        0xabcf_a6a8_e079_651d,
        0xb9d1_0d8f_eb73_1f57,
    ];
}
