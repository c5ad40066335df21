//! The resource driver a parked runtime thread sleeps in.
//!
//! `Driver { io, time, park }`: when a scheduler runs out of work it parks *in* the driver,
//! which waits for the earliest of an I/O event, a timer deadline and an unpark, and turns
//! whatever became ready into wakes. The time half is `runtime-time`'s timer wheel. The
//! parking itself is `runtime-net`'s reactor (a mio `Poll`, interrupted by its mio `Waker`)
//! when I/O is enabled, and a plain thread parker otherwise.
//!
//! Contract: `park` returns after an `unpark` (one that came before it counts), a due timer,
//! or spuriously; `park_timeout(ZERO)` never blocks and only processes what is already ready;
//! `unpark` works from any thread and is cheap when the driver is not parked.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use crossbeam_utils::CachePadded;
use runtime_net::driver as io_driver;
use runtime_time::driver as time;

use super::park::{ParkThread, UnparkThread};

/// What the builder asked the driver for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cfg {
    /// `enable_io()`: the reactor.
    pub(crate) enable_io: bool,
    /// `max_io_events_per_tick`.
    pub(crate) max_io_events: usize,
    /// `max_io_events_per_busy_tick` (defaults to `max_io_events`): the events a turn that
    /// does not wait takes.
    pub(crate) max_io_busy_events: usize,
    /// `enable_time()`: the timer wheel.
    pub(crate) enable_time: bool,
    /// How many shards the timer wheel has (one per worker).
    pub(crate) timer_shards: usize,
    /// `start_paused(true)`: the clock starts frozen (`test-util`).
    pub(crate) start_paused: bool,
    /// Whether `time::pause()` may freeze the running clock: current-thread runtimes only.
    pub(crate) pause_allowed: bool,
    /// How `runtime-net` runs blocking work (name lookups, stdio, `fs`) on this runtime's
    /// blocking pool; entered with the reactor (see `Handle::enter`).
    pub(crate) spawn_blocking: runtime_net::blocking::SpawnBlocking,
}

/// The driver; owned by whichever thread turns it.
#[derive(Debug)]
pub(crate) struct Driver {
    park: Park,
    time: Option<time::Driver>,
}

/// Where the driver's thread sleeps.
#[derive(Debug)]
enum Park {
    /// In the reactor's poll: I/O events wake it.
    Io(io_driver::Driver),
    /// On a condvar: only unparks wake it.
    Thread(ParkThread),
}

/// Wakes the driver's thread, wherever it sleeps.
#[derive(Clone, Debug)]
enum Unpark {
    Io(io_driver::Handle),
    Thread(UnparkThread),
}

impl Park {
    fn sleep(&mut self, timeout: Option<Duration>) {
        match self {
            Park::Io(io) => {
                io.turn(timeout);
            }
            Park::Thread(park) => match timeout {
                Some(timeout) => park.park_timeout(timeout),
                None => park.park(),
            },
        }
    }
}

impl Unpark {
    fn unpark(&self) {
        match self {
            Unpark::Io(handle) => handle.unpark(),
            Unpark::Thread(unpark) => unpark.unpark(),
        }
    }
}

/// The shared half of the driver: wakes it and gives access to its I/O and timer
/// registrations.
#[derive(Debug)]
pub(crate) struct Handle {
    unpark: Unpark,
    /// `None` on a runtime built without `enable_time()`.
    pub(crate) time: Option<time::Handle>,
    /// `None` on a runtime built without `enable_io()`.
    pub(crate) io: Option<io_driver::Handle>,
    /// Set by every turn of the driver, cleared by the monitor's sample: whether anyone
    /// turned it since. A flag rather than a count, so that a turn only reads it (a line
    /// every worker keeps in its cache) unless the monitor has cleared it since the last
    /// one; on a line of its own, away from the handles beside it.
    turned: CachePadded<AtomicBool>,
    /// `Cfg::spawn_blocking`, made current with the reactor.
    spawn_blocking: runtime_net::blocking::SpawnBlocking,
}

impl Driver {
    pub(crate) fn new(cfg: Cfg) -> io::Result<(Driver, Handle)> {
        let (park, unpark, io_handle) = if cfg.enable_io {
            let (driver, handle) = io_driver::new(cfg.max_io_events, cfg.max_io_busy_events)?;
            (Park::Io(driver), Unpark::Io(handle.clone()), Some(handle))
        } else {
            let park = ParkThread::new();
            let unpark = park.unpark();
            (Park::Thread(park), Unpark::Thread(unpark), None)
        };
        let (time, time_handle) = if cfg.enable_time {
            let wake = unpark.clone();
            let (driver, handle) = time::new(
                cfg.timer_shards,
                cfg.start_paused,
                cfg.pause_allowed,
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
                io: io_handle,
                turned: CachePadded::new(AtomicBool::new(false)),
                spawn_blocking: cfg.spawn_blocking,
            },
        ))
    }

    fn sleep(&mut self, timeout: Option<Duration>) {
        self.park.sleep(timeout);
    }

    /// Sleeps until there is something to do: an unpark, or the next timer. `idle` tells the
    /// paused clock whether the runtime has nothing else to do (see
    /// `runtime_time::driver::Driver::park_timeout`).
    pub(crate) fn park(&mut self, handle: &Handle, idle: &dyn Fn() -> bool) {
        handle.count_turn();
        let park = &mut self.park;
        let timeout = self
            .time
            .as_ref()
            .and_then(|time| time.park_timeout(idle, &mut || park.sleep(Some(Duration::ZERO))));
        self.sleep(timeout);
        if let Some(time) = &self.time {
            time.process();
        }
    }

    /// Processes what is ready, waiting at most `duration`.
    pub(crate) fn park_timeout(&mut self, handle: &Handle, duration: Duration) {
        handle.count_turn();
        self.sleep(Some(duration));
        if let Some(time) = &self.time {
            if duration.is_zero() {
                time.process_busy();
            } else {
                time.process();
            }
        }
    }

    /// Releases the driver's resources at runtime shutdown; wakes everything registered so
    /// that its owners see the shutdown.
    pub(crate) fn shutdown(&mut self, _handle: &Handle) {
        if let Some(time) = &self.time {
            time.shutdown();
        }
        if let Park::Io(io) = &mut self.park {
            io.shutdown();
        }
    }
}

impl Handle {
    fn count_turn(&self) {
        // Relaxed: a hint for the monitor, which turns the driver itself when a whole
        // interval passed without a turn; a late flag costs at most one needless turn.
        if !self.turned.load(Relaxed) {
            self.turned.store(true, Relaxed);
        }
    }

    /// Whether the driver has been turned (parked in or polled) since the last call.
    pub(crate) fn take_turned(&self) -> bool {
        self.turned.swap(false, Relaxed)
    }

    /// Wakes the thread parked in the driver, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        self.unpark.unpark();
    }

    /// Makes this driver's timers and reactor the thread's current ones (or records that the
    /// runtime has none, so that creating a timer or a socket says what is missing), with the
    /// runtime's way to run `runtime-net`'s blocking work.
    pub(crate) fn enter(&self) -> (time::EnterGuard, io_driver::EnterGuard) {
        (
            time::enter(self.time.as_ref()),
            io_driver::enter(self.io.as_ref(), self.spawn_blocking),
        )
    }

    /// Whether the clock is paused: then idle transitions must poke the driver, which may
    /// let time jump.
    pub(crate) fn is_clock_paused(&self) -> bool {
        self.time.as_ref().is_some_and(time::Handle::is_paused)
    }
}
