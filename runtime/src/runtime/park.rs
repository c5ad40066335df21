//! Parking a thread until it is unparked: the bottom of the driver, and the executor behind
//! `Handle::block_on`.
//!
//! An unpark that arrives before the park is remembered (the state goes to `NOTIFIED`), so the
//! next park returns at once; several unparks before one park count as one.

use std::future::Future;
// `std`'s `Arc`, not the facade's: `Inner` is a `std::task::Wake`.
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use runtime_sync::coop;

use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering::*};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// Parks the thread that owns it.
#[derive(Debug)]
pub(crate) struct ParkThread {
    inner: Arc<Inner>,
}

/// Unparks a `ParkThread` from any thread.
#[derive(Clone, Debug)]
pub(crate) struct UnparkThread {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl ParkThread {
    pub(crate) fn new() -> ParkThread {
        ParkThread {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
            }),
        }
    }

    pub(crate) fn unpark(&self) -> UnparkThread {
        UnparkThread {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until unparked (returns at once if an unpark is pending).
    pub(crate) fn park(&mut self) {
        self.inner.park(None);
    }

    /// Blocks until unparked or `duration` passes; a zero duration only consumes a pending
    /// unpark.
    pub(crate) fn park_timeout(&mut self, duration: Duration) {
        self.inner.park(Some(duration));
    }
}

impl UnparkThread {
    pub(crate) fn unpark(&self) {
        self.inner.unpark();
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>) {
        // Fast path: consume a pending unpark. Acquire pairs with the Release in `unpark`, so
        // whatever the unparker published before unparking is visible to us.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }

        let mut guard = self.mutex.lock();
        // Announce the park under the lock: an unparker that sees PARKED takes the lock before
        // notifying, so it cannot notify between this CAS and the wait below.
        match self.state.compare_exchange(EMPTY, PARKED, Relaxed, Acquire) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Unparked in the meantime.
                self.state.swap(EMPTY, Acquire);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }

        match timeout {
            None => loop {
                self.condvar.wait(&mut guard);
                if self
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed)
                    .is_ok()
                {
                    return;
                }
                // Spurious wake-up: park again.
            },
            Some(timeout) => {
                self.condvar.wait_for(&mut guard, timeout);
                // Whether notified or timed out, go back to EMPTY (consuming the unpark).
                match self.state.swap(EMPTY, Acquire) {
                    NOTIFIED | PARKED => {}
                    actual => panic!("inconsistent park_timeout state: {actual}"),
                }
            }
        }
    }

    fn unpark(&self) {
        // Release: publishes what the caller did before unparking to the parked thread.
        match self.state.swap(NOTIFIED, Release) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // The parked thread holds the lock from its CAS to its wait; taking the lock
                // here means it is really waiting before we notify.
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            actual => panic!("inconsistent state in unpark: {actual}"),
        }
    }
}

impl Wake for Inner {
    fn wake(self: Arc<Self>) {
        self.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.unpark();
    }
}

thread_local! {
    /// One parker per thread, reused by every `block_on` outside a scheduler.
    static CURRENT_PARKER: ParkThread = ParkThread::new();
}

/// Blocks the current thread on `future`, polling it with a waker that unparks the thread.
///
/// The caller is responsible for the "not inside a runtime" check.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let inner = CURRENT_PARKER
        .try_with(|park| park.inner.clone())
        .unwrap_or_else(|_| ParkThread::new().inner);
    let waker = Waker::from(inner.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = coop::budget(|| future.as_mut().poll(&mut cx)) {
            return output;
        }
        inner.park(None);
    }
}

/// A waker that unparks the current thread, for callers that poll and park in their own loop.
pub(crate) fn current_thread_waker() -> (Waker, impl Fn()) {
    let inner = CURRENT_PARKER
        .try_with(|park| park.inner.clone())
        .unwrap_or_else(|_| ParkThread::new().inner);
    let waker = Waker::from(inner.clone());
    (waker, move || inner.park(None))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn unpark_before_park_is_remembered() {
        let mut park = ParkThread::new();
        park.unpark().unpark();
        park.unpark().unpark();
        park.park();
        // Two unparks count as one: a timed park now waits.
        let start = Instant::now();
        park.park_timeout(Duration::from_millis(20));
        assert!(start.elapsed() >= Duration::from_millis(15));
    }

    #[test]
    fn unpark_from_another_thread() {
        let mut park = ParkThread::new();
        let unpark = park.unpark();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            unpark.unpark();
        });
        park.park();
        t.join().unwrap();
    }

    #[test]
    fn block_on_a_future_woken_elsewhere() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let t = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            std::thread::sleep(Duration::from_millis(10));
            waker.wake();
        });
        let mut sent = Some(tx);
        let mut polls = 0;
        let out = block_on(std::future::poll_fn(|cx| {
            polls += 1;
            match sent.take() {
                Some(tx) => {
                    tx.send(cx.waker().clone()).unwrap();
                    Poll::Pending
                }
                None => Poll::Ready(7),
            }
        }));
        assert_eq!(out, 7);
        assert_eq!(polls, 2);
        t.join().unwrap();
    }
}
