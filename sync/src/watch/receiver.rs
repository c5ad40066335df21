//! The receiving half of a watch channel.

use std::fmt;

use super::error::RecvError;
use super::{version, Ref, Shared, CLOSED, STEP};
use crate::coop;
use crate::loom::{Arc, Ordering};

/// Watches the value of a watch channel. Cloning it makes a receiver that has seen what this
/// one has seen.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The last version this receiver has seen.
    version: usize,
}

impl<T> Receiver<T> {
    /// Adds a receiver that has seen the current version.
    pub(super) fn new(shared: Arc<Shared<T>>) -> Receiver<T> {
        // A count; whoever calls this holds a handle that keeps the channel alive.
        shared.rx_count.fetch_add(1, Ordering::Relaxed);
        let version = version(shared.load_state());
        Receiver { shared, version }
    }

    /// A read lock on the current value, without marking it seen; [`Ref::has_changed`] says
    /// whether it is new to this receiver.
    ///
    /// Do not hold it across an `.await`, or while sending on this channel (see the module
    /// docs).
    pub fn borrow(&self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        // Under the read lock the version cannot move: it is the value's own.
        let current = version(self.shared.load_state());
        Ref {
            inner,
            has_changed: current != self.version,
        }
    }

    /// A read lock on the current value, marking it seen; [`Ref::has_changed`] says whether
    /// it was new to this receiver.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        let current = version(self.shared.load_state());
        let has_changed = current != self.version;
        self.version = current;
        Ref { inner, has_changed }
    }

    /// Whether a value this receiver has not seen is there.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone (even if the last value was not seen).
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.load_state();
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(version(state) != self.version)
    }

    /// Whether every sender is gone (the last value stays readable).
    ///
    /// ```
    /// use runtime_sync::watch;
    ///
    /// let (tx, rx) = watch::channel(());
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.load_state() & CLOSED != 0
    }

    /// Makes the current value count as unseen, so the next [`changed`](Self::changed)
    /// completes at once.
    pub fn mark_changed(&mut self) {
        self.version = version(self.shared.load_state()).wrapping_sub(STEP);
    }

    /// Makes the current value count as seen.
    pub fn mark_unchanged(&mut self) {
        self.version = version(self.shared.load_state());
    }

    /// Waits for a value this receiver has not seen, and marks it seen. Completes at once if
    /// there is one already.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone and this receiver has seen the last value.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes marks nothing seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::watch;
    ///
    /// async fn follow(mut rx: watch::Receiver<u32>) {
    ///     while rx.changed().await.is_ok() {
    ///         println!("now {}", *rx.borrow_and_update());
    ///     }
    /// }
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        coop::cooperative(changed(&self.shared, &mut self.version)).await
    }

    /// Waits until `condition` holds for the value, and returns a read lock on that value,
    /// marked seen. The current value is checked first, seen or not.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone and `condition` was false for the last value.
    ///
    /// # Panics
    ///
    /// A panic in `condition` propagates; the channel stays usable.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::watch;
    ///
    /// async fn until_ready(mut rx: watch::Receiver<&str>) {
    ///     let state = rx.wait_for(|s| *s == "ready").await.unwrap();
    ///     assert_eq!(*state, "ready");
    /// }
    /// ```
    pub async fn wait_for(
        &mut self,
        condition: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // Budgeted as a whole: a condition that holds at once still spends the task's budget,
        // so a loop of sends and `wait_for`s yields.
        coop::cooperative(self.wait_for_inner(condition)).await
    }

    async fn wait_for_inner(
        &mut self,
        mut condition: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let mut closed = false;
        loop {
            {
                let inner = self.shared.value.read();
                let current = version(self.shared.load_state());
                let has_changed = current != self.version;
                self.version = current;
                // Once closed, only a value not checked yet is worth a look.
                if (!closed || has_changed) && condition(&inner) {
                    return Ok(Ref { inner, has_changed });
                }
            }
            if closed {
                return Err(RecvError(()));
            }
            closed = changed(&self.shared, &mut self.version).await.is_err();
        }
    }

    /// Whether `other` watches the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// Waits until `shared`'s version differs from `*seen`, then records it in `*seen`.
async fn changed<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    loop {
        // Created before the comparison: a send whose `notify_waiters` runs after this point
        // completes it, and a send before it has already bumped the version we load next
        // (both sides go through `Notify`'s SeqCst word, which orders the version bump,
        // sequenced before the sender's notify, before our load).
        let notified = shared.notify_rx.notified();
        let state = shared.load_state();
        if version(state) != *seen {
            *seen = version(state);
            return Ok(());
        }
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        notified.await;
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        // A count; `self` keeps the channel alive.
        self.shared.rx_count.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // AcqRel, then a notify through `Notify`'s SeqCst word: `Sender::closed` loads the
        // count after creating its `Notified`, so it either sees zero or is woken.
        if self.shared.rx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("shared", &self.shared)
            .field("version", &self.version)
            .finish()
    }
}
