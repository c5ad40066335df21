//! What the expansions of `select!`, `join!` and `try_join!` call. Not a public API: the
//! names here may change in any release.

pub use std::future::{poll_fn, Future, IntoFuture};
pub use std::pin::Pin;
pub use std::task::{Context, Poll};

pub use super::maybe_done::MaybeDone;
pub use runtime_sync::coop::has_budget_remaining;

use crate::util::rand::FastRand;

thread_local! {
    static RNG: FastRand = FastRand::new();
}

/// The branch polled `offset`-th in a round that starts at `start`, among `count`. A
/// function rather than inline arithmetic, so lints about the arithmetic (`% 1` for a
/// single branch) do not fire in the user's code.
#[inline]
pub fn nth_branch(start: usize, offset: usize, count: usize) -> usize {
    let index = start + offset;
    if index >= count {
        index - count
    } else {
        index
    }
}

/// The set of disabled `select!` branches, one bit per branch, in the smallest unsigned
/// integer that has a bit for each (`u8` up to 8 branches, ... `u64` up to 64).
pub trait SelectMask: Copy {
    /// Whether `branch` is in the set.
    fn is_disabled(self, branch: u32) -> bool;
    /// Adds `branch` to the set.
    fn disable(&mut self, branch: u32);
}

macro_rules! select_mask {
    ($($ty:ty)*) => {$(
        impl SelectMask for $ty {
            #[inline]
            fn is_disabled(self, branch: u32) -> bool {
                self & (1 << branch) != 0
            }

            #[inline]
            fn disable(&mut self, branch: u32) {
                *self |= 1 << branch;
            }
        }
    )*};
}

select_mask!(u8 u16 u32 u64);

/// A random number in `0..n` (`n > 0`): which `select!` branch to poll first.
pub fn thread_rng_n(n: u32) -> u32 {
    RNG.try_with(|rng| rng.fastrand_n(n)).unwrap_or(0)
}

pub use runtime_macros::{join_impl, select_impl, try_join_impl};
