//! The resource driver a parked runtime thread sleeps in.
//!
//! `Driver { io, time, park }`: when a scheduler runs out of work it parks *in* the driver,
//! which waits for the earliest of an I/O event, a timer deadline and an unpark, and turns
//! whatever became ready into wakes. The time half is `runtime-time`'s timer wheel; the I/O
//! half (a mio `Poll`) plugs in here when `runtime-net` lands; until then `enable_io()` is
//! recorded in `Cfg` and has nothing to switch on.
//!
//! Contract: `park` returns after an `unpark` (one that came before it counts), a due timer,
//! or spuriously; `park_timeout(ZERO)` never blocks and only processes what is already ready;
//! `unpark` works from any thread and is cheap when the driver is not parked.

use std::io;
use std::time::Duration;

use runtime_time::driver as time;

use super::park::{ParkThread, UnparkThread};

/// What the builder asked the driver for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cfg {
    /// `enable_io()`: the I/O half, once it exists.
    #[allow(dead_code)] // Read by the I/O driver when it lands.
    pub(crate) enable_io: bool,
    /// `enable_time()`: the timer wheel.
    pub(crate) enable_time: bool,
    /// How many shards the timer wheel has (one per worker).
    pub(crate) timer_shards: usize,
    /// `start_paused(true)`: the clock starts frozen (`test-util`).
    pub(crate) start_paused: bool,
}

/// The driver; owned by whichever thread turns it.
#[derive(Debug)]
pub(crate) struct Driver {
    park: ParkThread,
    time: Option<time::Driver>,
}

/// The shared half of the driver: wakes it and gives access to its timer registrations.
#[derive(Debug)]
pub(crate) struct Handle {
    unpark: UnparkThread,
    /// `None` on a runtime built without `enable_time()`.
    pub(crate) time: Option<time::Handle>,
}

impl Driver {
    pub(crate) fn new(cfg: Cfg) -> io::Result<(Driver, Handle)> {
        let park = ParkThread::new();
        let unpark = park.unpark();
        let (time, time_handle) = if cfg.enable_time {
            let wake = unpark.clone();
            let (driver, handle) = time::new(
                cfg.timer_shards,
                cfg.start_paused,
                Box::new(move || wake.unpark()),
            );
            (Some(driver), Some(handle))
        } else {
            (None, None)
        };
        Ok((
            Driver { park, time },
            Handle {
                unpark,
                time: time_handle,
            },
        ))
    }

    /// Sleeps until there is something to do: an unpark, or the next timer. `idle` tells the
    /// paused clock whether the runtime has nothing else to do (see
    /// `runtime_time::driver::Driver::park_timeout`).
    pub(crate) fn park(&mut self, _handle: &Handle, idle: &dyn Fn() -> bool) {
        match &self.time {
            None => self.park.park(),
            Some(time) => {
                match time.park_timeout(idle) {
                    Some(timeout) => self.park.park_timeout(timeout),
                    None => self.park.park(),
                }
                time.process();
            }
        }
    }

    /// Processes what is ready, waiting at most `duration`.
    pub(crate) fn park_timeout(&mut self, _handle: &Handle, duration: Duration) {
        self.park.park_timeout(duration);
        if let Some(time) = &self.time {
            time.process();
        }
    }

    /// Releases the driver's resources at runtime shutdown; wakes everything registered so
    /// that its owners see the shutdown.
    pub(crate) fn shutdown(&mut self, _handle: &Handle) {
        if let Some(time) = &self.time {
            time.shutdown();
        }
    }
}

impl Handle {
    /// Wakes the thread parked in the driver, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        self.unpark.unpark();
    }

    /// Makes this driver's timers the thread's current ones (or records that the runtime has
    /// none, so that creating a timer says `enable_time()` is missing).
    pub(crate) fn enter(&self) -> time::EnterGuard {
        time::enter(self.time.as_ref())
    }

    /// Whether the clock is paused: then idle transitions must poke the driver, which may
    /// let time jump.
    pub(crate) fn is_clock_paused(&self) -> bool {
        self.time.as_ref().is_some_and(time::Handle::is_paused)
    }
}
