//! `Signal`: how a notifier tells a queued future that it is done, so that the future can
//! complete without taking the wait list's lock.
//!
//! # The protocol
//!
//! A waiting future owns a [`Signal`]. It lives inside the future, which is `!Unpin` and
//! pinned from its first poll, so its address is stable. When the future queues, its node in
//! the wait list keeps a [`SignalRef`] to it.
//!
//! * **The notifier**, holding the wait list's lock, *removes* the node (the key may be reused
//!   at once), takes what it needs from it (the waker), and then [sets](SignalRef::set) the
//!   signal to a non-zero outcome. The store is its last access to the signal: from then on
//!   the future may complete, move its memory or be dropped.
//! * **The future** reads the signal without the lock. A non-zero value is final: its node is
//!   gone and the outcome is decided. On zero it takes the lock and reads again; since
//!   outcomes are only ever stored under the lock, a zero read under the lock means the node
//!   is still in the list, and the future (re-registering its waker, or being dropped) deals
//!   with it before it lets go of the lock.
//! * **Before the future's memory goes away** (its drop), it makes sure its node is gone:
//!   either the signal is set, or it removes the node under the lock. So a `SignalRef` in the
//!   list never dangles.
//!
//! This saves a woken waiter a round trip through the lock, as tokio's intrusive lists do.
//! `Notify` uses it: with 1,000 tasks woken one `notify_one` at a time from another thread,
//! the woken tasks no longer contend with the notifier for the lock (about 15 % faster). The
//! fair semaphore measured the other way (its `Mutex` lock convoy got 15–25 % slower when
//! the hand-over wrote into the woken future and the future skipped the lock; see
//! `docs/benchmarks.md`), so it keeps the mark-and-remove protocol of `WaitList`.

use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;

use crate::loom::{AtomicUsize, Ordering::*};

/// Not decided yet: the future's node is (or is about to be) in the wait list.
pub(crate) const PENDING: usize = 0;

/// The outcome of one wait, owned by the waiting future; see the module docs.
#[derive(Debug)]
pub(crate) struct Signal {
    value: AtomicUsize,
    /// The wait list points here while the future is queued.
    _pinned: PhantomPinned,
}

impl Signal {
    pub(crate) fn new() -> Signal {
        Signal {
            value: AtomicUsize::new(PENDING),
            _pinned: PhantomPinned,
        }
    }

    /// The outcome, or [`PENDING`]. Without the lock, a non-zero value is final; with the
    /// lock held, `PENDING` means the node is still in the list.
    pub(crate) fn get(&self) -> usize {
        // Acquire: pairs with the Release in `set`, so whatever the notifier did before
        // deciding the outcome (for `Notify`: whatever its caller wrote before notifying) is
        // visible to the future that completes on it.
        self.value.load(Acquire)
    }

    /// The pointer the wait list keeps while the future is queued.
    pub(crate) fn to_ref(self: Pin<&Self>) -> SignalRef {
        SignalRef(NonNull::from(self.get_ref()))
    }
}

/// A wait list's pointer to the [`Signal`] of a queued future.
#[derive(Debug)]
pub(crate) struct SignalRef(NonNull<Signal>);

// SAFETY: a `SignalRef` only gives access to an atomic, and only under the protocol of the
// module docs (under the wait list's lock, while the owning future is queued); moving it to,
// or sharing it with, another thread (the notifier's) is what it is for.
unsafe impl Send for SignalRef {}
// SAFETY: as for `Send`.
unsafe impl Sync for SignalRef {}

impl SignalRef {
    /// Decides the outcome of the wait (`value` must not be [`PENDING`]); consumes the
    /// reference, because the future may be gone right after.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the wait list this reference was stored in, and has just
    /// removed the node that held it (so no other notifier can set it too). Then the owning
    /// future has not been dropped: it removes its node under the same lock before it goes.
    pub(crate) unsafe fn set(self, value: usize) {
        debug_assert_ne!(value, PENDING);
        // SAFETY: the caller's contract keeps the pointee alive (and pinned) until this store
        // has happened.
        let signal = unsafe { self.0.as_ref() };
        // Release: pairs with the Acquire in `get` (see there).
        signal.value.store(value, Release);
    }
}
