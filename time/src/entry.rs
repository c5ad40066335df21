//! The part of a timer that the wheel and the driver see: its state word, its waker and its
//! links in a wheel slot.
//!
//! A `TimerShared` lives inside a pinned [`Sleep`](crate::Sleep) (no allocation per timer).
//! While it is linked into a wheel, the wheel holds a pointer to it; the `Sleep` unlinks it
//! (under the shard lock) before its memory goes away, so the pointer never dangles.
//!
//! # The state word
//!
//! `state` is one `AtomicU64`:
//!
//! * a tick below [`FIRED`]: the timer is *pending*: linked into a wheel slot (or the wheel's
//!   pending list), and the value is its true deadline. The slot it sits in may be for an
//!   earlier tick (the `Sleep` moved its deadline later without the lock, see
//!   [`TimerShared::try_extend`]); the driver re-files it when that slot comes due.
//! * [`FIRED`]: the driver unlinked it and is taking its waker; it may still touch the waker.
//! * [`DONE`]: fired (or cancelled), unlinked, and no other thread will touch it again.
//!
//! Invariants, all kept under the shard lock: pending ⇔ linked; only the driver moves a timer
//! from pending to `FIRED` and then `DONE`; only the owning `Sleep` moves it from `DONE` (or
//! never registered) back to pending. The one lock-free transition is the owner's
//! `pending(t) → pending(t')` with `t' ≥ t`, which the driver tolerates with a CAS.

use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::Waker;

use runtime_sync::foundation::linked_list::{self, LinkedList, Pointers};
use runtime_sync::AtomicWaker;

use crate::loom::{AtomicU64, Ordering::*, UnsafeCell};

/// The driver has unlinked the timer and is taking its waker.
pub(crate) const FIRED: u64 = u64::MAX - 1;
/// Fired or cancelled; nobody but the owner touches the timer.
pub(crate) const DONE: u64 = u64::MAX;
/// The largest deadline a pending timer can carry.
pub(crate) const MAX_TICK: u64 = FIRED - 1;

/// Where a linked timer is: a slot of one level, or the pending list.
pub(crate) type SlotId = u16;

/// The shared half of one timer.
#[derive(Debug)]
pub(crate) struct TimerShared {
    /// Its links in a wheel slot (the workspace's intrusive list); only touched under the
    /// shard lock.
    pointers: Pointers<TimerShared>,
    /// Which slot it is linked into; only touched under the shard lock.
    slot: UnsafeCell<SlotId>,
    state: AtomicU64,
    waker: AtomicWaker,
    /// loom only: stands for the timer's memory. The driver reads it where it last touches
    /// the timer in `finish_fire`; a model writes it where the owner would free the timer, so
    /// loom reports a driver that could still be inside.
    #[cfg(loom)]
    pub(crate) memory: UnsafeCell<u8>,
    _pinned: PhantomPinned,
}

// SAFETY: the links and the slot are only read or written under the lock of the shard the
// timer is registered with (module invariants); the state and waker are atomic.
unsafe impl Send for TimerShared {}
// SAFETY: as for `Send`.
unsafe impl Sync for TimerShared {}

impl TimerShared {
    pub(crate) fn new() -> TimerShared {
        TimerShared {
            pointers: Pointers::new(),
            slot: UnsafeCell::new(0),
            state: AtomicU64::new(DONE),
            waker: AtomicWaker::new(),
            #[cfg(loom)]
            memory: UnsafeCell::new(0),
            _pinned: PhantomPinned,
        }
    }

    /// The state word (see the module docs).
    pub(crate) fn state(&self) -> u64 {
        // Acquire: after seeing FIRED or DONE, whatever the driver did before firing (and the
        // unlinking) is visible.
        self.state.load(Acquire)
    }

    /// Whether the timer has fired (or was never armed).
    pub(crate) fn is_elapsed(&self) -> bool {
        self.state() >= FIRED
    }

    /// Registers the waker to wake when the timer fires.
    pub(crate) fn register_waker(&self, waker: &Waker) {
        self.waker.register_by_ref(waker);
    }

    /// Owner, under the shard lock: arms the timer for `tick` (it is about to be linked).
    pub(crate) fn arm(&self, tick: u64) {
        debug_assert!(tick <= MAX_TICK);
        // Relaxed: the lock publishes it to the driver.
        self.state.store(tick, Relaxed);
    }

    /// Owner, under the shard lock: marks the timer done (cancelled, or due on arrival).
    pub(crate) fn set_done(&self) {
        // Release: pairs with the Acquire in `state`, so an owner that sees DONE without the
        // lock also sees the unlinking.
        self.state.store(DONE, Release);
    }

    /// Owner, without the lock: moves a pending timer's deadline to `tick`, which must not be
    /// earlier than its current one. Fails if the timer is no longer pending (it fired) or
    /// the new deadline is earlier; the caller then takes the lock.
    pub(crate) fn try_extend(&self, tick: u64) -> bool {
        let mut current = self.state.load(Relaxed);
        loop {
            if current > MAX_TICK || tick < current {
                return false;
            }
            // Relaxed: only the deadline changes hands; the driver re-reads it with a CAS
            // under the lock and re-files the timer, and the linking itself is untouched.
            match self
                .state
                .compare_exchange_weak(current, tick, Relaxed, Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Driver, under the shard lock, on an unlinked pending timer: the true deadline if it is
    /// later than `now` (the timer must be re-filed), or `None` once it has been moved to
    /// `FIRED`.
    pub(crate) fn try_fire(&self, now: u64) -> Option<u64> {
        let mut when = self.state.load(Relaxed);
        loop {
            debug_assert!(when <= MAX_TICK, "firing a timer that is not pending");
            if when > now {
                return Some(when);
            }
            // Relaxed: the owner's only concurrent change is `try_extend` (a later deadline),
            // which this CAS either sees or beats; what the owner observes of the firing is
            // published by the Release store of DONE in `finish_fire`.
            match self
                .state
                .compare_exchange_weak(when, FIRED, Relaxed, Relaxed)
            {
                Ok(_) => return None,
                Err(actual) => when = actual,
            }
        }
    }

    /// Driver, under the shard lock, after `try_fire`: takes the waker and lets go of the
    /// timer. The timer must not be touched after this returns.
    pub(crate) fn finish_fire(&self) -> Option<Waker> {
        let waker = self.waker.take();
        #[cfg(loom)]
        self.memory.with(|_| ());
        // Release: the owner that sees DONE may free the timer without taking the lock; our
        // last access (the waker) happens before.
        self.state.store(DONE, Release);
        waker
    }

    /// The slot the timer is linked into.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the shard the timer is registered with.
    pub(crate) unsafe fn slot(&self) -> SlotId {
        // SAFETY: the caller holds the shard lock, which serialises every access to the slot.
        self.slot.with(|slot| unsafe { *slot })
    }

    /// Records the slot the timer is linked into.
    ///
    /// # Safety
    ///
    /// As [`slot`](Self::slot).
    pub(crate) unsafe fn set_slot(&self, slot: SlotId) {
        // SAFETY: as in `slot`.
        self.slot.with_mut(|p| unsafe { *p = slot });
    }
}

/// How a timer is linked into the workspace's intrusive list: the list holds plain pointers
/// (the timer lives pinned inside its `Sleep`, which unlinks it before it goes away).
struct TimerLink;

// SAFETY: `pointers` returns the timer's own `pointers` field, used by one list at a time (a
// timer is in at most one slot); a handle is the pointer itself, so it round-trips.
unsafe impl linked_list::Link for TimerLink {
    type Handle = NonNull<TimerShared>;
    type Target = TimerShared;

    fn as_raw(handle: &NonNull<TimerShared>) -> NonNull<TimerShared> {
        *handle
    }

    unsafe fn from_raw(ptr: NonNull<TimerShared>) -> NonNull<TimerShared> {
        ptr
    }

    unsafe fn pointers(target: NonNull<TimerShared>) -> NonNull<Pointers<TimerShared>> {
        // SAFETY: the caller guarantees `target` is live; no reference to the timer is made.
        unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*target.as_ptr()).pointers)) }
    }
}

/// The timers of one wheel slot: the workspace's intrusive list, recording in each timer
/// which slot it is in.
#[derive(Debug, Default)]
pub(crate) struct List {
    timers: LinkedList<TimerLink>,
}

// SAFETY: a list is only reached through the shard lock that protects the timers in it.
unsafe impl Send for List {}

impl List {
    pub(crate) const fn new() -> List {
        List {
            timers: LinkedList::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    /// Links `timer` at the front, recording `slot` in it.
    ///
    /// # Safety
    ///
    /// The caller holds the shard lock; `timer` is live, pinned, and in no list, and stays
    /// live until it is unlinked.
    pub(crate) unsafe fn push_front(&mut self, timer: NonNull<TimerShared>, slot: SlotId) {
        // SAFETY: the caller's guarantees.
        unsafe { timer.as_ref().set_slot(slot) };
        self.timers.push_front(timer);
    }

    /// Unlinks and returns the first timer.
    ///
    /// # Safety
    ///
    /// The caller holds the shard lock.
    pub(crate) unsafe fn pop_front(&mut self) -> Option<NonNull<TimerShared>> {
        self.timers.pop_front()
    }

    /// Unlinks `timer`.
    ///
    /// # Safety
    ///
    /// The caller holds the shard lock and `timer` is a member of this list.
    pub(crate) unsafe fn remove(&mut self, timer: NonNull<TimerShared>) {
        // SAFETY: the caller's guarantees: the timer is live and in this list.
        let removed = unsafe { self.timers.remove(timer) };
        debug_assert!(
            removed.is_some(),
            "unlinking a timer from a list it is not in"
        );
    }
}
