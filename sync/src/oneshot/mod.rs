//! A channel that carries exactly one value from one task (or thread) to another.
//!
//! [`channel`] returns a [`Sender`] and a [`Receiver`]. The sender hands over one value with
//! [`Sender::send`]; the receiver is a [`Future`] that completes with that value, or with
//! [`RecvError`] if no value will ever come. Synchronous code can use
//! [`Receiver::try_recv`] (never waits) or [`Receiver::blocking_recv`] (parks the thread).
//!
//! # Contract
//!
//! - **A value is delivered iff `send` returned `Ok`.** `send` succeeds when the receiver had
//!   neither been dropped nor [closed](Receiver::close) at that moment. A value sent before a
//!   `close` still reaches the receiver (through `.await`, `try_recv` or `blocking_recv`); once
//!   the receiver is closed or dropped, `send` returns `Err(value)`, handing the value back.
//! - **Dropping the sender without sending** completes the receiver with [`RecvError`]
//!   (`try_recv` reports [`TryRecvError::Closed`]).
//! - **Every value is dropped exactly once**: by whoever received it, by the channel when the
//!   receiver is dropped without taking a value that was sent, or by the caller of a `send` that
//!   returned it.
//! - **The receiver completes once.** After it has produced its output (a value or an error,
//!   through `poll` or `try_recv`), [`Receiver::is_terminated`] is `true`, `try_recv` reports
//!   [`TryRecvError::Closed`], and polling it again panics.
//! - **The sender can watch for an abandoned receiver**: [`Sender::closed`] /
//!   [`Sender::poll_closed`] complete once the receiver was dropped or closed, so work whose
//!   result nobody waits for can stop early; [`Sender::is_closed`] checks without waiting.
//! - **Wake-ups go to the latest waker.** A future woken by this channel is the one that polled
//!   it last; moving a receiver between tasks is fine.
//! - **Cooperative scheduling.** Under a runtime each poll of the receiver and of
//!   `poll_closed` that is about to return `Ready` spends one unit of the task's budget (see
//!   [`crate::coop`]); with the budget spent it returns `Pending` and reschedules the task
//!   instead. A poll that returns `Pending` for lack of a value spends nothing.
//! - **No runtime required.** Nothing here needs a runtime: the channel works under any
//!   executor and between plain threads.
//!
//! # Examples
//!
//! ```
//! use runtime_sync::oneshot;
//!
//! let (tx, rx) = oneshot::channel();
//!
//! let worker = std::thread::spawn(move || {
//!     let answer = 6 * 7;
//!     if tx.send(answer).is_err() {
//!         println!("nobody is listening any more");
//!     }
//! });
//!
//! assert_eq!(rx.blocking_recv(), Ok(42));
//! worker.join().unwrap();
//! ```
//!
//! In async code, await the receiver:
//!
//! ```
//! use runtime_sync::oneshot;
//!
//! async fn example() {
//!     let (tx, rx) = oneshot::channel::<&str>();
//!     tx.send("done").unwrap();
//!     match rx.await {
//!         Ok(msg) => println!("got {msg}"),
//!         Err(_) => println!("the sender was dropped"),
//!     }
//! }
//! ```
//!
//! # Implementation
//!
//! One allocation holds the whole channel: an atomic state word, the value slot and two waker
//! slots, one for each side. Every transfer of a slot between the two sides goes through a
//! read-modify-write of the state word; the comments on the state bits and on `WakerSlot` in
//! the source spell out the protocol. No locks.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use crate::coop;
use crate::loom::{Arc, AtomicUsize, Ordering, UnsafeCell};
use crate::util::wake_contained::wake_by_ref_contained;

pub mod error;

use self::error::{RecvError, TryRecvError};

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

// ---------------------------------------------------------------------------------------------
// The state word.
//
// Four flags in one `AtomicUsize`. Each is owned by one side: only the receiver sets or clears
// RX_TASK_SET and CLOSED, only the sender sets or clears TX_TASK_SET and COMPLETE. COMPLETE and
// CLOSED, once set, are never cleared.
//
// The protocol rests on one fact about atomics: all read-modify-write operations on one atomic
// are totally ordered (its modification order), and each RMW reads the value written by the RMW
// just before it. So when the two sides each set a flag with an RMW, exactly one of them goes
// first, and the second one *sees* the first one's flag in the value it returns. Every hand-off
// below is decided that way: the side that comes second learns it, and acts accordingly.
// ---------------------------------------------------------------------------------------------

/// The receiver's waker is stored in `rx_task` and published.
///
/// Invariant: while set, the receiver does not write `rx_task` (it only reads it, to compare
/// wakers), and the sender may read it if the RMW that set [`COMPLETE`] returned this bit set.
/// While clear, the sender does not read it (a read it began earlier is accounted for by the
/// receiver: see [`WakerSlot`]). Set and cleared by the receiver only.
const RX_TASK_SET: usize = 0b0001;

/// The sender is done: it stored a value in `value` or it was dropped without sending.
///
/// Invariant: while clear, `value` belongs to the sender and the receiver never touches it. Once
/// set (never cleared), `value` belongs to the receiver and the sender never touches `value` or
/// `tx_task` again. Set by the sender only, and only while [`CLOSED`] is clear (a
/// compare-and-swap): otherwise a sender taking its value back after a close and a receiver
/// taking it because it saw COMPLETE would both own the slot.
const COMPLETE: usize = 0b0010;

/// The receiver closed the channel ([`Receiver::close`]) or was dropped.
///
/// Invariant: set by the receiver only, never cleared. Once set, [`COMPLETE`] can no longer be
/// set, so a later `send` fails and keeps its value. If COMPLETE was set first, the value still
/// belongs to the receiver.
const CLOSED: usize = 0b0100;

/// The sender's waker (from [`Sender::poll_closed`]) is stored in `tx_task` and published.
///
/// Invariant: the mirror image of [`RX_TASK_SET`], with the roles of the two sides swapped and
/// [`CLOSED`] in place of [`COMPLETE`]: while set, the sender does not write `tx_task` and the
/// receiver may read it if the RMW that set CLOSED returned this bit set. Set and cleared by the
/// sender only.
const TX_TASK_SET: usize = 0b1000;

/// A snapshot of the state word, for `Debug`.
#[derive(Clone, Copy)]
struct State(usize);

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("complete", &(self.0 & COMPLETE != 0))
            .field("closed", &(self.0 & CLOSED != 0))
            .field("rx_task_set", &(self.0 & RX_TASK_SET != 0))
            .field("tx_task_set", &(self.0 & TX_TASK_SET != 0))
            .finish()
    }
}

/// One side's waker, handed to the other side through a `*_TASK_SET` bit of the state word.
///
/// The protocol, written for `rx_task` and [`RX_TASK_SET`]; `tx_task` is the same with the
/// sender as owner, the receiver as reader, [`TX_TASK_SET`] for RX_TASK_SET and [`CLOSED`] for
/// [`COMPLETE`] (the flag whose setter reads the slot).
///
/// - **Owner writes only while the bit is clear and no reader can be inside.** Only the
///   receiver writes the slot. It does so when RX_TASK_SET is clear *and* it knows the sender
///   is not reading: either the bit has never been set, or the RMW that cleared it returned
///   COMPLETE clear. (If that RMW returned COMPLETE set, the receiver never writes the slot
///   again: it has its result.)
/// - **Publish with Release.** After writing, the receiver sets the bit with an `AcqRel` RMW.
///   Its Release half makes the write visible to whoever acquires a later value of the word.
/// - **Reader reads only what it saw published.** The sender reads the slot (a shared borrow,
///   to call `wake_by_ref`) only if the RMW that set COMPLETE returned RX_TASK_SET set. That RMW
///   is `AcqRel`; it reads the value written by the receiver's publishing RMW or by an RMW after
///   it (a release sequence), so the waker's write happens-before the read. The sender reads at
///   most once and never writes.
/// - **Taking the slot back is decided by the RMW order.** To replace its waker the receiver
///   clears the bit with `fetch_and`. Both that RMW and the sender's COMPLETE RMW touch the
///   word, so one precedes the other: if the clear comes first, the sender sees the bit clear
///   and never reads, and the receiver may overwrite; if COMPLETE comes first, the `fetch_and`
///   returns it, the sender may be reading right now, and the receiver leaves the slot alone.
///   Either way, a write never overlaps a read.
/// - **Shared reads may overlap.** While the bit is set the owner may compare its waker
///   (`will_wake`) while the other side wakes it: both are reads through `&Waker`, which is
///   `Sync`.
///
/// - **The owner empties the slot once no reader can come.** When the other side's flag was
///   set without the slot's bit, or this side's own flag came first (the reader's RMW will
///   find it and stay away), the owner takes its waker out and drops it on its own thread: a
///   waker's drop is user code, and its panic must reach the waker's owner, not the task that
///   happens to free the channel.
///
/// A waker left in the slot (because the owner had to leave it to a reader) is dropped with
/// the channel, when the last of the two halves goes and nobody else can see it.
struct WakerSlot(UnsafeCell<Option<Waker>>);

impl WakerSlot {
    fn new() -> WakerSlot {
        WakerSlot(UnsafeCell::new(None))
    }

    /// Stores a clone of `waker`, dropping the previous one.
    ///
    /// # Safety
    ///
    /// The caller is the slot's owner and the protocol above lets it write: the slot's bit is
    /// clear and no reader can be inside.
    unsafe fn set(&self, waker: &Waker) {
        let waker = waker.clone();
        self.0.with_mut(|slot| {
            // SAFETY: the caller guarantees exclusive access (see above); nobody else reads or
            // writes the slot until the bit is set again.
            unsafe { *slot = Some(waker) }
        });
    }

    /// Whether the stored waker would wake the same task as `waker`.
    ///
    /// # Safety
    ///
    /// The caller is the slot's owner and the slot's bit is set, so nobody writes the slot.
    unsafe fn will_wake(&self, waker: &Waker) -> bool {
        self.0.with(|slot| {
            // SAFETY: only the owner writes the slot and it does not while the bit is set; a
            // concurrent `wake_by_ref` is another shared read.
            let stored = unsafe { &*slot };
            stored
                .as_ref()
                .is_some_and(|stored| stored.will_wake(waker))
        })
    }

    /// Takes the stored waker out.
    ///
    /// # Safety
    ///
    /// The caller is the slot's owner and the reader will never read it: the reader's flag
    /// RMW can no longer find the slot's bit set with its own flag first.
    unsafe fn take(&self) -> Option<Waker> {
        self.0.with_mut(|slot| {
            // SAFETY: the owner is the only writer, and no read can overlap (caller's
            // contract).
            unsafe { (*slot).take() }
        })
    }

    /// Wakes the stored waker, leaving it in place.
    ///
    /// # Safety
    ///
    /// The caller is the slot's reader and the RMW with which it set its flag (COMPLETE for
    /// `rx_task`, CLOSED for `tx_task`) returned the slot's bit set.
    unsafe fn wake_by_ref(&self) {
        self.0.with(|slot| {
            // SAFETY: the bit was set when our RMW read the word, so the waker was published
            // (Release/Acquire on that RMW chain) and the owner will not write again: its next
            // clear of the bit will return our flag and it will leave the slot alone. Other
            // accesses meanwhile are shared reads.
            let stored = unsafe { &*slot };
            if let Some(waker) = stored {
                // The other half's waker may panic; that panic is not the caller's (a send,
                // or a receiver's drop, where a second panic while unwinding would abort).
                wake_by_ref_contained(waker);
            }
        });
    }
}

/// The shared half of a channel: one allocation, shared by the [`Sender`] and the [`Receiver`].
struct Inner<T> {
    /// The flags above.
    state: AtomicUsize,
    /// The value. Owned by the sender while COMPLETE is clear, by the receiver once it is set.
    value: UnsafeCell<Option<T>>,
    /// The receiver's waker; written by the receiver, read by the sender when it completes.
    rx_task: WakerSlot,
    /// The sender's waker (from `poll_closed`); written by the sender, read by the receiver
    /// when it closes.
    tx_task: WakerSlot,
}

// SAFETY: sharing `&Inner<T>` between the two halves gives access to `value` and the waker
// slots only under the protocol above, which never lets both sides touch a slot unless both
// only read it. A `T` is moved from one thread to the other (hence `T: Send`) but never shared:
// no `&T` ever escapes, so `T: Sync` is not needed. `Waker` is `Send + Sync`.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    fn new() -> Inner<T> {
        Inner {
            state: AtomicUsize::new(0),
            value: UnsafeCell::new(None),
            rx_task: WakerSlot::new(),
            tx_task: WakerSlot::new(),
        }
    }

    /// Stores the value to send.
    ///
    /// # Safety
    ///
    /// Called by the sender while COMPLETE is clear, so the value slot is the sender's.
    unsafe fn put_value(&self, value: T) {
        self.value.with_mut(|slot| {
            // SAFETY: the caller owns the value slot (COMPLETE clear); the receiver does not
            // touch it until it acquires COMPLETE.
            unsafe { *slot = Some(value) }
        });
    }

    /// Takes the value out of the slot, if there is one.
    ///
    /// # Safety
    ///
    /// The caller owns the value slot: the receiver after acquiring COMPLETE, or the sender
    /// after `complete` returned `false`.
    unsafe fn take_value(&self) -> Option<T> {
        self.value.with_mut(|slot| {
            // SAFETY: the caller owns the value slot, so no other access can overlap.
            unsafe { (*slot).take() }
        })
    }

    /// Whether the value slot holds a value.
    ///
    /// # Safety
    ///
    /// As for [`take_value`](Self::take_value).
    unsafe fn has_value(&self) -> bool {
        self.value.with(|slot| {
            // SAFETY: the caller owns the value slot, so no write can overlap this read.
            unsafe { (*slot).is_some() }
        })
    }

    /// Sender side: marks the sender done and wakes the receiver.
    ///
    /// Returns `false`, without setting COMPLETE, if the receiver had already closed the
    /// channel: the value slot then still belongs to the sender.
    fn complete(&self) -> bool {
        // Acquire (here and on a failed CAS): a sender that finds CLOSED synchronises with the
        // receiver's close, as every observation of CLOSED in this module does.
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return false;
            }
            // Release: publishes the value written by `put_value` to the receiver, which reads
            // it after acquiring COMPLETE. Acquire: if RX_TASK_SET is set, makes the receiver's
            // waker (published by the Release RMW that set the bit) visible to `wake_by_ref`.
            match self.state.compare_exchange_weak(
                state,
                state | COMPLETE,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        if state & RX_TASK_SET != 0 {
            // SAFETY: we are the reader of `rx_task`, and the RMW that set COMPLETE returned
            // RX_TASK_SET set.
            unsafe { self.rx_task.wake_by_ref() };
        }
        // SAFETY: we own `tx_task`, and the receiver reads it only if its CLOSED RMW finds
        // COMPLETE clear; ours set COMPLETE with CLOSED clear, so that never happens. (No
        // ordering needed: the slot was only ever written by this side.)
        drop(unsafe { self.tx_task.take() });
        true
    }

    /// Receiver side: sets CLOSED and wakes a sender waiting in `poll_closed`. Returns the
    /// state before the close.
    fn close(&self) -> usize {
        // Acquire: if TX_TASK_SET is set, makes the sender's waker visible; if COMPLETE is set,
        // makes the value visible (the dropping receiver takes it). Release: a sender that sees
        // CLOSED (`closed().await`, `is_closed`) sees everything the receiver did before closing.
        let prev = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        // Skip the wake if the sender is done (nobody can be waiting in `poll_closed`) or a
        // previous close already woke it.
        if prev & (TX_TASK_SET | COMPLETE | CLOSED) == TX_TASK_SET {
            // SAFETY: we are the reader of `tx_task`, and the RMW that set CLOSED returned
            // TX_TASK_SET set.
            unsafe { self.tx_task.wake_by_ref() };
        }
        if prev & COMPLETE == 0 {
            // SAFETY: we own `rx_task`, and the sender reads it only if its COMPLETE RMW
            // succeeds, which it never will now that CLOSED is set with COMPLETE clear. (A
            // receiver polled after closing returns before it touches the slot.)
            drop(unsafe { self.rx_task.take() });
        }
        prev
    }

    /// Receiver side: the state machine behind `Receiver::poll`.
    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let coop = ready!(coop::poll_proceed(cx));

        // Acquire: if COMPLETE is set, the value stored before it is visible.
        let mut state = self.state.load(Ordering::Acquire);

        if state & COMPLETE != 0 {
            coop.made_progress();
            return Poll::Ready(self.take_after_complete());
        }
        if state & CLOSED != 0 {
            // CLOSED is ours and COMPLETE was not set before it, so it never will be.
            coop.made_progress();
            return Poll::Ready(Err(RecvError(())));
        }

        if state & RX_TASK_SET != 0 {
            // SAFETY: we own `rx_task` and RX_TASK_SET is set, so nobody writes it.
            if unsafe { self.rx_task.will_wake(cx.waker()) } {
                // The registered waker is the right one; the coop unit is refunded on drop.
                return Poll::Pending;
            }
            // Take the slot back before replacing the waker. Acquire: if the sender completed
            // in between, its value is visible.
            state = self.state.fetch_and(!RX_TASK_SET, Ordering::Acquire);
            if state & COMPLETE != 0 {
                // The sender's COMPLETE RMW came first and saw RX_TASK_SET: it may be reading
                // the slot now. Leave it alone; it is dropped with the channel.
                coop.made_progress();
                return Poll::Ready(self.take_after_complete());
            }
        }

        // SAFETY: RX_TASK_SET is clear, and either it was never set or our `fetch_and` above
        // returned COMPLETE clear, so the sender is not reading `rx_task` and never will
        // while the bit stays clear.
        unsafe { self.rx_task.set(cx.waker()) };

        // Release: publishes the waker to the sender's COMPLETE RMW. Acquire: if COMPLETE is
        // already set, its value is visible.
        state = self.state.fetch_or(RX_TASK_SET, Ordering::AcqRel);
        if state & COMPLETE != 0 {
            // The sender completed before it could see our waker, so it will not wake it.
            coop.made_progress();
            return Poll::Ready(self.take_after_complete());
        }
        Poll::Pending
    }

    /// Receiver side: the result of a completed channel. Only call after acquiring COMPLETE.
    fn take_after_complete(&self) -> Result<T, RecvError> {
        // SAFETY: every caller has just read COMPLETE set with Acquire ordering, so the value
        // slot belongs to the receiver and the sender's write to it happened-before.
        unsafe { self.take_value() }.ok_or(RecvError(()))
    }

    /// Sender side: the state machine behind `Sender::poll_closed`; the mirror image of
    /// `poll_recv` with CLOSED as the event.
    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));

        // Acquire: seeing CLOSED synchronises with the receiver's close (see `close`).
        let mut state = self.state.load(Ordering::Acquire);
        if state & CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }

        if state & TX_TASK_SET != 0 {
            // SAFETY: we own `tx_task` and TX_TASK_SET is set, so nobody writes it.
            if unsafe { self.tx_task.will_wake(cx.waker()) } {
                return Poll::Pending;
            }
            // Acquire: as for the load above.
            state = self.state.fetch_and(!TX_TASK_SET, Ordering::Acquire);
            if state & CLOSED != 0 {
                // The receiver's CLOSED RMW came first and saw TX_TASK_SET: it may be reading
                // the slot now, so leave it alone.
                coop.made_progress();
                return Poll::Ready(());
            }
        }

        // SAFETY: TX_TASK_SET is clear, and either it was never set or our `fetch_and` above
        // returned CLOSED clear, so the receiver is not reading `tx_task`.
        unsafe { self.tx_task.set(cx.waker()) };

        // Release: publishes the waker to the receiver's CLOSED RMW. Acquire: as above.
        state = self.state.fetch_or(TX_TASK_SET, Ordering::AcqRel);
        if state & CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }

    fn state(&self) -> State {
        // Relaxed: a snapshot for `Debug`, nothing is read on the strength of it.
        State(self.state.load(Ordering::Relaxed))
    }
}

/// Creates a oneshot channel: a [`Sender`] and a [`Receiver`] for one value.
///
/// The two halves may be used from different tasks or threads. The channel is one allocation,
/// freed when both halves are gone.
///
/// # Examples
///
/// ```
/// use runtime_sync::oneshot;
///
/// let (tx, rx) = oneshot::channel();
///
/// std::thread::spawn(move || {
///     tx.send("hello").unwrap();
/// });
///
/// assert_eq!(rx.blocking_recv(), Ok("hello"));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner::new());
    let tx = Sender {
        inner: Some(inner.clone()),
    };
    let rx = Receiver { inner: Some(inner) };
    (tx, rx)
}

/// The sending half of a [`oneshot`](self) channel, created by [`channel`].
///
/// Dropping it without calling [`send`](Sender::send) completes the receiver with
/// [`RecvError`].
///
/// # Examples
///
/// ```
/// use runtime_sync::oneshot;
///
/// let (tx, mut rx) = oneshot::channel::<u32>();
/// tx.send(3).unwrap();
/// assert_eq!(rx.try_recv(), Ok(3));
/// ```
pub struct Sender<T> {
    /// `None` only inside `send`, which takes it so that `Drop` does nothing afterwards.
    inner: Option<Arc<Inner<T>>>,
}

/// The receiving half of a [`oneshot`](self) channel, created by [`channel`].
///
/// Await it (it is a [`Future`] with output `Result<T, RecvError>`), or use
/// [`try_recv`](Receiver::try_recv) or [`blocking_recv`](Receiver::blocking_recv) from
/// synchronous code. It completes with `Ok(value)` if the value was sent, and with
/// [`RecvError`] if the sender was dropped without sending or the receiver closed the channel
/// first.
///
/// The receiver is [`Unpin`], so `&mut rx` can be polled (for example in a `select!` loop)
/// without consuming it; it must not be polled again once it has completed
/// (see [`is_terminated`](Receiver::is_terminated)).
///
/// # Examples
///
/// ```
/// use runtime_sync::oneshot;
///
/// async fn example() {
///     let (tx, rx) = oneshot::channel::<u32>();
///     drop(tx);
///     assert!(rx.await.is_err());
/// }
/// ```
pub struct Receiver<T> {
    /// `None` once the receiver has produced its output (it is then terminated).
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Sender<T> {
    fn inner(&self) -> &Inner<T> {
        self.inner
            .as_deref()
            .expect("oneshot::Sender used after send: a bug in this module")
    }

    /// Sends `value` to the receiver, consuming the sender.
    ///
    /// Returns `Ok(())` if the value is now in the channel, where the receiver will find it
    /// (even if it closes the channel afterwards). Returns `Err(value)`, handing the value back,
    /// if the receiver had already been dropped or [closed](Receiver::close). Never waits.
    ///
    /// `Ok` does not mean the value will be received: the receiver may still be dropped
    /// without reading it, in which case the channel drops the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel();
    /// assert_eq!(tx.send(1), Ok(()));
    /// assert_eq!(rx.blocking_recv(), Ok(1));
    ///
    /// let (tx, rx) = oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(2), Err(2));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        // Taking `inner` leaves `None` behind, so `Drop` for `self` does nothing.
        let inner = self
            .inner
            .take()
            .expect("oneshot::Sender used after send: a bug in this module");

        // SAFETY: only the sender sets COMPLETE, and it has not: `send` consumes the sender and
        // `Drop` has not run. So the value slot is the sender's.
        unsafe { inner.put_value(value) };

        if inner.complete() {
            Ok(())
        } else {
            // SAFETY: `complete` returned false without setting COMPLETE, so the value slot is
            // still the sender's and the receiver never looks at it.
            let value = unsafe { inner.take_value() };
            Err(value.expect("the value was stored just above"))
        }
    }

    /// Returns `true` if the receiver has been dropped or [closed](Receiver::close): a value
    /// sent now would be handed back.
    ///
    /// A `false` can be out of date by the time you act on it; [`send`](Sender::send) reports
    /// the authoritative outcome.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    ///
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // Acquire: seeing CLOSED synchronises with the receiver's close (see `Inner::close`).
        self.inner().state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Waits until the receiver has been dropped or [closed](Receiver::close).
    ///
    /// Use it to stop computing a value nobody will receive, typically in a `select!` against
    /// the computation. Completes at once if the receiver is already gone. Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::oneshot;
    ///
    /// async fn example() {
    ///     let (mut tx, rx) = oneshot::channel::<u32>();
    ///
    ///     drop(rx);
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// }
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls whether the receiver has been dropped or [closed](Receiver::close).
    ///
    /// Returns `Ready(())` once it has; otherwise `Pending`, and the waker of the most recent
    /// call is woken when it happens. Spends one unit of the cooperative budget when it returns
    /// `Ready` (and returns `Pending` if the budget is spent). This is the building block of
    /// [`closed`](Sender::closed), for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use runtime_sync::oneshot;
    ///
    /// async fn example() {
    ///     let (mut tx, rx) = oneshot::channel::<u32>();
    ///     drop(rx);
    ///
    ///     // A hand-written `tx.closed().await`.
    ///     poll_fn(|cx| tx.poll_closed(cx)).await;
    ///     assert!(tx.is_closed());
    /// }
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.inner().poll_closed(cx)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // `None` after `send`, which already completed the channel.
        if let Some(inner) = self.inner.take() {
            // Dropping without sending: the receiver learns it from COMPLETE with an empty
            // value slot. If the receiver closed first, there is nobody to tell.
            inner.complete();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Sender");
        if let Some(inner) = &self.inner {
            s.field("state", &inner.state());
        }
        s.finish()
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver.
    ///
    /// Afterwards [`send`](Sender::send) fails and hands its value back, and the sender's
    /// [`closed`](Sender::closed) completes. A value sent *before* the close stays in the
    /// channel and can still be received; to learn which happened, call
    /// [`try_recv`](Receiver::try_recv) (or await the receiver) after closing.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::oneshot::{self, error::TryRecvError};
    ///
    /// // Closed before the send: the sender gets its value back.
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send("late"), Err("late"));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    ///
    /// // Sent before the close: the value is still there.
    /// let (tx, mut rx) = oneshot::channel();
    /// tx.send("early").unwrap();
    /// rx.close();
    /// assert_eq!(rx.try_recv(), Ok("early"));
    /// ```
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            inner.close();
        }
    }

    /// Takes the value if it has been sent, without waiting.
    ///
    /// - `Ok(value)`: the value; the receiver is now terminated.
    /// - `Err(TryRecvError::Empty)`: no value yet, and one may still come.
    /// - `Err(TryRecvError::Closed)`: no value will come (the sender was dropped without
    ///   sending, or the channel was closed before a send), or it was already received. The
    ///   receiver is now terminated.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    ///
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    ///
    /// // The value has been taken.
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        // Acquire: if COMPLETE is set, the value stored before it is visible.
        let state = inner.state.load(Ordering::Acquire);
        let result = if state & COMPLETE != 0 {
            inner
                .take_after_complete()
                .map_err(|_| TryRecvError::Closed)
        } else if state & CLOSED != 0 {
            // Our own close came before any COMPLETE, so no value will come.
            Err(TryRecvError::Closed)
        } else {
            return Err(TryRecvError::Empty);
        };
        // A value or a definite "never": either way the receiver is done.
        self.inner = None;
        result
    }

    /// Waits for the value by blocking the current thread, for synchronous code.
    ///
    /// Returns what awaiting the receiver would: the value, or [`RecvError`] if the sender was
    /// dropped without sending (or the channel was closed before a send). Needs no runtime:
    /// the thread parks until the sender wakes it.
    ///
    /// # Panics
    ///
    /// Panics if called from a thread that is running an async runtime (a worker thread or
    /// inside `block_on`): blocking there would stall every other task on that thread, and can
    /// deadlock if the sender runs there too. Await the receiver instead, or call this from
    /// `spawn_blocking` or a thread of your own.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::thread;
    /// use std::time::Duration;
    /// use runtime_sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel();
    ///
    /// let producer = thread::spawn(move || {
    ///     thread::sleep(Duration::from_millis(10));
    ///     tx.send(String::from("ready")).unwrap();
    /// });
    ///
    /// assert_eq!(rx.blocking_recv().as_deref(), Ok("ready"));
    /// producer.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        if coop::is_in_runtime() {
            panic!(
                "`Receiver::blocking_recv` called from inside an async runtime, which would \
                 block a worker thread; `.await` the receiver instead"
            );
        }
        block_on(self)
    }

    /// Returns `true` once the receiver has produced its output: a poll returned `Ready`, or
    /// [`try_recv`](Receiver::try_recv) returned a value or [`TryRecvError::Closed`].
    ///
    /// A terminated receiver must not be polled again. Useful in `select!` loops that poll
    /// `&mut rx` repeatedly.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert!(!rx.is_terminated());
    ///
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_terminated());
    ///
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.is_terminated());
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Returns `true` if there is no value waiting to be received: none has been sent yet, the
    /// channel is closed without one, or the receiver has already taken it (terminated).
    ///
    /// `false` means the next [`try_recv`](Receiver::try_recv) returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert!(rx.is_empty());
    ///
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    ///
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let Some(inner) = &self.inner else {
            return true;
        };
        // Acquire: if COMPLETE is set, the value slot is ours to look at.
        if inner.state.load(Ordering::Acquire) & COMPLETE != 0 {
            // SAFETY: COMPLETE is set (read with Acquire), so the value slot belongs to the
            // receiver, and `&self` rules out a concurrent `try_recv` or poll.
            !unsafe { inner.has_value() }
        } else {
            true
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `Receiver` is `Unpin`: it holds only an `Option<Arc<_>>`.
        let this = self.get_mut();
        let inner = this
            .inner
            .as_ref()
            .expect("`oneshot::Receiver` polled after completion");
        let output = ready!(inner.poll_recv(cx));
        this.inner = None;
        Poll::Ready(output)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // `None` once terminated: the output was delivered and there is nothing to close.
        if let Some(inner) = self.inner.take() {
            let prev = inner.close();
            if prev & COMPLETE != 0 {
                // SAFETY: our close RMW (Acquire) returned COMPLETE set, so the value slot is
                // the receiver's. Drop a value nobody received now, on this thread, rather than
                // whenever the last reference goes.
                drop(unsafe { inner.take_value() });
            }
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Receiver");
        match &self.inner {
            Some(inner) => s.field("state", &inner.state()),
            None => s.field("terminated", &true),
        };
        s.finish()
    }
}

/// Runs `receiver` to completion on the current thread, parking it while the value is pending.
#[cfg(not(loom))]
fn block_on<T>(mut receiver: Receiver<T>) -> Result<T, RecvError> {
    use std::task::Wake;
    use std::thread::Thread;

    /// Wakes the blocked thread.
    struct Unparker(Thread);

    impl Wake for Unparker {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }

        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(std::sync::Arc::new(Unparker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        // No budget applies to a blocked thread: a spent budget would only turn this loop into
        // a spin.
        let poll = coop::with_unconstrained(|| Pin::new(&mut receiver).poll(&mut cx));
        if let Poll::Ready(output) = poll {
            return output;
        }
        // A wake that came before this call makes it return at once (the unpark token), and a
        // spurious return just polls again.
        std::thread::park();
    }
}

/// Under loom, block through loom's executor so that the model sees the wait.
#[cfg(loom)]
fn block_on<T>(receiver: Receiver<T>) -> Result<T, RecvError> {
    loom::future::block_on(receiver)
}
