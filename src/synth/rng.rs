//! Deterministic randomness: a counter-based hash (same inputs, same number, on any
//! machine and thread count) and a small sequential generator built on it.

#[inline]
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit hash of a seed and a list of integers.
#[inline]
pub fn hash(seed: u64, parts: &[u64]) -> u64 {
    let mut h = splitmix(seed);
    for p in parts {
        h = splitmix(h ^ p.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    }
    h
}

/// A hash mapped to [0, 1).
#[inline]
pub fn hash_unit(seed: u64, parts: &[u64]) -> f64 {
    (hash(seed, parts) >> 11) as f64 / (1u64 << 53) as f64
}

/// Sequential generator for choices made in a fixed order.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Rng {
        Rng {
            state: hash(seed, &[stream]),
        }
    }
    pub fn next_u64(&mut self) -> u64 {
        self.state = splitmix(self.state);
        self.state
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Picks from weighted options.
    pub fn weighted<'a, T>(&mut self, options: &'a [(T, f64)]) -> &'a T {
        let total: f64 = options.iter().map(|(_, w)| w).sum();
        let mut r = self.unit() * total;
        for (v, w) in options {
            if r < *w {
                return v;
            }
            r -= w;
        }
        &options[options.len() - 1].0
    }
}
