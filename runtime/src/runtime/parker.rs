//! How a scheduler thread sleeps: in the driver if it can take it, on a condvar otherwise.
//!
//! Every scheduler thread has its own `Parker`, and all the parkers of a runtime share one
//! `Driver` behind a try-lock. A thread that runs out of work tries the lock: the winner
//! parks *in* the driver (today the bare thread parker; with the I/O and time halves, the
//! `epoll_wait` and the timer wheel), so an event wakes it directly and becomes work on its
//! own queue; the others park on their own condvar. `Unparker::unpark` wakes the thread the
//! right way for where it sleeps: through the driver's handle if it is parked in the driver,
//! through the condvar otherwise, and not at all (just a flag) if it is awake.
//!
//! An unpark that arrives before the park is remembered (state `NOTIFIED`), so the next park
//! returns at once; several unparks before one park count as one.

use std::time::Duration;

use crate::loom::{Arc, AtomicUsize, Condvar, Mutex, Ordering::*};

use super::driver::{self, Driver};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// What a parker needs from the driver it sleeps in: the runtime's [`Driver`], or a model of
/// it in the loom tests (the state machine here is the same for both).
pub(crate) trait Sleep {
    /// The shared handle that wakes a thread sleeping in the driver.
    type Handle;

    /// Sleeps in the driver until an event, a due timer or [`Sleep::wake`].
    fn park(&mut self, handle: &Self::Handle, idle: &dyn Fn() -> bool);

    /// Turns the driver, sleeping at most `timeout`.
    fn park_timeout(&mut self, handle: &Self::Handle, timeout: Duration);

    /// Shuts the driver down.
    fn shutdown(&mut self, handle: &Self::Handle);

    /// Wakes the thread sleeping in the driver (or makes its next sleep return at once).
    fn wake(handle: &Self::Handle);
}

impl Sleep for Driver {
    type Handle = driver::Handle;

    fn park(&mut self, handle: &driver::Handle, idle: &dyn Fn() -> bool) {
        Driver::park(self, handle, idle);
    }

    fn park_timeout(&mut self, handle: &driver::Handle, timeout: Duration) {
        Driver::park_timeout(self, handle, timeout);
    }

    fn shutdown(&mut self, handle: &driver::Handle) {
        Driver::shutdown(self, handle);
    }

    fn wake(handle: &driver::Handle) {
        handle.unpark();
    }
}

/// One thread's way to sleep.
pub(crate) struct Parker<D: Sleep = Driver> {
    inner: Arc<Inner<D>>,
}

/// Wakes the thread that owns the matching `Parker`.
pub(crate) struct Unparker<D: Sleep = Driver> {
    inner: Arc<Inner<D>>,
}

impl<D: Sleep> Clone for Unparker<D> {
    fn clone(&self) -> Self {
        Unparker {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<D> {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    shared: Arc<Shared<D>>,
}

/// What all the parkers of one runtime share.
struct Shared<D> {
    /// Whoever holds this lock turns the driver while it sleeps.
    driver: Mutex<D>,
}

impl<D: Sleep> Parker<D> {
    /// A parker for the first thread of a runtime, owning the runtime's driver.
    pub(crate) fn new(driver: D) -> Parker<D> {
        Parker::with_shared(Arc::new(Shared {
            driver: Mutex::new(driver),
        }))
    }

    fn with_shared(shared: Arc<Shared<D>>) -> Parker<D> {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                shared,
            }),
        }
    }

    /// A parker for another thread of the same runtime: same driver, its own state.
    pub(crate) fn for_another_thread(&self) -> Parker<D> {
        Parker::with_shared(self.inner.shared.clone())
    }

    /// The matching unparker.
    pub(crate) fn unparker(&self) -> Unparker<D> {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Sleeps until unparked (returns at once if an unpark is pending; may return
    /// spuriously). `idle` tells a paused clock whether the runtime has nothing else to do
    /// (asked only if this thread parks in the driver).
    pub(crate) fn park(&mut self, handle: &D::Handle, idle: &dyn Fn() -> bool) {
        self.inner.park(handle, idle);
    }

    /// Turns the driver without sleeping, if no other thread holds it; consumes a pending
    /// unpark either way.
    pub(crate) fn park_yield(&mut self, handle: &D::Handle) {
        // Consume a pending unpark: the caller is about to look for work anyway.
        // Acquire: pairs with the Release in `unpark`. The load first spares the common case
        // (nothing pending) a locked instruction on every busy turn.
        if self.inner.state.load(Relaxed) == NOTIFIED {
            let _ = self
                .inner
                .state
                .compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed);
        }
        if let Some(mut driver) = self.inner.shared.driver.try_lock() {
            driver.park_timeout(handle, Duration::ZERO);
        }
    }

    /// Shuts the driver down. Called once, by the thread that shuts the runtime down.
    pub(crate) fn shutdown(&mut self, handle: &D::Handle) {
        // Another thread may still be parked in the driver (a worker that has not seen the
        // shutdown yet): waiting for the lock is bounded by its wake-up, which the caller
        // triggered.
        self.inner.shared.driver.lock().shutdown(handle);
    }
}

impl<D: Sleep> Unparker<D> {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self, handle: &D::Handle) {
        self.inner.unpark(handle);
    }

    /// Turns the shared driver without sleeping if no thread holds it (no worker is parked
    /// in it). Returns whether it was free.
    pub(crate) fn turn_driver_if_free(&self, handle: &D::Handle) -> bool {
        match self.inner.shared.driver.try_lock() {
            Some(mut driver) => {
                driver.park_timeout(handle, Duration::ZERO);
                true
            }
            None => false,
        }
    }
}

impl<D: Sleep> Inner<D> {
    fn park(&self, handle: &D::Handle, idle: &dyn Fn() -> bool) {
        // Acquire: pairs with the Release in `unpark`, so what the unparker published before
        // unparking is visible after we return.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed)
            .is_ok()
        {
            return;
        }
        match self.shared.driver.try_lock() {
            Some(mut driver) => self.park_driver(&mut driver, handle, idle),
            None => self.park_condvar(),
        }
    }

    fn park_condvar(&self) {
        let mut guard = self.mutex.lock();
        // Announce the park under the lock: an unparker that sees PARKED_CONDVAR takes the
        // lock before notifying, so it cannot notify between this CAS and the wait.
        match self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, Relaxed, Acquire)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, Acquire);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        loop {
            self.condvar.wait(&mut guard);
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed)
                .is_ok()
            {
                return;
            }
            // Spurious wake-up: wait again.
        }
    }

    fn park_driver(&self, driver: &mut D, handle: &D::Handle, idle: &dyn Fn() -> bool) {
        match self
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, Relaxed, Acquire)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, Acquire);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        // Returns on our unpark (which goes through the driver's handle), on a driver event,
        // or spuriously; any of them is a reason to look for work.
        driver.park(handle, idle);
        match self.state.swap(EMPTY, Acquire) {
            NOTIFIED | PARKED_DRIVER => {}
            actual => panic!("inconsistent park state after the driver: {actual}"),
        }
    }

    fn unpark(&self, handle: &D::Handle) {
        // Release: publishes what the caller did before unparking to the parked thread.
        match self.state.swap(NOTIFIED, Release) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // The parked thread holds the lock from its CAS to its wait; taking it here
                // means it is really waiting before we notify.
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            PARKED_DRIVER => D::wake(handle),
            actual => panic!("inconsistent state in unpark: {actual}"),
        }
    }
}

#[cfg(all(test, loom))]
#[path = "parker_loom_tests.rs"]
mod loom_tests;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Instant;

    fn parts() -> (Parker, driver::Handle) {
        let (driver, handle) = Driver::new(driver::Cfg {
            enable_io: false,
            enable_time: false,
            max_io_events: 1024,
            max_io_busy_events: 1024,
            timer_shards: 1,
            start_paused: false,
            pause_allowed: true,
            spawn_blocking: |work, _| Err(runtime_net::blocking::Refused::NoRuntime(work)),
        })
        .unwrap();
        (Parker::new(driver), handle)
    }

    #[test]
    fn unpark_before_park_is_remembered() {
        let (mut parker, handle) = parts();
        parker.unparker().unpark(&handle);
        parker.unparker().unpark(&handle);
        parker.park(&handle, &|| false);
    }

    #[test]
    fn the_driver_holder_and_a_condvar_sleeper_are_both_woken() {
        let (mut first, handle) = parts();
        let mut second = first.for_another_thread();
        let handle = Arc::new(handle);
        let (u1, u2) = (first.unparker(), second.unparker());
        let h = handle.clone();
        let t1 = std::thread::spawn(move || first.park(&h, &|| false));
        let h = handle.clone();
        let t2 = std::thread::spawn(move || second.park(&h, &|| false));
        std::thread::sleep(Duration::from_millis(50));
        let start = Instant::now();
        u1.unpark(&handle);
        u2.unpark(&handle);
        t1.join().unwrap();
        t2.join().unwrap();
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn park_yield_never_blocks() {
        let (mut parker, handle) = parts();
        let start = Instant::now();
        for _ in 0..100 {
            parker.park_yield(&handle);
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
