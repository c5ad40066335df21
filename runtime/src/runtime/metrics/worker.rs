//! One worker's counters.

use std::time::{Duration, Instant};

use crate::loom::{AtomicU64, Ordering::Relaxed};

/// The counters of one worker (one core of the multi-thread scheduler, or the
/// current-thread scheduler's one core).
///
/// Only the thread holding the core writes them; anyone may read them. A write is a
/// `Relaxed` load and store of the writer's own last value: with a single writer no update
/// can be lost, and no read-modify-write (and no cache-line ping-pong with readers that do
/// not read) is needed. Readers get a value that was current at some recent point; a reader
/// that joined the worker's thread (dropping the runtime does) sees the final one.
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    /// Times the worker went to sleep for lack of work.
    park_count: AtomicU64,
    /// Parks plus unparks: odd while the worker sleeps.
    park_unpark_count: AtomicU64,
    /// Nanoseconds spent awake (between an unpark and the next park).
    busy_duration_total: AtomicU64,
}

impl WorkerMetrics {
    pub(crate) fn new() -> WorkerMetrics {
        WorkerMetrics::default()
    }

    /// Adds `n` to a counter only the calling thread writes.
    fn add(counter: &AtomicU64, n: u64) {
        // Relaxed: single writer (the caller holds the core); readers only need some recent
        // value, and thread joins order the final one before a reader after shutdown.
        counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
    }

    /// The worker is about to sleep. Called by the core's holder only.
    pub(crate) fn about_to_park(&self) {
        Self::add(&self.park_count, 1);
        Self::add(&self.park_unpark_count, 1);
    }

    /// The worker woke up. Called by the core's holder only.
    pub(crate) fn unparked(&self) {
        Self::add(&self.park_unpark_count, 1);
    }

    /// Adds a stretch of busy time. Called by the core's holder only.
    pub(crate) fn add_busy(&self, busy: Duration) {
        Self::add(
            &self.busy_duration_total,
            u64::try_from(busy.as_nanos()).unwrap_or(u64::MAX),
        );
    }

    pub(crate) fn park_count(&self) -> u64 {
        self.park_count.load(Relaxed)
    }

    pub(crate) fn park_unpark_count(&self) -> u64 {
        self.park_unpark_count.load(Relaxed)
    }

    pub(crate) fn busy_duration_total(&self) -> Duration {
        Duration::from_nanos(self.busy_duration_total.load(Relaxed))
    }
}

/// The start of the stretch of busy time in progress; lives in the core, with its owner.
#[derive(Debug, Default)]
pub(crate) struct BusyTimer {
    since: Option<Instant>,
}

impl BusyTimer {
    /// The worker starts running tasks at `now` (it woke up, or took the core). A stretch
    /// already in progress (the core moved to another thread in `block_in_place`) goes on.
    pub(crate) fn start(&mut self, now: Instant) {
        if self.since.is_none() {
            self.since = Some(now);
        }
    }

    /// The worker stops running tasks at `now` (it is about to sleep, or gives the core
    /// back): adds the stretch to `metrics`.
    pub(crate) fn stop(&mut self, now: Instant, metrics: &WorkerMetrics) {
        if let Some(since) = self.since.take() {
            metrics.add_busy(now.saturating_duration_since(since));
        }
    }
}
