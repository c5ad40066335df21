//! The time half of the runtime's driver: what the thread that turns the driver asks of the
//! timers. For the `runtime` crate; not a stable API.
//!
//! The runtime parks in the driver for at most [`Driver::park_timeout`], then calls
//! [`Driver::process`], which fires every due timer (wakers run outside the wheel locks).

use std::time::Duration;

pub use crate::handle::{enter, EnterGuard, Handle};

/// With the clock paused and the runtime busy elsewhere, how long the driver sleeps before it
/// looks again whether time may jump. The runtime also unparks it when it goes idle, so this
/// is only a backstop.
#[cfg(feature = "test-util")]
const PAUSED_RECHECK: Duration = Duration::from_millis(10);

/// The time driver, owned by whichever thread turns the runtime's driver.
#[derive(Debug)]
pub struct Driver {
    handle: Handle,
}

/// Creates a time driver with `shards` wheel shards (one per worker is the intent).
/// `start_paused` freezes the clock from the start; `pause_allowed` says whether
/// `time::pause()` may freeze it later (as tokio's: only on a current-thread runtime).
/// `unpark` must wake the thread parked in the runtime's driver.
pub fn new(
    shards: usize,
    start_paused: bool,
    pause_allowed: bool,
    unpark: Box<dyn Fn() + Send + Sync>,
) -> (Driver, Handle) {
    let handle = Handle::new(shards, start_paused, pause_allowed, unpark);
    (
        Driver {
            handle: handle.clone(),
        },
        handle,
    )
}

impl Driver {
    /// How long the runtime may sleep in the driver: until the next timer is due (`None`:
    /// no timer, sleep until unparked).
    ///
    /// With the clock paused, `idle` is asked whether the runtime has nothing else it could
    /// do (every worker parked, nobody searching, no queued task, no blocking work in
    /// flight). If so, `poll_io` first turns the reactor without waiting: an I/O event that
    /// is already there wakes its task, and then the runtime is not idle after all, so the
    /// answer is zero (run that task first). Otherwise the clock jumps to the next timer and
    /// the answer is zero. A runtime that is busy elsewhere, or has no timer, waits in real
    /// time for a change.
    pub fn park_timeout(
        &self,
        idle: &dyn Fn() -> bool,
        poll_io: &mut dyn FnMut(),
    ) -> Option<Duration> {
        #[cfg(feature = "test-util")]
        if self.handle.inner.clock.is_paused() {
            if idle() {
                poll_io();
                if !idle() || self.handle.auto_advance() {
                    return Some(Duration::ZERO);
                }
            }
            return Some(PAUSED_RECHECK);
        }
        let _ = (idle, poll_io);
        self.handle.time_until_next_wake()
    }

    /// Fires every due timer.
    pub fn process(&self) {
        self.handle.process();
    }

    /// Fires every due timer, for a turn that does not sleep (the runtime has tasks to run):
    /// with no timer filed in any shard it does not even read the clock. A task yielding in
    /// a loop turns the driver every round, and the clock reading was most of what such a
    /// turn cost. A timer filed meanwhile on another thread is seen by the next turn; one
    /// that lowers a shard's `next_wake` unparks the driver anyway.
    pub fn process_busy(&self) {
        if self.handle.next_wake_tick().is_some() {
            self.handle.process();
        }
    }

    /// Fires every timer and refuses new ones: the runtime is shutting down.
    pub fn shutdown(&self) {
        self.handle.shutdown();
    }
}

impl Handle {
    /// Whether the clock is paused (always `false` without `test-util`).
    pub fn is_paused(&self) -> bool {
        self.inner.clock.is_paused()
    }

    /// Pauses the clock (`Builder::start_paused`), with `test-util`.
    #[cfg(feature = "test-util")]
    pub fn pause(&self) {
        self.inner.clock.pause();
        self.align_ticks_to_clock();
    }
}
