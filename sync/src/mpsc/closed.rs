//! The receiver-closed signal that [`Sender::closed`](super::Sender::closed) waits for.
//!
//! A flag plus a list of waiting senders under a mutex. `close` sets the flag under the lock,
//! so a waiter that checked the flag under the lock and queued itself is always woken.

use std::task::{Context, Poll, Waker};

use crate::coop;
use crate::loom::{AtomicBool, Mutex, Ordering};
use crate::util::wait_list::WaitList;
use crate::util::wake_list::WakeList;

pub(super) struct RxClosed {
    closed: AtomicBool,
    waiters: Mutex<WaitList<Option<Waker>>>,
}

impl RxClosed {
    pub(super) fn new() -> RxClosed {
        RxClosed {
            closed: AtomicBool::new(false),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        // Acquire: whoever sees the receiver closed also sees what it did before closing.
        self.closed.load(Ordering::Acquire)
    }

    /// Sets the flag and wakes every waiter. Idempotent.
    pub(super) fn close(&self) {
        let mut wakers = WakeList::new();
        {
            let mut waiters = self.waiters.lock();
            // Release: pairs with the Acquire in `is_closed`. Under the lock, so a waiter that
            // checks the flag under the lock either sees it or is queued before we drain.
            self.closed.store(true, Ordering::Release);
            while let Some(key) = waiters.pop_front() {
                if let Some(waker) = waiters.get_mut(key).take() {
                    wakers.push(waker);
                }
            }
        }
        wakers.wake_all();
    }

    /// Polls for the close; `key` is the caller's place in the waiter list.
    pub(super) fn poll_closed(&self, key: &mut Option<usize>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = std::task::ready!(coop::poll_proceed(cx));
        if !self.is_closed() {
            let mut waiters = self.waiters.lock();
            // Relaxed is enough under the lock (the lock orders us with `close`).
            if !self.closed.load(Ordering::Relaxed) {
                let stale = match *key {
                    Some(k) => {
                        let slot = waiters.get_mut(k);
                        if slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                            None
                        } else {
                            slot.replace(cx.waker().clone())
                        }
                    }
                    None => {
                        *key = Some(waiters.push_back(Some(cx.waker().clone())));
                        None
                    }
                };
                drop(waiters);
                // After the lock: a waker's drop may run user code that uses the channel.
                drop(stale);
                return Poll::Pending;
            }
        }
        self.forget(key);
        coop.made_progress();
        Poll::Ready(())
    }

    /// Removes the caller's waiter node, if it has one.
    pub(super) fn forget(&self, key: &mut Option<usize>) {
        if let Some(k) = key.take() {
            let waker = self.waiters.lock().remove(k);
            drop(waker);
        }
    }
}
