//! `Interval`, `interval` and `interval_at`.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::handle::Handle;
use crate::sleep::Sleep;
use crate::Instant;

/// A stream of ticks every `period`, the first one immediately.
///
/// # Panics
///
/// Panics if `period` is zero, or as [`sleep`](crate::sleep) outside a runtime.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::time::{interval, Duration, Instant};
///
/// let start = Instant::now();
/// let mut ticks = interval(Duration::from_millis(5));
/// ticks.tick().await; // immediately
/// ticks.tick().await; // 5 ms after the first
/// ticks.tick().await; // 10 ms after the first
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # }
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    let (driver, start) = Handle::with_current(|h| (h.id(), Instant::from_std(h.now())));
    Interval::new(driver, start, period)
}

/// A stream of ticks every `period`, the first one at `start`.
///
/// # Panics
///
/// As [`interval`].
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    Interval::new(Handle::with_current(Handle::id), start, period)
}

/// What an [`Interval`] does when ticks were missed (the task was late to call `tick`).
///
/// With `period` 10 ms and ticks due at 10, 20, 30 ms, and the task coming back at 35 ms:
///
/// * `Burst` (the default): ticks at 35, 35, then 40, 50 …: the missed ticks fire at once, and
///   the schedule keeps its original phase.
/// * `Delay`: ticks at 35, then 45, 55 …: the schedule restarts from now.
/// * `Skip`: ticks at 35, then 40, 50 …: missed ticks are dropped, the phase is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks as fast as they are asked for, then go on at the old phase.
    #[default]
    Burst,
    /// Restart the schedule `period` after the late tick.
    Delay,
    /// Skip the missed ticks; the next tick is the next one on the old schedule.
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick that was due at `due` and is taken at `now` (late).
    fn next_deadline(self, due: Instant, now: Instant, period: Duration) -> Instant {
        let next = match self {
            MissedTickBehavior::Burst => due.checked_add(period),
            MissedTickBehavior::Delay => now.checked_add(period),
            MissedTickBehavior::Skip => {
                let late = now.saturating_duration_since(due).as_nanos();
                let into_period = (late % period.as_nanos()) as u64;
                (now - Duration::from_nanos(into_period)).checked_add(period)
            }
        };
        // A period too long to add is "never".
        next.unwrap_or_else(Instant::far_future)
    }
}

/// Ticks at a fixed period: returned by [`interval`] and [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    fn new(driver: u64, start: Instant, period: Duration) -> Interval {
        Interval {
            delay: Box::pin(Sleep::new(driver, start)),
            period,
            missed_tick_behavior: MissedTickBehavior::default(),
        }
    }

    /// Completes at the next tick, returning the instant it was due.
    ///
    /// Cancel-safe: dropping the future before it completes loses no tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; wakes `cx`'s waker when it is due.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.as_mut().poll_elapsed(cx));
        let due = self.delay.deadline();
        let now = Instant::now();
        // Up to 5 ms late counts as on time (as tokio's): ordinary scheduling delay must not
        // shift a `Delay` or `Skip` schedule.
        let next = if now > due + Duration::from_millis(5) {
            self.missed_tick_behavior
                .next_deadline(due, now, self.period)
        } else {
            due.checked_add(self.period)
                .unwrap_or_else(Instant::far_future)
        };
        // Filed again by the next poll, not now: a task that does not come back for the
        // next tick is not woken for it (as tokio's).
        self.delay.as_mut().reset_unfiled(next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is `period` from now.
    pub fn reset(&mut self) {
        let next = Instant::now()
            .checked_add(self.period)
            .unwrap_or_else(Instant::far_future);
        self.delay.as_mut().reset(next);
    }

    /// The next tick is now.
    pub fn reset_immediately(&mut self) {
        self.delay.as_mut().reset(Instant::now());
    }

    /// The next tick is `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        let next = Instant::now()
            .checked_add(after)
            .unwrap_or_else(Instant::far_future);
        self.delay.as_mut().reset(next);
    }

    /// The next tick is at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens when ticks are missed (default [`MissedTickBehavior::Burst`]).
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what happens when ticks are missed.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}
