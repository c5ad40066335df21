//! Waiting, with a timeout, for every blocking thread to exit.
//!
//! Each blocking thread holds a `Sender`; the pool holds the `Receiver`. The receiver's
//! `wait` returns once every sender is dropped, which a `JoinHandle` cannot offer with a
//! timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::loom::{Condvar, Mutex};

struct Inner {
    live_senders: Mutex<usize>,
    all_dropped: Condvar,
}

pub(super) struct Sender {
    inner: Arc<Inner>,
}

pub(super) struct Receiver {
    inner: Arc<Inner>,
}

pub(super) fn channel() -> (Sender, Receiver) {
    let inner = Arc::new(Inner {
        live_senders: Mutex::new(1),
        all_dropped: Condvar::new(),
    });
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

impl Clone for Sender {
    fn clone(&self) -> Sender {
        *self.inner.live_senders.lock() += 1;
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let mut live = self.inner.live_senders.lock();
        *live -= 1;
        // A waiter may be content with one sender left (its own): wake it at 1 as well.
        if *live <= 1 {
            self.inner.all_dropped.notify_all();
        }
    }
}

impl Receiver {
    /// Waits until at most `remaining` senders are left (0: every sender is dropped), or
    /// `timeout` passes. Returns `true` if no more than `remaining` were left.
    ///
    /// `remaining` is 1 when the waiting thread holds a sender itself (a blocking thread
    /// shutting its own runtime down): it cannot wait for itself to exit.
    pub(super) fn wait(&self, remaining: usize, timeout: Option<Duration>) -> bool {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut live = self.inner.live_senders.lock();
        while *live > remaining {
            match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero()
                        || self.inner.all_dropped.wait_for(&mut live, left).timed_out()
                    {
                        return *live <= remaining;
                    }
                }
                // No timeout, or one too large to represent: wait for good.
                None => self.inner.all_dropped.wait(&mut live),
            }
        }
        true
    }
}
