//! loom models of the parker's state machine: an unpark racing a park, on the condvar and in
//! the driver, with one thread or two sharing the driver.
//!
//! The driver is a model of the real one's contract (`Sleep`): `park` sleeps until `wake`,
//! and a `wake` that comes first is remembered, as a mio `Waker` written before
//! `epoll_wait` makes the wait return at once.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime --lib --release parker`.

use std::time::Duration;

use loom::thread;

use super::{Parker, Sleep};
use crate::loom::{Arc, Condvar, Mutex, UnsafeCell};

/// A driver that sleeps on a condvar until woken.
struct ModelDriver;

/// Its handle: a pending-wake flag, as the eventfd behind mio's `Waker`. The flag sits under
/// a lock, so a wake also orders memory, as the kernel's does for a real `epoll_wait`; a
/// relaxed flag polled in a yield loop would model a driver that orders nothing, but loom
/// cannot explore a spin of unbounded length.
struct ModelHandle {
    woken: Mutex<bool>,
    condvar: Condvar,
}

impl ModelHandle {
    fn new() -> Arc<ModelHandle> {
        Arc::new(ModelHandle {
            woken: Mutex::new(false),
            condvar: Condvar::new(),
        })
    }
}

impl Sleep for ModelDriver {
    type Handle = Arc<ModelHandle>;

    fn park(&mut self, handle: &Arc<ModelHandle>, _idle: &dyn Fn() -> bool) {
        let mut woken = handle.woken.lock();
        while !*woken {
            handle.condvar.wait(&mut woken);
        }
        *woken = false;
    }

    fn park_timeout(&mut self, handle: &Arc<ModelHandle>, _timeout: Duration) {
        // Only ever called with a zero timeout: consume a pending wake, never sleep.
        *handle.woken.lock() = false;
    }

    fn shutdown(&mut self, _handle: &Arc<ModelHandle>) {}

    fn wake(handle: &Arc<ModelHandle>) {
        *handle.woken.lock() = true;
        handle.condvar.notify_one();
    }
}

/// Data the unparker writes before unparking and the parked thread reads after waking:
/// loom reports a race if the unpark does not publish it.
struct Published(UnsafeCell<usize>);

// SAFETY: accesses are ordered by the parker's protocol, which is what the model checks;
// loom's cell tracks them and fails the model on an unordered pair.
unsafe impl Sync for Published {}

#[test]
fn an_unpark_racing_a_park_wakes_the_thread_and_publishes_its_writes() {
    loom::model(|| {
        let handle = ModelHandle::new();
        let mut parker = Parker::new(ModelDriver);
        let unparker = parker.unparker();
        let data = Arc::new(Published(UnsafeCell::new(0)));

        let (h, d) = (handle.clone(), data.clone());
        let waker = thread::spawn(move || {
            // SAFETY: the parked thread reads only after the unpark below (the model checks).
            d.0.with_mut(|p| unsafe { *p = 1 });
            unparker.unpark(&h);
        });

        // The first park returns on the unpark; no second unpark comes, so park once.
        parker.park(&handle, &|| false);
        // SAFETY: the unpark happened before `park` returned (the model checks).
        assert_eq!(data.0.with(|p| unsafe { *p }), 1);
        waker.join().unwrap();
    });
}

#[test]
fn two_threads_sharing_the_driver_are_both_woken() {
    loom::model(|| {
        let handle = ModelHandle::new();
        let mut first = Parker::new(ModelDriver);
        let mut second = first.for_another_thread();
        let (u1, u2) = (first.unparker(), second.unparker());

        // One of the two sleeps in the driver, the other on its condvar (or either returns at
        // once if its unpark came first); both must come back.
        let h = handle.clone();
        let t1 = thread::spawn(move || first.park(&h, &|| false));
        let h = handle.clone();
        let t2 = thread::spawn(move || second.park(&h, &|| false));
        u1.unpark(&handle);
        u2.unpark(&handle);
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

#[test]
fn park_yield_racing_an_unpark_leaves_the_parker_consistent() {
    loom::model(|| {
        let handle = ModelHandle::new();
        let mut parker = Parker::new(ModelDriver);

        let (u, h) = (parker.unparker(), handle.clone());
        let racer = thread::spawn(move || u.unpark(&h));
        // `park_yield` may or may not consume that unpark (the caller looks for work next
        // either way); the state must be consistent after it, whichever happened.
        parker.park_yield(&handle);
        racer.join().unwrap();

        // So a later unpark still ends a park, wherever it sleeps.
        let (u, h) = (parker.unparker(), handle.clone());
        let waker = thread::spawn(move || u.unpark(&h));
        parker.park(&handle, &|| false);
        waker.join().unwrap();
    });
}
