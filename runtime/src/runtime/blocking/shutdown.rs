//! Waiting, with a timeout, for every blocking thread to exit.
//!
//! Each blocking thread holds a `Sender`; the pool holds the `Receiver`. The receiver's
//! `wait` returns once every sender is dropped, which a `JoinHandle` cannot offer with a
//! timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::wait_timeout;
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
        if *live == 0 {
            self.inner.all_dropped.notify_all();
        }
    }
}

impl Receiver {
    /// Waits until every sender is dropped, or `timeout` passes. Returns `true` if they were
    /// all dropped.
    pub(super) fn wait(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut live = self.inner.live_senders.lock();
        while *live > 0 {
            match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || wait_timeout(&self.inner.all_dropped, &mut live, left) {
                        return *live == 0;
                    }
                }
                // No timeout, or one too large to represent: wait for good.
                None => self.inner.all_dropped.wait(&mut live),
            }
        }
        true
    }
}
