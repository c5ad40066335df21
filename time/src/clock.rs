//! The clock timers are measured against: `std`'s monotonic clock, or, with the `test-util`
//! feature, a clock that can be frozen and moved by hand.
//!
//! Paused, the clock reads a stored instant that only `advance` (or the driver's
//! auto-advance, when the runtime has nothing else to do) moves forward. Resumed, it reads the
//! stored instant plus the real time elapsed since the resume, so it never goes backwards.

#[cfg(feature = "test-util")]
use std::time::Duration;
use std::time::Instant as StdInstant;

/// A runtime's clock.
#[derive(Debug)]
pub(crate) struct Clock {
    #[cfg(feature = "test-util")]
    inner: parking_lot::Mutex<Frozen>,
    #[cfg(feature = "test-util")]
    paused: std::sync::atomic::AtomicBool,
}

#[cfg(feature = "test-util")]
#[derive(Debug)]
struct Frozen {
    /// The time at the last pause (plus every advance since).
    base: StdInstant,
    /// When the clock last resumed; `None` while paused. `None` with `ever_paused == false`
    /// reads the real clock directly.
    unfrozen: Option<StdInstant>,
    ever_paused: bool,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        #[cfg(feature = "test-util")]
        {
            let clock = Clock {
                inner: parking_lot::Mutex::new(Frozen {
                    base: StdInstant::now(),
                    unfrozen: None,
                    ever_paused: false,
                }),
                paused: std::sync::atomic::AtomicBool::new(false),
            };
            if start_paused {
                clock.pause();
            }
            clock
        }
        #[cfg(not(feature = "test-util"))]
        {
            assert!(
                !start_paused,
                "the paused clock needs the `test-util` feature of `runtime`"
            );
            Clock {}
        }
    }

    /// The current time.
    pub(crate) fn now(&self) -> StdInstant {
        #[cfg(feature = "test-util")]
        {
            let frozen = self.inner.lock();
            if !frozen.ever_paused {
                return StdInstant::now();
            }
            match frozen.unfrozen {
                Some(since) => frozen.base + since.elapsed(),
                None => frozen.base,
            }
        }
        #[cfg(not(feature = "test-util"))]
        StdInstant::now()
    }

    /// Whether the clock is paused (always `false` without `test-util`).
    pub(crate) fn is_paused(&self) -> bool {
        #[cfg(feature = "test-util")]
        {
            self.paused.load(std::sync::atomic::Ordering::Relaxed)
        }
        #[cfg(not(feature = "test-util"))]
        false
    }
}

#[cfg(feature = "test-util")]
impl Clock {
    #[track_caller]
    pub(crate) fn pause(&self) {
        let mut frozen = self.inner.lock();
        if frozen.ever_paused && frozen.unfrozen.is_none() {
            panic!("`time::pause()` called while the clock is already paused");
        }
        let now = match frozen.unfrozen {
            Some(since) => frozen.base + since.elapsed(),
            None => StdInstant::now(),
        };
        frozen.base = now;
        frozen.unfrozen = None;
        frozen.ever_paused = true;
        self.paused
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut frozen = self.inner.lock();
        if !frozen.ever_paused || frozen.unfrozen.is_some() {
            panic!("`time::resume()` called while the clock is not paused");
        }
        frozen.unfrozen = Some(StdInstant::now());
        self.paused
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// Moves a paused clock forward by `duration`.
    #[track_caller]
    pub(crate) fn advance(&self, duration: Duration) {
        let mut frozen = self.inner.lock();
        if !frozen.ever_paused || frozen.unfrozen.is_some() {
            panic!(
                "`time::advance()` called while the clock is not paused: call `time::pause()` \
                 first, or build the runtime with `start_paused(true)`"
            );
        }
        frozen.base += duration;
    }

    /// Moves a paused clock forward to `target` (never backwards). Returns `false` if the
    /// clock is not paused.
    pub(crate) fn advance_to(&self, target: StdInstant) -> bool {
        let mut frozen = self.inner.lock();
        if !frozen.ever_paused || frozen.unfrozen.is_some() {
            return false;
        }
        if target > frozen.base {
            frozen.base = target;
        }
        true
    }
}
