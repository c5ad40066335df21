//! Waking a task without letting a panicking waker take anything else down.
//!
//! A `Waker`'s `wake` is user code (its vtable), and it may panic. The drivers and the
//! primitives wake in batches, after releasing their locks: a panic from one waker would drop
//! the rest of the batch unwoken (their tasks would wait forever) and unwind through the
//! driver's turn. So they wake through [`wake_contained`], which catches such a panic and
//! carries on. A primitive that wakes one waiter (a channel's receiver on a send, the task a
//! `notify_one` picked) does too: otherwise the waiter's panic would come out of the call
//! that sent or notified, in another task, or abort the process when that call is a
//! destructor running while unwinding. The panic is not silent: the panic hook has already
//! printed it (message and location) by the time it is caught.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;

/// Wakes `waker`; a panic in its `wake` is caught (after the panic hook reported it) and
/// goes no further.
#[inline]
pub fn wake_contained(waker: Waker) {
    // AssertUnwindSafe: the only state the closure touches is the waker it consumes.
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        drop_payload(payload);
    }
}

/// [`wake_contained`] for a waker that stays where it is: `wake_by_ref`, with a panic in it
/// caught the same way.
#[inline]
pub(crate) fn wake_by_ref_contained(waker: &Waker) {
    // AssertUnwindSafe: the closure only reads the waker.
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref())) {
        drop_payload(payload);
    }
}

/// Drops a caught panic's payload; a payload whose own drop panics is leaked instead.
#[cold]
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::{RawWaker, RawWakerVTable, Wake};

    fn panicking_waker() -> Waker {
        fn clone(data: *const ()) -> RawWaker {
            RawWaker::new(data, &VTABLE)
        }
        fn wake(_: *const ()) {
            panic!("this waker panics on wake");
        }
        fn noop(_: *const ()) {}
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, noop);
        // SAFETY: the vtable's functions ignore the data pointer, which is null.
        unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
    }

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn a_panicking_waker_does_not_stop_the_next_one() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        for waker in [
            panicking_waker(),
            Waker::from(count.clone()),
            panicking_waker(),
            Waker::from(count.clone()),
        ] {
            wake_contained(waker);
        }
        assert_eq!(count.0.load(SeqCst), 2);
    }
}
