//! The clock timers are measured against: `std`'s monotonic clock, or, with the `test-util`
//! feature, a clock that can be frozen and moved by hand.
//!
//! Paused, the clock reads a stored instant that only `advance` (or the driver's
//! auto-advance, when the runtime has nothing else to do) moves forward, by exactly the
//! amount asked: sub-millisecond steps included. Resumed, it reads the stored instant plus
//! the real time elapsed since the resume, so it never goes backwards.
//!
//! Until the clock is first paused, `now` reads `std`'s clock without taking the lock.

#[cfg(feature = "test-util")]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(feature = "test-util")]
use std::time::Duration;
use std::time::Instant as StdInstant;

/// A runtime's clock.
#[derive(Debug)]
pub(crate) struct Clock {
    #[cfg(feature = "test-util")]
    inner: parking_lot::Mutex<Frozen>,
    /// Set (once, never cleared) by the first pause: until then `now` is `std`'s clock.
    #[cfg(feature = "test-util")]
    ever_paused: AtomicBool,
    #[cfg(feature = "test-util")]
    paused: AtomicBool,
    /// Whether `time::pause()` may pause the running clock: only on a current-thread
    /// runtime, as tokio's (`start_paused` is allowed everywhere).
    #[cfg(feature = "test-util")]
    pause_allowed: bool,
}

#[cfg(feature = "test-util")]
#[derive(Debug)]
struct Frozen {
    /// The time at the last pause (plus every advance since).
    base: StdInstant,
    /// When the clock last resumed; `None` while paused (or never paused).
    unfrozen: Option<StdInstant>,
}

impl Clock {
    /// A clock; `start_paused` freezes it at once. `pause_allowed` says whether
    /// `time::pause()` may freeze it later (current-thread runtimes).
    pub(crate) fn new(start_paused: bool, pause_allowed: bool) -> Clock {
        #[cfg(feature = "test-util")]
        {
            let clock = Clock {
                inner: parking_lot::Mutex::new(Frozen {
                    base: StdInstant::now(),
                    unfrozen: None,
                }),
                ever_paused: AtomicBool::new(false),
                paused: AtomicBool::new(false),
                pause_allowed,
            };
            if start_paused {
                clock.freeze();
            }
            clock
        }
        #[cfg(not(feature = "test-util"))]
        {
            let _ = pause_allowed;
            assert!(
                !start_paused,
                "the paused clock needs the `test-util` feature of `runtime`"
            );
            Clock {}
        }
    }

    /// The current time.
    #[inline]
    pub(crate) fn now(&self) -> StdInstant {
        #[cfg(feature = "test-util")]
        {
            // Relaxed: a reader that sees the flag takes the lock, which publishes the frozen
            // base. A reader that races the first pause reads `std`'s clock one last time,
            // as if it had come a moment earlier.
            if !self.ever_paused.load(Ordering::Relaxed) {
                return StdInstant::now();
            }
            let frozen = self.inner.lock();
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
            self.paused.load(Ordering::Relaxed)
        }
        #[cfg(not(feature = "test-util"))]
        false
    }
}

#[cfg(feature = "test-util")]
impl Clock {
    /// `time::pause()`.
    #[track_caller]
    pub(crate) fn pause(&self) {
        if !self.pause_allowed {
            panic!(
                "`time::pause()` needs a current-thread runtime (the default of `#[test]`): \
                 a multi-thread runtime cannot freeze a clock its workers are reading; build \
                 it with `Builder::start_paused(true)` instead, or use `flavor = \
                 \"current_thread\"`"
            );
        }
        self.freeze();
    }

    #[track_caller]
    fn freeze(&self) {
        let mut frozen = self.inner.lock();
        let ever_paused = self.ever_paused.load(Ordering::Relaxed);
        let now = match frozen.unfrozen {
            Some(since) => frozen.base + since.elapsed(),
            None if ever_paused => {
                drop(frozen);
                panic!("`time::pause()` called while the clock is already paused");
            }
            None => StdInstant::now(),
        };
        frozen.base = now;
        frozen.unfrozen = None;
        self.paused.store(true, Ordering::Relaxed);
        self.ever_paused.store(true, Ordering::Relaxed);
    }

    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut frozen = self.inner.lock();
        if !self.ever_paused.load(Ordering::Relaxed) || frozen.unfrozen.is_some() {
            drop(frozen);
            panic!("`time::resume()` called while the clock is not paused");
        }
        frozen.unfrozen = Some(StdInstant::now());
        self.paused.store(false, Ordering::Relaxed);
    }

    /// Moves a paused clock forward by exactly `duration`.
    #[track_caller]
    pub(crate) fn advance(&self, duration: Duration) {
        let mut frozen = self.inner.lock();
        if !self.ever_paused.load(Ordering::Relaxed) || frozen.unfrozen.is_some() {
            drop(frozen);
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
        if !self.ever_paused.load(Ordering::Relaxed) || frozen.unfrozen.is_some() {
            return false;
        }
        if target > frozen.base {
            frozen.base = target;
        }
        true
    }
}

#[cfg(all(test, feature = "test-util", not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_the_paused_clock_by_exactly_the_duration() {
        let clock = Clock::new(true, true);
        let start = clock.now();
        clock.advance(Duration::from_micros(51_592));
        assert_eq!(clock.now() - start, Duration::from_micros(51_592));
        clock.advance(Duration::from_nanos(1));
        assert_eq!(clock.now() - start, Duration::from_nanos(51_592_001));
    }

    #[test]
    fn an_unpaused_clock_is_the_system_clock_and_pausing_freezes_it_where_it_stands() {
        let clock = Clock::new(false, true);
        let before = StdInstant::now();
        let read = clock.now();
        assert!(read >= before && read <= StdInstant::now());
        clock.pause();
        let frozen = clock.now();
        assert!(frozen >= read);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), frozen);
        clock.resume();
        std::thread::sleep(Duration::from_millis(2));
        assert!(clock.now() > frozen);
    }

    #[test]
    fn pause_is_refused_where_not_allowed_but_start_paused_is_not() {
        let clock = Clock::new(false, false);
        let panic =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| clock.pause())).unwrap_err();
        let message = match panic.downcast_ref::<&str>() {
            Some(message) => message.to_string(),
            None => panic.downcast_ref::<String>().cloned().unwrap_or_default(),
        };
        assert!(message.contains("current-thread runtime"), "{message}");
        assert!(!clock.is_paused());

        let clock = Clock::new(true, false);
        assert!(clock.is_paused());
        let frozen = clock.now();
        clock.advance(Duration::from_millis(3));
        assert_eq!(clock.now() - frozen, Duration::from_millis(3));
    }
}
