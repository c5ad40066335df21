//! `Barrier`: lets `n` tasks wait until all of them have arrived.
//!
//! # Contract
//!
//! - The `n`-th task to call [`wait`](Barrier::wait) releases everyone waiting in that
//!   *generation*, and is its one leader ([`BarrierWaitResult::is_leader`]). The barrier is
//!   then reusable: the next `n` calls form the next generation.
//! - `Barrier::new(0)` behaves like `Barrier::new(1)`: every call is its own leader.
//! - **Not cancel safe**, as in tokio: a `wait` future dropped after its first poll still
//!   counts as arrived.
//!
//! # Implementation
//!
//! A mutex guards the arrival count; the generation number is also kept in an atomic so
//! waiters can check it without the lock. The leader bumps it (Release) and calls
//! [`Notify::notify_waiters`]; a waiter creates its `Notified` before checking it.

use std::fmt;

use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::Notify;

/// A barrier for `n` tasks; see the module docs.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use runtime_sync::Barrier;
///
/// async fn worker(barrier: Arc<Barrier>) -> bool {
///     // ... first phase ...
///     let result = barrier.wait().await;
///     // ... every worker has finished the first phase ...
///     result.is_leader()
/// }
/// ```
pub struct Barrier {
    /// Tasks arrived in the current generation.
    arrived: Mutex<usize>,
    /// The current generation; bumped by each leader, under `arrived`'s lock.
    generation: AtomicUsize,
    notify: Notify,
    n: usize,
}

/// What [`Barrier::wait`] returns: whether this task was the generation's leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the one that released the others (exactly one per generation).
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier that releases its waiters when `n` tasks have called [`wait`](Self::wait)
    /// (`n = 0` is treated as 1).
    pub fn new(n: usize) -> Barrier {
        Barrier {
            arrived: Mutex::new(0),
            generation: AtomicUsize::new(0),
            notify: Notify::new(),
            n: n.max(1),
        }
    }

    /// Waits until `n` tasks (this one included) have called `wait` in this generation.
    pub async fn wait(&self) -> BarrierWaitResult {
        // Created before arriving: the leader's `notify_waiters` comes after our arrival, so
        // it reaches this future.
        let mut notified = self.notify.notified();
        let (generation, leader) = {
            let mut arrived = self.arrived.lock();
            let generation = self.generation.load(Ordering::Relaxed);
            *arrived += 1;
            let leader = *arrived == self.n;
            if leader {
                *arrived = 0;
                // Release pairs with the waiters' Acquire loads.
                self.generation
                    .store(generation.wrapping_add(1), Ordering::Release);
            }
            (generation, leader)
        };
        if leader {
            self.notify.notify_waiters();
            // Completing spends a unit of budget, as every other path does.
            crate::coop::consume_budget().await;
            return BarrierWaitResult(true);
        }
        loop {
            notified.await;
            if self.generation.load(Ordering::Acquire) != generation {
                return BarrierWaitResult(false);
            }
            notified = self.notify.notified();
            // Re-check after renewing: a release between the two is not missed.
            if self.generation.load(Ordering::Acquire) != generation {
                return BarrierWaitResult(false);
            }
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &*self.arrived.lock())
            .finish()
    }
}
