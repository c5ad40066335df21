//! `AtomicWaker`: one waker slot that one task registers into and any thread wakes.
//!
//! # Contract
//!
//! - **No lost wake-up.** If [`wake`](AtomicWaker::wake) is called after a
//!   [`register`](AtomicWaker::register) call began, the registered waker (or the waker being
//!   registered) is woken: either `wake` finds it in the slot, or `register` sees the wake in
//!   progress and wakes the new waker itself.
//! - **One registrant at a time.** `register` is meant to be called by the single consumer
//!   (the task waiting on the resource). Concurrent `register` calls do not cause undefined
//!   behaviour: one of them wins and the others are ignored.
//! - **Any number of wakers.** `wake` and `take` may be called from any number of threads at
//!   once; a `wake` that finds another `wake` in progress returns at once, since that one will
//!   wake the task.
//!
//! # Protocol
//!
//! The state word holds three bits: `REGISTERING` and `WAKING` say who holds the slot, and
//! `REGISTERED` says the slot holds a waker that no wake has taken yet. The slot is free when
//! neither `REGISTERING` nor `WAKING` is set. Only the thread that set `REGISTERING` on a free
//! state (a compare-and-swap) may write the slot; only the thread that set `WAKING` on a free
//! state (a `fetch_or`) may take the waker out. Because both claim the slot by a
//! read-modify-write of the same word, at most one of them owns it at a time. A wake that
//! arrives while a registration holds the slot only sets `WAKING`; the registration sees it
//! when it tries to free the slot, and wakes the waker it just stored itself.
//!
//! `REGISTERED` lets a caller that wakes on every event (a channel's sender, once per
//! message) skip the two read-modify-writes while nobody waits, with one load instead: see
//! `wake_if_registered`, which is sound only paired with `register_by_ref_for_fenced_wakes`
//! (a `SeqCst` fence on each side).

use std::borrow::Borrow;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::task::Waker;

use crate::loom::{fence, AtomicUsize, Ordering, UnsafeCell};

/// Nobody holds the slot, and it holds no waker.
const WAITING: usize = 0;
/// A registration holds the slot (it is writing the waker).
const REGISTERING: usize = 0b01;
/// A wake holds the slot, or arrived while a registration held it.
const WAKING: usize = 0b10;
/// The slot holds a waker no wake has taken. Set by a registration as it frees the slot,
/// cleared by the wake that takes the waker; changed only by the slot's owner.
const REGISTERED: usize = 0b100;
/// Either owner holds the slot.
const BUSY: usize = REGISTERING | WAKING;

/// A waker slot shared between one task that waits and any number of threads that wake it.
///
/// This is the building block of a channel's receive side: the receiver calls
/// [`register`](Self::register) with its task's waker before it checks for a message, and a
/// sender calls [`wake`](Self::wake) after it stored one. Whatever the interleaving, the
/// receiver either sees the message or is woken.
///
/// # Examples
///
/// A flag that a task can wait for:
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use std::task::{Context, Poll};
/// use runtime_sync::AtomicWaker;
///
/// #[derive(Default)]
/// struct Flag {
///     waker: AtomicWaker,
///     set: AtomicBool,
/// }
///
/// struct Wait(Arc<Flag>);
///
/// impl Future for Wait {
///     type Output = ();
///     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
///         // Quick check first, then register, then check again: a `set` between the
///         // two checks finds the registered waker.
///         if self.0.set.load(Ordering::Acquire) {
///             return Poll::Ready(());
///         }
///         self.0.waker.register_by_ref(cx.waker());
///         if self.0.set.load(Ordering::Acquire) {
///             Poll::Ready(())
///         } else {
///             Poll::Pending
///         }
///     }
/// }
///
/// fn set(flag: &Flag) {
///     flag.set.store(true, Ordering::Release);
///     flag.waker.wake();
/// }
/// # let flag = Arc::new(Flag::default());
/// # set(&flag);
/// ```
pub struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the slot is only touched by the one thread that owns it under the protocol above
// (see the module docs); `Waker` is `Send + Sync`, so moving it between threads is fine.
unsafe impl Send for AtomicWaker {}
// SAFETY: as for `Send`: every access to `waker` is serialised by the state word.
unsafe impl Sync for AtomicWaker {}

// A panic in a waker's `clone`, `wake` or `drop` leaves the state word consistent (the slot is
// freed on every path), so an `AtomicWaker` observed after a caught panic is usable.
impl std::panic::UnwindSafe for AtomicWaker {}
impl std::panic::RefUnwindSafe for AtomicWaker {}

impl AtomicWaker {
    /// An empty slot: `wake` does nothing until a waker is registered.
    #[cfg(not(loom))]
    pub const fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// An empty slot: `wake` does nothing until a waker is registered.
    #[cfg(loom)]
    pub fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake), replacing any earlier
    /// one.
    ///
    /// If a `wake` is running at the same time, `waker` is woken before this returns, so a
    /// wake-up is never lost. Calls from several threads at once are not supported (one of
    /// them takes effect); that is a logic error, not undefined behaviour.
    pub fn register(&self, waker: Waker) {
        self.register_inner(waker, |w| w)
    }

    /// Like [`register`](Self::register), but clones `waker` only if the stored one would not
    /// wake the same task.
    pub fn register_by_ref(&self, waker: &Waker) {
        self.register_inner(waker, Waker::clone)
    }

    fn register_inner<W>(&self, waker: W, to_owned: impl FnOnce(W) -> Waker)
    where
        W: Borrow<Waker>,
    {
        // Acquire: taking the slot must see the last owner's writes to it (a waker stored by an
        // earlier registration, or the `None` a wake left); those owners freed the slot with a
        // Release RMW.
        let mut state = self.state.load(Ordering::Acquire);
        let claimed = loop {
            if state & BUSY != 0 {
                break Err(state);
            }
            match self.state.compare_exchange_weak(
                state,
                state | REGISTERING,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => break Ok(state),
                Err(actual) => state = actual,
            }
        };
        match claimed {
            Ok(free) => {
                let replaced = self.waker.with_mut(|slot| {
                    // SAFETY: the CAS above set REGISTERING on a free state, which gives this
                    // thread sole access to the slot until it clears REGISTERING.
                    let slot = unsafe { &mut *slot };
                    match slot {
                        Some(old) if old.will_wake(waker.borrow()) => Ok(None),
                        // The clone is user code (the waker's vtable) and may panic: caught,
                        // so that the slot is given back before the panic goes on.
                        _ => std::panic::catch_unwind(AssertUnwindSafe(|| to_owned(waker)))
                            .map(|new| slot.replace(new)),
                    }
                });
                let old = match replaced {
                    Ok(old) => old,
                    Err(panic) => {
                        self.give_back_after_a_failed_clone(free);
                        std::panic::resume_unwind(panic);
                    }
                };
                // Release: publishes the slot write to the next owner (a `take`). Acquire (on
                // failure): a waker that set WAKING meanwhile published nothing we read, but
                // AcqRel keeps this symmetric with the swap below.
                match self.state.compare_exchange(
                    free | REGISTERING,
                    REGISTERED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => drop(old),
                    Err(_) => {
                        // Wake before dropping the old waker: a destructor that panics must
                        // not cost this task the wake it was owed.
                        if let Some(waker) = self.empty_the_slot_for_a_missed_wake() {
                            waker.wake();
                        }
                        drop(old);
                    }
                }
            }
            Err(state) if state & REGISTERING == 0 => {
                // A wake is taking the old waker right now and may miss this one: wake the new
                // one directly so that the task polls again.
                to_owned(waker).wake();
                // The task polls again at once and may find the wake still in progress: that
                // is a spin, so say so (under loom, this lets the waking thread run).
                spin_hint();
            }
            Err(_) => {
                // Another registration is in progress (concurrent `register` is misuse), or
                // one holds the slot while a wake is pending: that registration wakes its own
                // waker. Nothing to do.
            }
        }
    }

    /// A registration whose waker clone panicked: the slot still holds what it held. Hands
    /// it back as it was (`free`), or, if a wake arrived meanwhile (it could not take the
    /// waker), takes the old waker and wakes it, as a registration does. Without this the
    /// state kept `REGISTERING` for good and every later wake was lost.
    #[cold]
    fn give_back_after_a_failed_clone(&self, free: usize) {
        // Release: nothing in the slot changed, but the next owner must not see an older
        // state of it than ours. Acquire (on failure): orders us after the waker that set
        // WAKING, as in `register_inner`.
        if self
            .state
            .compare_exchange(
                free | REGISTERING,
                free,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            if let Some(waker) = self.empty_the_slot_for_a_missed_wake() {
                waker.wake();
            }
        }
    }

    /// A registration that holds the slot (`REGISTERING`) found that a wake arrived
    /// meanwhile (`WAKING`; nobody else changes the state while we hold the slot): that wake
    /// could not take the waker, so the registration takes it, frees the slot, and returns
    /// it for the caller to wake.
    fn empty_the_slot_for_a_missed_wake(&self) -> Option<Waker> {
        let waker = self.waker.with_mut(|slot| {
            // SAFETY: we still hold REGISTERING, so the slot is ours.
            unsafe { (*slot).take() }
        });
        // AcqRel: Release hands the emptied slot to the next owner; Acquire orders us after
        // the waker that set WAKING.
        self.state.swap(WAITING, Ordering::AcqRel);
        waker
    }

    /// Wakes the registered waker, if any, and empties the slot.
    ///
    /// A panic in the waker's `wake` is caught (after the panic hook printed it): it belongs
    /// to the task that registered the waker, not to the caller that reports the event.
    pub fn wake(&self) {
        if let Some(waker) = self.take() {
            crate::wake_contained(waker);
        }
    }

    /// Takes the registered waker out of the slot without waking it.
    ///
    /// Returns `None` if there is none, or if a registration or another wake is in progress
    /// (a registration in progress wakes its waker itself, see [`register`](Self::register)).
    pub fn take(&self) -> Option<Waker> {
        // AcqRel: Acquire makes the registration's slot write visible if we own the slot;
        // Release orders everything this thread did before waking (the message it stored)
        // before a registration that observes WAKING.
        if self.state.fetch_or(WAKING, Ordering::AcqRel) & BUSY != 0 {
            return None;
        }
        let waker = self.waker.with_mut(|slot| {
            // SAFETY: the fetch_or set WAKING on a free state, which gives this thread sole
            // access to the slot until it clears WAKING.
            unsafe { (*slot).take() }
        });
        // Release: hands the emptied slot to the next registration. Nobody else changed the
        // state meanwhile (a registration or wake that found WAKING set left it alone), so
        // this leaves it WAITING.
        self.state
            .fetch_and(!(WAKING | REGISTERED), Ordering::Release);
        waker
    }

    /// [`register_by_ref`](Self::register_by_ref) for a registrant whose wakers call
    /// [`wake_if_registered`](Self::wake_if_registered): registers, then runs the
    /// registrant's half of the `SeqCst` fence pair. Check for the event after it returns.
    #[inline]
    pub(crate) fn register_by_ref_for_fenced_wakes(&self, waker: &Waker) {
        self.register_by_ref(waker);
        fence(Ordering::SeqCst);
    }

    /// [`wake`](Self::wake) for a caller that wakes on every event: while no waker is
    /// registered it is one fence and one load, not two read-modify-writes of the shared
    /// state word.
    ///
    /// Sound only if the registrant uses
    /// [`register_by_ref_for_fenced_wakes`](Self::register_by_ref_for_fenced_wakes) and
    /// checks for the event after it, and the caller publishes its event before calling this.
    /// The two `SeqCst` fences are totally ordered. If the registrant's comes first, the load
    /// below reads its registration's `REGISTERED` or a later state (one written by a wake
    /// that took the waker since, or by a newer registration), so nothing is skipped that
    /// should not be. If the caller's comes first, the registrant's check sees the event, and
    /// it does not wait. Without the fences a load could read a state older than a
    /// registration that a read-modify-write would have found, and the wake-up would be lost.
    #[inline]
    pub(crate) fn wake_if_registered(&self) {
        fence(Ordering::SeqCst);
        // Relaxed: ordered by the fence above (see above); a waker that is found is taken by
        // `wake`'s own read-modify-write, with its own ordering.
        if self.state.load(Ordering::Relaxed) & (REGISTERED | REGISTERING) != 0 {
            self.wake();
        }
    }
}

#[cfg(not(loom))]
fn spin_hint() {
    std::hint::spin_loop();
}

#[cfg(loom)]
fn spin_hint() {
    crate::loom::yield_now();
}

impl Default for AtomicWaker {
    fn default() -> AtomicWaker {
        AtomicWaker::new()
    }
}

impl fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicWaker").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    struct Counter(StdAtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter(StdAtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn wake_without_register_does_nothing() {
        let w = AtomicWaker::new();
        w.wake();
        assert!(w.take().is_none());
    }

    #[test]
    fn wake_wakes_the_latest_waker_once() {
        let w = AtomicWaker::new();
        let (a, wa) = counter();
        let (b, wb) = counter();
        w.register_by_ref(&wa);
        w.register(wb);
        w.wake();
        w.wake();
        assert_eq!(a.0.load(Ordering::SeqCst), 0);
        assert_eq!(b.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn take_returns_the_waker() {
        let w = AtomicWaker::new();
        let (a, wa) = counter();
        w.register_by_ref(&wa);
        let taken = w.take().expect("registered");
        assert!(taken.will_wake(&wa));
        assert!(w.take().is_none());
        assert_eq!(a.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn register_during_wake_wakes_directly() {
        let w = AtomicWaker::new();
        // Pretend a wake is in progress.
        w.state.store(WAKING, Ordering::SeqCst);
        let (a, wa) = counter();
        w.register_by_ref(&wa);
        assert_eq!(a.0.load(Ordering::SeqCst), 1);
        w.state.store(WAITING, Ordering::SeqCst);
    }

    #[test]
    fn wake_if_registered_wakes_only_a_registered_waker_once() {
        let w = AtomicWaker::new();
        w.wake_if_registered();
        assert_eq!(w.state.load(Ordering::SeqCst), WAITING);

        let (a, wa) = counter();
        w.register_by_ref(&wa);
        assert_eq!(w.state.load(Ordering::SeqCst), REGISTERED);
        w.wake_if_registered();
        assert_eq!(a.0.load(Ordering::SeqCst), 1);
        // The waker was taken: the next event finds nobody to wake.
        assert_eq!(w.state.load(Ordering::SeqCst), WAITING);
        w.wake_if_registered();
        assert_eq!(a.0.load(Ordering::SeqCst), 1);

        // Registering the same waker again marks it registered again.
        w.register_by_ref(&wa);
        w.register_by_ref(&wa);
        w.wake_if_registered();
        assert_eq!(a.0.load(Ordering::SeqCst), 2);
    }

    /// A waker whose `clone` panics (its vtable is user code).
    fn waker_whose_clone_panics() -> Waker {
        use std::task::{RawWaker, RawWakerVTable};
        fn clone(_: *const ()) -> RawWaker {
            panic!("this waker's clone panics");
        }
        fn noop(_: *const ()) {}
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
        // SAFETY: the vtable's functions ignore the data pointer, which is null.
        unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
    }

    /// A registration whose clone panicked gives the slot back: later registrations and
    /// wakes work, and the waker registered before it is still there to be woken.
    #[test]
    fn a_panicking_clone_loses_no_later_wake() {
        let w = AtomicWaker::new();
        let (a, wa) = counter();
        w.register_by_ref(&wa);
        let bad = waker_whose_clone_panics();
        let caught = std::panic::catch_unwind(AssertUnwindSafe(|| w.register_by_ref(&bad)));
        assert!(caught.is_err(), "the clone's panic reaches the caller");
        // The old registration stands.
        w.wake();
        assert_eq!(
            a.0.load(Ordering::SeqCst),
            1,
            "the earlier waker was not woken"
        );
        // And the slot works as before.
        let (b, wb) = counter();
        w.register_by_ref(&wb);
        w.wake();
        assert_eq!(
            b.0.load(Ordering::SeqCst),
            1,
            "a wake after the panic was lost"
        );
    }

    /// The same with a wake arriving while the panicking registration held the slot: the
    /// waker in the slot is woken, nothing is left half-held.
    #[test]
    fn a_panicking_clone_with_a_wake_in_between_wakes_the_old_waker() {
        let w = AtomicWaker::new();
        let (a, wa) = counter();
        w.register_by_ref(&wa);
        // As if a wake arrived while the registration holds the slot.
        w.state.fetch_or(REGISTERING | WAKING, Ordering::SeqCst);
        w.give_back_after_a_failed_clone(REGISTERED);
        assert_eq!(a.0.load(Ordering::SeqCst), 1);
        assert_eq!(w.state.load(Ordering::SeqCst), WAITING);
        let (b, wb) = counter();
        w.register_by_ref(&wb);
        w.wake();
        assert_eq!(b.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn take_clears_the_registered_mark() {
        let w = AtomicWaker::new();
        let (_a, wa) = counter();
        w.register(wa);
        assert!(w.take().is_some());
        assert_eq!(w.state.load(Ordering::SeqCst), WAITING);
        assert!(w.take().is_none());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicUsize as LoomAtomicUsize;
    use loom::thread;
    use std::sync::Arc as StdArc;
    use std::task::Wake;

    struct Counter(LoomAtomicUsize);

    impl Wake for Counter {
        fn wake(self: StdArc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A waker registered before (or while) a flag is set is woken, or the registrant sees
    /// the flag: the wake-up is never lost.
    #[test]
    fn register_racing_wake_never_loses_the_wakeup() {
        loom::model(|| {
            let w = crate::loom::Arc::new(AtomicWaker::new());
            let flag = crate::loom::Arc::new(crate::loom::AtomicBool::new(false));
            let counter = StdArc::new(Counter(LoomAtomicUsize::new(0)));
            let waker = Waker::from(counter.clone());

            let (w2, flag2) = (w.clone(), flag.clone());
            let waker_thread = thread::spawn(move || {
                flag2.store(true, Ordering::SeqCst);
                w2.wake();
            });

            w.register_by_ref(&waker);
            let seen = flag.load(Ordering::SeqCst);
            waker_thread.join().unwrap();
            if !seen {
                assert_eq!(counter.0.load(Ordering::SeqCst), 1, "wake-up lost");
            }
        });
    }

    /// The protocol itself, with no flag to mask a lost wake-up: a `wake` racing a
    /// `register` either finds no waker yet (the registration then leaves it in the slot), or
    /// the waker is woken exactly once (by `wake`, or by `register` if the wake arrived while
    /// it held the slot).
    #[test]
    fn wake_during_registration_is_delivered() {
        loom::model(|| {
            let w = crate::loom::Arc::new(AtomicWaker::new());
            let counter = StdArc::new(Counter(LoomAtomicUsize::new(0)));
            let waker = Waker::from(counter.clone());

            let w2 = w.clone();
            let waker_thread = thread::spawn(move || w2.wake());
            w.register_by_ref(&waker);
            waker_thread.join().unwrap();

            let woken = counter.0.load(Ordering::SeqCst);
            let still_registered = w.take().is_some();
            assert!(woken <= 1);
            assert!(
                (woken == 1) != still_registered,
                "woken {woken} times, still registered: {still_registered}"
            );
        });
    }

    /// Two wakers at once: the registered waker is woken exactly once and the slot is left
    /// usable.
    #[test]
    fn concurrent_wakes() {
        loom::model(|| {
            let w = crate::loom::Arc::new(AtomicWaker::new());
            let counter = StdArc::new(Counter(LoomAtomicUsize::new(0)));
            w.register(Waker::from(counter.clone()));

            let w2 = w.clone();
            let t = thread::spawn(move || w2.wake());
            w.wake();
            t.join().unwrap();
            assert_eq!(counter.0.load(Ordering::SeqCst), 1);

            // The slot still works afterwards.
            let second = StdArc::new(Counter(LoomAtomicUsize::new(0)));
            w.register(Waker::from(second.clone()));
            w.wake();
            assert_eq!(second.0.load(Ordering::SeqCst), 1);
        });
    }

    /// Re-registering while a waker races: the task is woken at least once after its last
    /// registration began if the event happened.
    #[test]
    fn re_register_racing_wake() {
        loom::model(|| {
            let w = crate::loom::Arc::new(AtomicWaker::new());
            let flag = crate::loom::Arc::new(crate::loom::AtomicBool::new(false));
            let first = StdArc::new(Counter(LoomAtomicUsize::new(0)));
            let second = StdArc::new(Counter(LoomAtomicUsize::new(0)));
            w.register(Waker::from(first.clone()));

            let (w2, flag2) = (w.clone(), flag.clone());
            let t = thread::spawn(move || {
                flag2.store(true, Ordering::SeqCst);
                w2.wake();
            });
            w.register(Waker::from(second.clone()));
            let seen = flag.load(Ordering::SeqCst);
            t.join().unwrap();
            if !seen {
                assert_eq!(second.0.load(Ordering::SeqCst), 1, "wake-up lost");
            }
        });
    }

    /// `wake_if_registered` in its fence pair, across two rounds (the second registration
    /// replaces a waker the first round's wake took, or one still registered): each round's
    /// event is seen by the registrant's check after its fence, or the registered waker is
    /// woken. Without the fences this fails (checked by removing the registrant's): the
    /// waker's load can read the state from before the registration while the check misses
    /// the event.
    #[test]
    fn wake_if_registered_in_a_fence_pair_never_loses_the_wakeup() {
        loom::model(|| {
            let w = crate::loom::Arc::new(AtomicWaker::new());
            let events = crate::loom::Arc::new(crate::loom::AtomicUsize::new(0));
            let counter = StdArc::new(Counter(LoomAtomicUsize::new(0)));
            let waker = Waker::from(counter.clone());

            let (w2, events2) = (w.clone(), events.clone());
            let t = thread::spawn(move || {
                for _ in 0..2 {
                    events2.fetch_add(1, Ordering::Relaxed);
                    w2.wake_if_registered();
                }
            });
            for round in 1..=2 {
                let woken_before = counter.0.load(Ordering::SeqCst);
                w.register_by_ref_for_fenced_wakes(&waker);
                if events.load(Ordering::Relaxed) < round {
                    // Not seen: the task would wait now, so the event must wake it.
                    t.join().unwrap();
                    assert!(
                        counter.0.load(Ordering::SeqCst) > woken_before,
                        "wake-up lost in round {round}"
                    );
                    return;
                }
            }
            t.join().unwrap();
        });
    }
}
