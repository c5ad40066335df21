//! A multi-producer, multi-consumer channel where every receiver sees every value.
//!
//! [`channel`] returns a [`Sender`] and a first [`Receiver`]; [`Sender::subscribe`] and
//! [`Receiver::resubscribe`] make more receivers, and senders clone. Each value sent is
//! cloned out to every receiver that existed when it was sent.
//!
//! # Contract
//!
//! - **Bounded, and senders never wait.** The channel keeps the last `capacity` values
//!   (`capacity` rounded up to a power of two). A send when the buffer is full overwrites the
//!   oldest value; a receiver that had not read it yet *lags*.
//! - **Lagging is reported, then the receiver catches up.** A receiver that fell behind gets
//!   [`RecvError::Lagged(n)`](error::RecvError::Lagged) (`n` values it missed), and its next
//!   receive returns the oldest value the channel still holds.
//! - **A receiver sees only what was sent after it was created** ([`Sender::subscribe`],
//!   [`Receiver::resubscribe`]); a clone of the first receiver cannot be made.
//! - **`send` fails only when no receiver exists**, returning the value in
//!   [`SendError`](error::SendError); otherwise it returns how many receivers will see it.
//! - **Closed after draining.** Once every [`Sender`] is dropped, receivers still get the
//!   values buffered for them, then [`RecvError::Closed`](error::RecvError::Closed).
//! - **Each receiver gets a clone**, the last one too (as with tokio), and **each value is
//!   dropped once**: when every receiver that was to see it has read it, skipped it by
//!   lagging, or been dropped. A value's `Clone` that panics leaves the channel usable: the
//!   receiver counts that value as read (the next receive returns the one after it).
//! - **User code runs outside the locks**: wakers are woken and dropped, and values dropped,
//!   with no lock of the channel held, so a waker or a destructor may use the channel.
//! - **Cancellation safety.** [`Receiver::recv`] is cancel safe: dropping it before it
//!   completes loses no value.
//! - **Cooperative budget.** A `recv` (or [`Sender::closed`]) poll that returns `Ready`
//!   spends one unit of the task's budget (see [`crate::coop`]).
//!
//! # Examples
//!
//! ```
//! use runtime_sync::broadcast;
//!
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//!
//! tx.send(10).unwrap();
//! tx.send(20).unwrap();
//!
//! assert_eq!(rx1.blocking_recv(), Ok(10));
//! assert_eq!(rx1.blocking_recv(), Ok(20));
//! assert_eq!(rx2.try_recv(), Ok(10));
//! assert_eq!(rx2.try_recv(), Ok(20));
//! ```
//!
//! # Implementation
//!
//! A ring of `capacity` slots, each under its own mutex, and a *tail* mutex that holds the
//! next write position, the receiver count and the queue of waiting receivers. A slot records
//! the position it holds and how many receivers still have to read it. A receiver reads a slot
//! under that slot's lock alone when the slot holds the position it wants; otherwise it takes
//! the tail lock, then the slot lock (the one lock order), to tell "nothing yet" from "lagged"
//! and to queue itself. A send writes the slot under the tail lock and wakes every queued
//! receiver after releasing it.

use std::fmt;
use std::task::Waker;

use crate::loom::{AtomicUsize, Mutex};
use crate::util::wait_list::WaitList;

pub mod error;
mod receiver;
mod sender;

#[cfg(all(test, loom))]
mod loom_tests;

pub use self::receiver::Receiver;
pub use self::sender::{Sender, WeakSender};

/// More receivers than this is a bug (each one adds to every slot's count).
const MAX_RECEIVERS: usize = usize::MAX >> 2;

/// Creates a broadcast channel that keeps the last `capacity` values (rounded up to a power
/// of two), and returns its first sender and receiver.
///
/// # Panics
///
/// Panics if `capacity` is zero or greater than `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// use runtime_sync::broadcast;
///
/// let (tx, mut rx) = broadcast::channel::<&str>(3);
/// assert_eq!(tx.send("hi").unwrap(), 1);
/// assert_eq!(rx.try_recv().unwrap(), "hi");
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(capacity);
    let rx = tx.subscribe();
    (tx, rx)
}

/// The state every handle of one channel shares.
pub(crate) struct Shared<T> {
    /// The ring of values; its length is a power of two.
    buffer: Box<[Mutex<Slot<T>>]>,
    /// `buffer.len() - 1`.
    mask: u64,
    /// The write position, receivers and waiters. Lock order: tail, then a slot.
    tail: Mutex<Tail>,
    /// Strong senders. The count alone decides whether a `WeakSender` may upgrade; the
    /// closing itself is published under the tail lock.
    num_tx: AtomicUsize,
    /// Weak senders, for [`Sender::weak_count`].
    num_weak_tx: AtomicUsize,
}

/// One value of the ring.
struct Slot<T> {
    /// The position written here last. Before the first write to slot `i` it is
    /// `i - capacity` (wrapping), one lap behind, so it reads as "not yet written".
    pos: u64,
    /// Receivers that still have to read this value; at zero the value is gone.
    rem: usize,
    /// The value, while some receiver still has to read it.
    val: Option<T>,
}

struct Tail {
    /// The position the next send writes.
    pos: u64,
    /// Live receivers.
    rx_cnt: usize,
    /// No value will be sent any more for now: every sender is gone, or every receiver
    /// (`Sender::subscribe` reopens).
    closed: bool,
    /// Receivers waiting for a value; a send unlinks them all and wakes them.
    waiters: WaitList<Option<Waker>>,
    /// `Sender::closed` futures, woken when the last receiver goes.
    closed_waiters: WaitList<Option<Waker>>,
}

impl<T> Shared<T> {
    fn capacity(&self) -> u64 {
        self.mask + 1
    }

    fn slot(&self, pos: u64) -> &Mutex<Slot<T>> {
        // The mask keeps the index below `buffer.len()`, which fits in usize.
        &self.buffer[(pos & self.mask) as usize]
    }
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

/// Takes every waiter out of `list` (they stay allocated until their futures remove them)
/// and collects their wakers.
fn unlink_all(list: &mut WaitList<Option<Waker>>, wakers: &mut crate::util::wake_list::WakeList) {
    while let Some(key) = list.pop_front() {
        if let Some(waker) = list.get_mut(key).take() {
            wakers.push(waker);
        }
    }
}
