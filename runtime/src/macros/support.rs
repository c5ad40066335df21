//! What the expansions of `select!`, `join!` and `try_join!` call. Not a public API: the
//! names here may change in any release.

pub use std::future::{poll_fn, Future, IntoFuture};
pub use std::task::{Context, Poll};

pub use super::maybe_done::MaybeDone;
pub use runtime_sync::coop::has_budget_remaining;

use crate::util::rand::FastRand;

thread_local! {
    static RNG: FastRand = FastRand::new();
}

/// A random number in `0..n` (`n > 0`): which `select!` branch to poll first.
pub fn thread_rng_n(n: u32) -> u32 {
    RNG.try_with(|rng| rng.fastrand_n(n)).unwrap_or(0)
}

pub use runtime_macros::{join_impl, select_impl, try_join_impl};
