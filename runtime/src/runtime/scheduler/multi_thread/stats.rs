//! How often a worker checks the injection queue, tuned to how long its polls take.
//!
//! A worker with local work checks the injection queue first every `global_queue_interval`
//! ticks. With a fixed interval, remote work waits `interval × poll time`: fine for short
//! polls, far too long when each poll takes tens of microseconds. Unless the builder set the
//! interval, each worker keeps a moving average of its poll time, measured per batch (from
//! an unpark or a maintenance turn to the next one, every `event_interval` ticks: no clock
//! read per poll), and sets the interval so that the queue is checked about every
//! `TARGET_INTERVAL` of polling. This is tokio's scheme, and tokio's `test_tuning` checks it.

use std::time::{Duration, Instant};

/// How much polling time should pass between two checks of the injection queue.
const TARGET_INTERVAL: Duration = Duration::from_micros(200);

/// The interval a worker starts with (the poll-time average starts where it gives this).
const INITIAL_INTERVAL: u32 = 61;

/// Bounds of the tuned interval. At least 2, or the injection queue would always go first.
const MIN_INTERVAL: u32 = 2;
const MAX_INTERVAL: u32 = 127;

/// Weight of one poll in the moving average.
const ALPHA: f64 = 0.1;

/// One worker's poll-time average and the batch being measured; lives in the core.
#[derive(Debug)]
pub(super) struct PollStats {
    /// `None`: the interval is fixed (set by the builder).
    tuning: Option<Tuning>,
    /// The interval in force.
    interval: u32,
}

#[derive(Debug)]
struct Tuning {
    /// Moving average of the poll time, in nanoseconds.
    ewma_ns: f64,
    /// When the batch began, and the core's poll counter then (two bumps per poll).
    batch: Option<(Instant, u64)>,
}

impl PollStats {
    /// `fixed`: the builder's interval, if it set one.
    pub(super) fn new(fixed: Option<u32>) -> PollStats {
        match fixed {
            Some(interval) => PollStats {
                tuning: None,
                interval,
            },
            None => PollStats {
                tuning: Some(Tuning {
                    ewma_ns: TARGET_INTERVAL.as_nanos() as f64 / f64::from(INITIAL_INTERVAL),
                    batch: None,
                }),
                interval: INITIAL_INTERVAL,
            },
        }
    }

    /// The number of ticks between checks of the injection queue.
    pub(super) fn global_queue_interval(&self) -> u32 {
        self.interval
    }

    /// Whether the interval is tuned (and batches need a clock reading).
    pub(super) fn is_tuning(&self) -> bool {
        self.tuning.is_some()
    }

    /// A batch of polls begins at `now`, with the core's poll counter at `polls`.
    pub(super) fn start_batch(&mut self, now: Instant, polls: u64) {
        if let Some(tuning) = &mut self.tuning {
            tuning.batch = Some((now, polls));
        }
    }

    /// The batch ends at `now`, with the poll counter at `polls`: fold it into the average
    /// and re-tune the interval.
    pub(super) fn end_batch(&mut self, now: Instant, polls: u64) {
        let Some(tuning) = &mut self.tuning else {
            return;
        };
        let Some((start, start_polls)) = tuning.batch.take() else {
            return;
        };
        // The counter is bumped before and after each poll.
        let n = polls.wrapping_sub(start_polls) / 2;
        if n == 0 {
            return;
        }
        let n = n as f64;
        let mean_ns = now.saturating_duration_since(start).as_nanos() as f64 / n;
        // As if each of the `n` polls had been folded in one at a time with weight ALPHA.
        let weight = 1.0 - (1.0 - ALPHA).powf(n);
        tuning.ewma_ns = weight * mean_ns + (1.0 - weight) * tuning.ewma_ns;
        let target = TARGET_INTERVAL.as_nanos() as f64;
        // `as` saturates (and maps NaN to 0), then the clamp bounds it.
        self.interval =
            ((target / tuning.ewma_ns.max(1.0)) as u32).clamp(MIN_INTERVAL, MAX_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_polls_shorten_the_interval_and_fast_ones_lengthen_it() {
        let mut stats = PollStats::new(None);
        assert_eq!(stats.global_queue_interval(), INITIAL_INTERVAL);
        let t0 = Instant::now();
        // 61 polls of 100 µs each.
        stats.start_batch(t0, 0);
        stats.end_batch(t0 + Duration::from_micros(6_100), 122);
        assert_eq!(stats.global_queue_interval(), MIN_INTERVAL);
        // Then many polls of 100 ns.
        for i in 0..10u64 {
            let start = t0 + Duration::from_millis(10 + i);
            stats.start_batch(start, 0);
            stats.end_batch(start + Duration::from_micros(100), 2_000);
        }
        assert_eq!(stats.global_queue_interval(), MAX_INTERVAL);
    }

    #[test]
    fn a_fixed_interval_is_not_tuned() {
        let mut stats = PollStats::new(Some(5));
        let t0 = Instant::now();
        stats.start_batch(t0, 0);
        stats.end_batch(t0 + Duration::from_secs(1), 2);
        assert_eq!(stats.global_queue_interval(), 5);
        assert!(!stats.is_tuning());
    }
}
