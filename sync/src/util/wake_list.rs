//! `WakeList`: wakers collected under a lock and woken after it is released.
//!
//! Waking inside a primitive's lock would run arbitrary code (a waker may re-enter the
//! primitive) with the lock held. Notifiers therefore collect wakers here, release the lock,
//! and call [`wake_all`](WakeList::wake_all). The first few live inline, so waking one or a
//! handful of waiters does not allocate.

use std::task::Waker;

use super::wake_contained::wake_contained;

/// Wakers kept inline before the list spills to the heap.
const INLINE: usize = 4;

/// Wakers to wake once the lock is released.
#[derive(Debug, Default)]
pub(crate) struct WakeList {
    inline: [Option<Waker>; INLINE],
    len: usize,
    spilled: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList::default()
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        if self.len < INLINE {
            self.inline[self.len] = Some(waker);
            self.len += 1;
        } else {
            self.spilled.push(waker);
        }
    }

    /// Wakes every collected waker, in the order they were pushed. A waker whose `wake`
    /// panics does not stop the others (see `wake_contained`).
    pub(crate) fn wake_all(mut self) {
        for waker in self.inline.iter_mut().take(self.len) {
            if let Some(waker) = waker.take() {
                wake_contained(waker);
            }
        }
        for waker in self.spilled.drain(..) {
            wake_contained(waker);
        }
    }
}
