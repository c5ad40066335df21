//! A channel that holds one value: senders replace it, receivers watch it change.
//!
//! [`channel`] returns a [`Sender`] and a [`Receiver`], both cloneable. The channel always
//! holds a value (the initial one to start with). Receivers look at it with
//! [`Receiver::borrow`], and wait for a newer one with [`Receiver::changed`]; a receiver that
//! is slow only ever sees the latest value, never a queue.
//!
//! # Contract
//!
//! - **Versions, not queues.** Every successful send makes a new *version*. Each receiver
//!   remembers the last version it has *seen*; [`Receiver::changed`] completes once the
//!   current version differs from it (and marks it seen), so a send after the receiver last
//!   looked is never missed, and a receiver that already saw the current value never gets a
//!   spurious change. The initial value counts as seen, and so does the current value for a
//!   receiver made by [`Sender::subscribe`].
//! - **Closed when every sender is gone.** Then `changed` still reports a value the receiver
//!   has not seen, and only after that fails with [`RecvError`](error::RecvError).
//!   [`Receiver::borrow`] keeps working: the last value stays readable.
//! - **`send` fails only when no receiver exists**, handing the value back; the
//!   `send_replace`, `send_modify` and `send_if_modified` variants update the value even
//!   then (a later [`Sender::subscribe`] will see it).
//! - **A panic in a closure** given to `send_modify`, `send_if_modified` or `wait_for`
//!   propagates to the caller and leaves the channel usable: the lock is not poisoned, no
//!   version is made and nobody is woken.
//! - **Cancellation safety.** `changed`, `wait_for` and `Sender::closed` are cancel safe.
//! - **Cooperative budget.** A poll of `changed` (or `wait_for`, `closed`) that returns
//!   `Ready` spends the task's budget (see [`crate::coop`]).
//! - **Do not hold a [`Ref`] across an `.await`** or while sending on the same channel: it is
//!   a read lock on the value, and a send waits for it (a deadlock on one thread).
//!
//! # Examples
//!
//! ```
//! use runtime_sync::watch;
//!
//! let (tx, mut rx) = watch::channel("starting");
//! assert!(!rx.has_changed().unwrap());
//!
//! tx.send("running").unwrap();
//! assert!(rx.has_changed().unwrap());
//! assert_eq!(*rx.borrow_and_update(), "running");
//! assert!(!rx.has_changed().unwrap());
//! ```
//!
//! # Implementation
//!
//! The value sits under a reader-writer lock; an atomic word beside it holds the version
//! (counting in steps of two) and, in its low bit, whether every sender is gone. A send bumps
//! the version while it holds the write lock, so a reader that loads the version under the
//! read lock gets the version of exactly the value it reads. Then the send calls
//! [`Notify::notify_waiters`]. A waiting receiver creates its `Notified` *before* it compares
//! versions; `notify_waiters` completes every `Notified` created before it, so a send that
//! lands between the comparison and the wait still wakes it.

use std::fmt;
use std::ops::Deref;

use crate::loom::{AtomicUsize, Ordering};
use crate::Notify;

pub mod error;
mod lock;
mod receiver;
mod sender;

#[cfg(all(test, loom))]
mod loom_tests;

use self::lock::{RwLock, RwLockReadGuard};

pub use self::receiver::Receiver;
pub use self::sender::Sender;

/// Creates a watch channel holding `init`, and returns its first sender and receiver. The
/// receiver counts `init` as seen.
///
/// # Examples
///
/// ```
/// use runtime_sync::watch;
///
/// let (tx, rx) = watch::channel(0);
/// tx.send_modify(|v| *v += 1);
/// assert_eq!(*rx.borrow(), 1);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(init);
    let rx = tx.subscribe();
    (tx, rx)
}

/// What every handle of one channel shares.
struct Shared<T> {
    value: RwLock<T>,
    /// The version (in steps of [`STEP`]) and the [`CLOSED`] bit.
    state: AtomicUsize,
    /// Live receivers.
    rx_count: AtomicUsize,
    /// Live senders.
    tx_count: AtomicUsize,
    /// Wakes receivers on a new version and on closing.
    notify_rx: Notify,
    /// Wakes `Sender::closed` when the last receiver goes.
    notify_tx: Notify,
}

/// Set once every sender is gone.
const CLOSED: usize = 1;
/// One version step; versions leave the [`CLOSED`] bit alone.
const STEP: usize = 2;

/// The version part of a state word.
fn version(state: usize) -> usize {
    state & !CLOSED
}

impl<T> Shared<T> {
    fn new(init: T) -> Shared<T> {
        Shared {
            value: RwLock::new(init),
            state: AtomicUsize::new(0),
            rx_count: AtomicUsize::new(0),
            tx_count: AtomicUsize::new(1),
            notify_rx: Notify::new(),
            notify_tx: Notify::new(),
        }
    }

    /// The current state word.
    ///
    /// Acquire pairs with the Release of a version bump or of the close, so a receiver that
    /// sees a version also sees what happened before it; the value itself is published by the
    /// lock.
    fn load_state(&self) -> usize {
        self.state.load(Ordering::Acquire)
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.load_state();
        f.debug_struct("Shared")
            .field("value", &*self.value.read())
            .field("version", &version(state))
            .field("closed", &(state & CLOSED != 0))
            .finish()
    }
}

/// A read lock on the channel's value, from [`Receiver::borrow`] and friends or
/// [`Sender::borrow`].
///
/// Holding it blocks every send on the channel: keep it short, and never across an `.await`.
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was new to the receiver that borrowed it (never for a
    /// [`Sender::borrow`]). For [`Receiver::borrow_and_update`] it says whether the value had
    /// not been seen before this call marked it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::watch;
    ///
    /// let (tx, mut rx) = watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert!(rx.borrow().has_changed());
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}
