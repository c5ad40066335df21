//! The blocking pool: threads for `spawn_blocking` closures.

mod pool;
mod shutdown;
mod task;

pub(crate) use pool::{BlockingPool, Config, Spawner};

use std::time::Duration;

use crate::loom::{Condvar, MutexGuard};

/// Waits on `condvar` for a notification or for `timeout`; returns whether it timed out
/// (parking_lot's `wait_for(..).timed_out()`, which the facade's loom condvar lacks).
#[cfg(not(loom))]
fn wait_timeout<T>(condvar: &Condvar, guard: &mut MutexGuard<'_, T>, timeout: Duration) -> bool {
    condvar.wait_for(guard, timeout).timed_out()
}

/// Under loom a wait never times out (loom 0.7's `wait_timeout` is a plain wait), so it
/// always reports a wake-up.
#[cfg(loom)]
fn wait_timeout<T>(condvar: &Condvar, guard: &mut MutexGuard<'_, T>, timeout: Duration) -> bool {
    condvar.wait_for(guard, timeout);
    false
}
