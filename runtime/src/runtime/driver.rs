//! The resource driver a parked runtime thread sleeps in.
//!
//! `Driver { io, time, park }`: when a scheduler runs out of work it parks *in* the driver,
//! which waits for the earliest of an I/O event, a timer deadline and an unpark, and turns
//! whatever became ready into wakes. The I/O half (a mio `Poll`) and the time half (the timer
//! wheel) plug in here when `runtime-net` and `runtime-time` land; until then the driver is
//! the bare thread parker, `enable_io()` / `enable_time()` are recorded in `Cfg` and have
//! nothing to switch on yet.
//!
//! Contract: `park` returns after an `unpark` (one that came before it counts), or
//! spuriously; `park_timeout(ZERO)` never blocks and only processes what is already ready;
//! `unpark` works from any thread and is cheap when the driver is not parked.

use std::io;
use std::time::Duration;

use super::park::{ParkThread, UnparkThread};

/// What the builder asked the driver for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cfg {
    /// `enable_io()`: the I/O half, once it exists.
    #[allow(dead_code)] // Read by the I/O driver when it lands.
    pub(crate) enable_io: bool,
    /// `enable_time()`: the time half, once it exists.
    #[allow(dead_code)] // Read by the time driver when it lands.
    pub(crate) enable_time: bool,
}

/// The driver; owned by whichever thread turns it.
#[derive(Debug)]
pub(crate) struct Driver {
    park: ParkThread,
}

/// The shared half of the driver: wakes it and (later) gives access to its I/O and timer
/// registrations.
#[derive(Debug)]
pub(crate) struct Handle {
    unpark: UnparkThread,
}

impl Driver {
    pub(crate) fn new(_cfg: Cfg) -> io::Result<(Driver, Handle)> {
        let park = ParkThread::new();
        let unpark = park.unpark();
        Ok((Driver { park }, Handle { unpark }))
    }

    /// Sleeps until there is something to do.
    pub(crate) fn park(&mut self, _handle: &Handle) {
        self.park.park();
    }

    /// Like `park`, waiting at most `duration`.
    pub(crate) fn park_timeout(&mut self, _handle: &Handle, duration: Duration) {
        self.park.park_timeout(duration);
    }

    /// Releases the driver's resources at runtime shutdown; wakes everything registered so
    /// that its owners see the shutdown.
    pub(crate) fn shutdown(&mut self, _handle: &Handle) {}
}

impl Handle {
    /// Wakes the thread parked in the driver, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        self.unpark.unpark();
    }
}
