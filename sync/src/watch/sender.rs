//! The sending half of a watch channel.

use std::fmt;
use std::mem;

use super::error::SendError;
use super::{Receiver, Ref, Shared, CLOSED, STEP};
use crate::coop;
use crate::loom::{Arc, Ordering};

/// Replaces the value of a watch channel. Cloning it adds a sender; the channel closes when
/// the last one is dropped.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Creates a channel holding `init` with no receiver yet: [`send`](Sender::send) fails
    /// until [`subscribe`](Sender::subscribe) makes one.
    pub fn new(init: T) -> Sender<T> {
        Sender {
            shared: Arc::new(Shared::new(init)),
        }
    }

    /// Replaces the value and notifies every receiver.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if no receiver exists; the channel keeps its old value.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies every receiver, even if nothing changed and
    /// even with no receiver.
    ///
    /// # Panics
    ///
    /// A panic in `modify` propagates; the channel is left as the closure left the value,
    /// without a new version and without waking anyone.
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place; if `modify` returns `true`, makes a new version and
    /// notifies every receiver. Returns what `modify` returned. Works with no receiver.
    ///
    /// # Panics
    ///
    /// A panic in `modify` propagates; no version is made and nobody is woken, and the lock
    /// is not poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::watch;
    ///
    /// let (tx, rx) = watch::channel(5);
    /// // Only a real change wakes the receivers.
    /// assert!(!tx.send_if_modified(|v| std::mem::replace(v, 5) != 5));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|v| std::mem::replace(v, 6) != 6));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        {
            let mut value = self.shared.value.write();
            // An unwind here drops the write guard: parking_lot does not poison, and we return
            // before bumping the version.
            if !modify(&mut value) {
                return false;
            }
            // Bumped while the write lock is held, so a reader that loads the version under
            // the read lock gets exactly the version of the value it reads. Release pairs with
            // the Acquire loads of receivers comparing versions without the lock.
            self.shared.state.fetch_add(STEP, Ordering::Release);
        }
        // After the version: a receiver whose `Notified` predates this call is woken, and one
        // created later sees the new version when it compares.
        self.shared.notify_rx.notify_waiters();
        true
    }

    /// Replaces the value, notifies every receiver, and returns the old value. Works with no
    /// receiver.
    pub fn send_replace(&self, value: T) -> T {
        let mut value = Some(value);
        self.send_modify(|old| {
            // `send_modify` calls this exactly once.
            value = Some(mem::replace(old, value.take().expect("called once")));
        });
        value.expect("send_modify ran the closure")
    }

    /// A read lock on the current value; its [`Ref::has_changed`] is always `false`.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// Whether no receiver exists.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Completes once no receiver exists (at once if none does now). A later
    /// [`subscribe`](Sender::subscribe) makes the channel open again.
    pub async fn closed(&self) {
        coop::cooperative(async move {
            loop {
                // Created before the check: a receiver dropped after it still wakes us.
                let notified = self.shared.notify_tx.notified();
                if self.receiver_count() == 0 {
                    return;
                }
                notified.await;
            }
        })
        .await;
    }

    /// A new receiver, which counts the current value as seen.
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::new(self.shared.clone())
    }

    /// How many receivers exist.
    pub fn receiver_count(&self) -> usize {
        // Acquire pairs with a receiver drop's AcqRel decrement.
        self.shared.rx_count.load(Ordering::Acquire)
    }

    /// How many senders exist.
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Acquire)
    }

    /// Whether `other` sends on the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        // A count; the sender being cloned keeps it above zero.
        self.shared.tx_count.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

/// A sender of a channel holding `T::default()`, with no receiver yet (see [`Sender::new`]).
impl<T: Default> Default for Sender<T> {
    fn default() -> Sender<T> {
        Sender::new(T::default())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last sender's close follows every other sender's sends.
        if self.shared.tx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Release pairs with the receivers' Acquire loads; then wake them to look.
            self.shared.state.fetch_or(CLOSED, Ordering::Release);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("shared", &self.shared)
            .finish()
    }
}
