//! A small, fast, non-cryptographic random number generator for scheduling decisions
//! (which worker to steal from first).

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// xorshift64*; one per worker core.
#[derive(Debug)]
pub(crate) struct FastRand {
    state: Cell<u64>,
}

impl FastRand {
    /// A generator with a fresh seed.
    pub(crate) fn new() -> FastRand {
        FastRand {
            state: Cell::new(seed()),
        }
    }

    fn next_u64(&self) -> u64 {
        let mut x = self.state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (no division).
    pub(crate) fn fastrand_n(&self, n: u32) -> u32 {
        let r = (self.next_u64() >> 32) as u32;
        ((r as u64 * n as u64) >> 32) as u32
    }
}

/// A non-zero seed: the process's random hasher keys, mixed with a counter so that cores
/// created together differ.
fn seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Relaxed);
    let s = RandomState::new().hash_one(n);
    if s == 0 {
        0x9e37_79b9_7f4a_7c15
    } else {
        s
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn stays_in_range_and_covers_it() {
        let rng = FastRand::new();
        let mut seen = [false; 7];
        for _ in 0..1_000 {
            let v = rng.fastrand_n(7);
            assert!(v < 7);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
