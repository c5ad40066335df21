//! The channel shared by the bounded and unbounded flavours: the message list, the receiver's
//! waker, the sender counts, and a capacity policy (`Semaphore`) that differs between them.

use std::fmt;
use std::future::poll_fn;
use std::task::{ready, Context, Poll};

use super::closed::RxClosed;
use super::error::TryRecvError;
use super::list::{self, Pop};
use crate::coop;
use crate::loom::{Arc, AtomicUsize, Ordering, UnsafeCell};
use crate::AtomicWaker;

/// The capacity policy of a channel.
pub(super) trait Semaphore {
    /// No message is queued and no capacity is reserved: after a close, nothing more can
    /// arrive.
    fn is_idle(&self) -> bool;
    /// The receiver took `n` messages out.
    fn add_permits(&self, n: usize);
    /// The receiver closed the channel: refuse new sends.
    fn close(&self);
    fn is_closed(&self) -> bool;
}

/// The fields in declaration order (`repr(C)`), hot first: what every send touches (`tx`,
/// `rx_waker`, the capacity word inside `semaphore`: rustc puts it after the wait list's
/// mutex, about 150 bytes in, so it shares no line with `tx`'s tail position), then the cold
/// fields, then the receiver's own fields, which it writes on every receive. The cold fields
/// (at least 112 bytes) keep those receiver writes off the cache lines the senders work on,
/// whatever the allocation's alignment, without padding the channel. Left to rustc,
/// `rx_fields` landed next to the semaphore, and a receive and a send fought over one line.
#[repr(C)]
pub(super) struct Chan<T, S> {
    tx: list::Tx<T>,
    rx_waker: AtomicWaker,
    pub(super) semaphore: S,
    rx_closed_signal: RxClosed,
    /// Live `Sender`s. The channel's end is marked when it drops to zero.
    tx_count: AtomicUsize,
    /// Live `WeakSender`s.
    tx_weak_count: AtomicUsize,
    /// Touched only through the one `Rx` (or by `Drop`, when nobody else is left).
    rx_fields: UnsafeCell<RxFields<T>>,
}

struct RxFields<T> {
    list: list::Rx<T>,
    rx_closed: bool,
}

// SAFETY: values of type `T` cross threads through the channel (hence `T: Send`); `rx_fields`
// is only touched by the single receiver handle (`&mut`) or by `Drop`.
unsafe impl<T: Send, S: Send> Send for Chan<T, S> {}
// SAFETY: as above; shared access goes through atomics, the lock in `RxClosed` and the list's
// protocol.
unsafe impl<T: Send, S: Sync> Sync for Chan<T, S> {}

// The channel hands values over but never exposes them by reference, and every operation
// leaves the list, the counts and the waiters consistent if user code (a waker, a value's
// destructor) panics; so a handle observed after a caught panic is sound to use, whatever
// `T` is. tokio makes the same promise (its tests assert it for every handle).
impl<T, S> std::panic::UnwindSafe for Chan<T, S> {}
impl<T, S> std::panic::RefUnwindSafe for Chan<T, S> {}

impl<T, S: Semaphore> Chan<T, S> {
    /// Pushes a value whose capacity was already accounted for, and wakes the receiver.
    pub(super) fn send(&self, value: T) {
        self.tx.push(value);
        // While the receiver is busy, a send reads the waker's state word instead of writing
        // it twice, which keeps that line out of the senders' and the receiver's way. Paired
        // with the receiver's `register_by_ref_for_fenced_wakes`.
        self.rx_waker.wake_if_registered();
    }

    /// Wakes the receiver, for a change it must look at (a returned permit after a close).
    pub(super) fn wake_rx(&self) {
        self.rx_waker.wake();
    }

    /// Whether the receiver closed the channel or was dropped.
    pub(super) fn is_rx_closed(&self) -> bool {
        self.rx_closed_signal.is_closed()
    }

    /// Runs `f` on the receiver's fields.
    ///
    /// # Safety
    ///
    /// Only the single receiver handle calls this (through `&mut self`), or `Drop`.
    unsafe fn rx_fields<R>(&self, f: impl FnOnce(&mut RxFields<T>) -> R) -> R {
        self.rx_fields.with_mut(|fields| {
            // SAFETY: the caller is the only one touching the receiver's fields.
            f(unsafe { &mut *fields })
        })
    }
}

impl<T, S> Drop for Chan<T, S> {
    fn drop(&mut self) {
        let tx = &self.tx;
        self.rx_fields.with_mut(|fields| {
            // SAFETY: `&mut self`: no handle is left.
            let fields = unsafe { &mut *fields };
            while let Pop::Value(value) = fields.list.pop(tx) {
                drop(value);
            }
            // SAFETY: no sender is left, and the list is not used again.
            unsafe { fields.list.free_blocks(tx) };
        });
    }
}

/// A new channel with capacity policy `semaphore`; returns the sender and receiver handles.
pub(super) fn channel<T, S: Semaphore>(semaphore: S) -> (Tx<T, S>, Rx<T, S>) {
    let (tx, rx) = list::list();
    let chan = Arc::new(Chan {
        tx,
        rx_waker: AtomicWaker::new(),
        semaphore,
        rx_closed_signal: RxClosed::new(),
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
        rx_fields: UnsafeCell::new(RxFields {
            list: rx,
            rx_closed: false,
        }),
    });
    (Tx { chan: chan.clone() }, Rx { chan })
}

// ------------------------------------------------------------------------------------------
// Sender handles.
// ------------------------------------------------------------------------------------------

/// A counted sender handle.
pub(super) struct Tx<T, S> {
    chan: Arc<Chan<T, S>>,
}

impl<T, S: Semaphore> Tx<T, S> {
    pub(super) fn chan(&self) -> &Chan<T, S> {
        &self.chan
    }

    pub(super) fn same_channel(&self, other: &Tx<T, S>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    pub(super) fn downgrade(&self) -> WeakTx<T, S> {
        // Relaxed: a counter with no data attached.
        self.chan.tx_weak_count.fetch_add(1, Ordering::Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }

    pub(super) fn strong_count(&self) -> usize {
        // Relaxed: a snapshot count.
        self.chan.tx_count.load(Ordering::Relaxed)
    }

    pub(super) fn weak_count(&self) -> usize {
        // Relaxed: a snapshot count.
        self.chan.tx_weak_count.load(Ordering::Relaxed)
    }

    /// Completes once the receiver closed the channel or was dropped.
    pub(super) async fn closed(&self) {
        struct Forget<'a>(&'a RxClosed, Option<usize>);
        impl Drop for Forget<'_> {
            fn drop(&mut self) {
                self.0.forget(&mut self.1);
            }
        }
        let mut waiter = Forget(&self.chan.rx_closed_signal, None);
        poll_fn(|cx| waiter.0.poll_closed(&mut waiter.1, cx)).await
    }
}

impl<T, S> Clone for Tx<T, S> {
    fn clone(&self) -> Tx<T, S> {
        // Relaxed: we hold a sender, so the count is at least one and cannot reach zero
        // meanwhile; no data is published by the increment.
        self.chan.tx_count.fetch_add(1, Ordering::Relaxed);
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S> Drop for Tx<T, S> {
    fn drop(&mut self) {
        // AcqRel: Release orders this sender's pushes before the decrement; the last sender's
        // Acquire then orders them all before its close marker.
        if self.chan.tx_count.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        self.chan.tx.close();
        self.chan.rx_waker.wake();
    }
}

impl<T, S> fmt::Debug for Tx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("strong_count", &self.chan.tx_count.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A sender handle that does not keep the channel open.
pub(super) struct WeakTx<T, S> {
    chan: Arc<Chan<T, S>>,
}

impl<T, S> WeakTx<T, S> {
    pub(super) fn upgrade(&self) -> Option<Tx<T, S>> {
        // Relaxed: we only need the count itself; the CAS below decides.
        let mut count = self.chan.tx_count.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                // The channel's end is marked; it cannot be reopened.
                return None;
            }
            // Relaxed: as in `Tx::clone`, the count stays positive while we hold the new
            // sender; the CAS only must not resurrect a zero count.
            match self.chan.tx_count.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Tx {
                        chan: self.chan.clone(),
                    })
                }
                Err(actual) => count = actual,
            }
        }
    }

    pub(super) fn strong_count(&self) -> usize {
        // Relaxed: a snapshot count.
        self.chan.tx_count.load(Ordering::Relaxed)
    }

    pub(super) fn weak_count(&self) -> usize {
        // Relaxed: a snapshot count.
        self.chan.tx_weak_count.load(Ordering::Relaxed)
    }
}

impl<T, S> Clone for WeakTx<T, S> {
    fn clone(&self) -> WeakTx<T, S> {
        // Relaxed: a counter with no data attached.
        self.chan.tx_weak_count.fetch_add(1, Ordering::Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S> Drop for WeakTx<T, S> {
    fn drop(&mut self) {
        // Relaxed: a counter with no data attached.
        self.chan.tx_weak_count.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T, S> fmt::Debug for WeakTx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

// ------------------------------------------------------------------------------------------
// The receiver handle.
// ------------------------------------------------------------------------------------------

/// The one receiver handle.
pub(super) struct Rx<T, S: Semaphore> {
    chan: Arc<Chan<T, S>>,
}

impl<T, S: Semaphore> Rx<T, S> {
    pub(super) fn chan(&self) -> &Chan<T, S> {
        &self.chan
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(coop::poll_proceed(cx));
        let chan = &*self.chan;
        // SAFETY: `&mut self`: we are the single receiver.
        let result = unsafe {
            chan.rx_fields(|rx| {
                macro_rules! try_pop {
                    () => {
                        match rx.list.pop(&chan.tx) {
                            Pop::Value(value) => {
                                chan.semaphore.add_permits(1);
                                return Poll::Ready(Some(value));
                            }
                            Pop::Closed => return Poll::Ready(None),
                            Pop::Empty | Pop::Busy => {}
                        }
                    };
                }
                try_pop!();
                // Register, then look again: a value pushed in between finds our waker (the
                // fenced registration pairs with `send`'s `wake_if_registered`).
                chan.rx_waker.register_by_ref_for_fenced_wakes(cx.waker());
                try_pop!();
                if rx.rx_closed && chan.semaphore.is_idle() {
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                }
            })
        };
        if result.is_ready() {
            coop.made_progress();
        }
        result
    }

    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = ready!(coop::poll_proceed(cx));
        let chan = &*self.chan;
        // SAFETY: `&mut self`: we are the single receiver.
        let result = unsafe {
            chan.rx_fields(|rx| {
                let mut take = |rx: &mut RxFields<T>| -> Option<usize> {
                    let mut taken = 0;
                    while taken < limit {
                        match rx.list.pop(&chan.tx) {
                            Pop::Value(value) => {
                                buffer.push(value);
                                taken += 1;
                            }
                            Pop::Closed => {
                                chan.semaphore.add_permits(taken);
                                return Some(taken);
                            }
                            Pop::Empty | Pop::Busy => break,
                        }
                    }
                    chan.semaphore.add_permits(taken);
                    (taken > 0).then_some(taken)
                };
                if let Some(taken) = take(rx) {
                    return Poll::Ready(taken);
                }
                chan.rx_waker.register_by_ref_for_fenced_wakes(cx.waker());
                if let Some(taken) = take(rx) {
                    return Poll::Ready(taken);
                }
                if rx.rx_closed && chan.semaphore.is_idle() {
                    Poll::Ready(0)
                } else {
                    Poll::Pending
                }
            })
        };
        if result.is_ready() {
            coop.made_progress();
        }
        result
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let chan = &*self.chan;
        loop {
            // SAFETY: `&mut self`: we are the single receiver.
            let popped = unsafe {
                chan.rx_fields(|rx| match rx.list.pop(&chan.tx) {
                    Pop::Value(value) => Some(Ok(value)),
                    Pop::Closed => Some(Err(TryRecvError::Disconnected)),
                    Pop::Empty if rx.rx_closed && chan.semaphore.is_idle() => {
                        Some(Err(TryRecvError::Disconnected))
                    }
                    Pop::Empty => Some(Err(TryRecvError::Empty)),
                    Pop::Busy => None,
                })
            };
            match popped {
                Some(Ok(value)) => {
                    chan.semaphore.add_permits(1);
                    return Ok(value);
                }
                Some(Err(err)) => return Err(err),
                // A sender claimed the slot and is writing it right now (it runs no user code
                // in between): wait for it rather than report a spurious `Empty`.
                None => crate::loom::yield_now(),
            }
        }
    }

    pub(super) fn close(&mut self) {
        let chan = &*self.chan;
        // SAFETY: `&mut self`: we are the single receiver.
        let first = unsafe { chan.rx_fields(|rx| !std::mem::replace(&mut rx.rx_closed, true)) };
        if first {
            chan.semaphore.close();
            chan.rx_closed_signal.close();
        }
    }

    /// Whether the receiver closed the channel, or every sender is gone.
    pub(super) fn is_closed(&self) -> bool {
        // Relaxed: a snapshot count.
        self.chan.is_rx_closed() || self.chan.tx_count.load(Ordering::Relaxed) == 0
    }

    pub(super) fn len(&self) -> usize {
        // SAFETY: reading through `&self` only: `len` only reads `index`, which only changes
        // through `&mut self`.
        self.chan
            .rx_fields
            .with(|rx| unsafe { &*rx }.list.len(&self.chan.tx))
    }

    pub(super) fn allocated_blocks(&self) -> usize {
        // SAFETY: as in `len`: a read-only walk from the receiver's own `free_head`.
        self.chan
            .rx_fields
            .with(|rx| unsafe { &*rx }.list.allocated_blocks(&self.chan.tx))
    }

    pub(super) fn sender_strong_count(&self) -> usize {
        // Relaxed: a snapshot count.
        self.chan.tx_count.load(Ordering::Relaxed)
    }

    pub(super) fn sender_weak_count(&self) -> usize {
        // Relaxed: a snapshot count.
        self.chan.tx_weak_count.load(Ordering::Relaxed)
    }
}

impl<T, S: Semaphore> Drop for Rx<T, S> {
    fn drop(&mut self) {
        self.close();
        // The waker this receiver registered keeps its task's memory alive: let it go now,
        // not when the last sender goes.
        drop(self.chan.rx_waker.take());
        // Drop what is queued now, returning its capacity; values that arrive later are
        // dropped with the channel. If a value's destructor panics, the guard's drop goes on
        // with the rest as the panic unwinds, so every value is still dropped here.
        let mut drain = Drain(&self.chan);
        drain.run();
        std::mem::forget(drain);
    }
}

/// Drops the values queued in a channel whose receiver is going away; see `Rx::drop`.
struct Drain<'a, T, S: Semaphore>(&'a Chan<T, S>);

impl<T, S: Semaphore> Drain<'_, T, S> {
    fn run(&mut self) {
        let chan = self.0;
        loop {
            // SAFETY: called from the single receiver's drop.
            let popped = unsafe {
                chan.rx_fields(|rx| match rx.list.pop(&chan.tx) {
                    Pop::Value(value) => Some(value),
                    _ => None,
                })
            };
            match popped {
                Some(value) => {
                    chan.semaphore.add_permits(1);
                    // Outside the receiver's fields: a value's destructor may run any code.
                    drop(value);
                }
                None => break,
            }
        }
    }
}

impl<T, S: Semaphore> Drop for Drain<'_, T, S> {
    fn drop(&mut self) {
        // Only reached while a destructor's panic unwinds out of `run`.
        self.run();
    }
}

impl<T, S: Semaphore> fmt::Debug for Rx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::mem::{offset_of, size_of};

    use super::Chan;

    /// The receiver's fields stay at least a cache line away from everything a send writes
    /// (see `Chan`): a reordering or a new field that breaks this slows every contended
    /// channel.
    fn receiver_fields_are_a_line_away<S>() {
        type C<S> = Chan<u64, S>;
        let senders_end = offset_of!(C<S>, semaphore) + size_of::<S>();
        assert!(offset_of!(C<S>, rx_waker) < senders_end);
        assert!(offset_of!(C<S>, rx_fields) >= senders_end + 64);
    }

    #[test]
    fn receiver_fields_sit_apart_from_the_senders() {
        receiver_fields_are_a_line_away::<super::super::bounded::Bounded>();
        receiver_fields_are_a_line_away::<super::super::unbounded::Unbounded>();
    }
}
