//! The monitor: a thread that notices workers stuck in one poll.
//!
//! Every interval (1 ms after a stall was seen or the runtime woke up, doubling up to 10 ms
//! while nothing is stuck) the monitor samples each core's poll counter. A core whose counter
//! is odd (inside a poll) and unchanged since the previous sample has been in the same poll
//! for at least one interval: the monitor marks it stuck (`PollCounter::set_stuck_at`; the
//! protocol is in `lifo.rs`), which lets a searching worker take the task stranded in its
//! LIFO slot, and — if the stuck core has queued work — wakes a parked worker to go and take
//! it. Without this, a task woken into the LIFO slot of a worker that then blocks waits for
//! the whole blocking call (tokio #4941), because a push into the LIFO slot deliberately wakes
//! nobody.
//!
//! The monitor is also the runtime's driver thread of last resort: when nobody has turned the
//! driver for a whole interval and no worker holds it (none is parked in it), it turns the
//! driver without sleeping, so due timers and I/O events are never stuck behind workers that
//! are all busy in long polls: tokio's wedge, where the one worker holding the driver blocks
//! and nobody gets events (tokio #4730, #6315), cannot happen here. If it finds the driver
//! free while a worker is parked (that worker lost a race for the driver and sleeps on its
//! condvar), it wakes that worker, which then parks in the driver. Busy workers turn the driver themselves every
//! `event_interval` ticks, so under load the monitor stays out of the way: taking events from
//! them would hand every wake-up across threads (it cost ~10 % of hyper's requests per
//! second when the monitor turned the driver every interval regardless).
//!
//! The monitor sleeps longer while every worker is parked: nothing can be stuck then. The
//! first worker to unpark afterwards pokes it back to the short interval (one relaxed load
//! per unpark when the monitor is not in its long sleep).

use std::sync::Arc;
use std::time::Duration;

use super::handle::Handle;
use crate::loom::{AtomicBool, Condvar, Mutex, MutexGuard, Ordering::*};

/// How often a busy runtime is sampled right after a stuck core was seen (or the runtime woke
/// up): fast, to catch the next stall early.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// How often a busy runtime is sampled once nothing has been stuck for a while: each quiet
/// sample doubles the interval up to this. Waking every millisecond for good cost ~10 % of
/// hyper's requests per second on 2 cores (the monitor preempts a worker each time); a stall
/// is still caught within two of these.
const MAX_INTERVAL: Duration = Duration::from_millis(10);

/// How often an idle runtime (every worker parked) is sampled.
const IDLE_INTERVAL: Duration = Duration::from_millis(50);

/// The monitor's shutdown signal.
pub(super) struct Monitor {
    shutdown: Mutex<bool>,
    condvar: Condvar,
    /// Set while the monitor sleeps the long, idle interval.
    idle_sleep: AtomicBool,
}

impl Monitor {
    pub(super) fn new() -> Monitor {
        Monitor {
            shutdown: Mutex::new(false),
            condvar: Condvar::new(),
            idle_sleep: AtomicBool::new(false),
        }
    }

    /// Called by a worker that leaves its park: ends the monitor's idle sleep, if it is in
    /// one, so that the busy runtime is sampled at the short interval again.
    pub(super) fn worker_unparked(&self) {
        // Relaxed pre-check keeps the common case to one load; the swap makes sure only one
        // waking worker pays for the notification.
        if self.idle_sleep.load(Relaxed) && self.idle_sleep.swap(false, Relaxed) {
            let _guard = self.shutdown.lock();
            self.condvar.notify_all();
        }
    }

    /// Stops the monitor thread.
    pub(super) fn shutdown(&self) {
        *self.shutdown.lock() = true;
        self.condvar.notify_all();
    }
}

/// Runs `f` with `guard`'s lock released and returns the guard of the lock taken again:
/// parking_lot's `MutexGuard::unlocked` (an unlock and a lock, as here), which the facade's
/// loom mutex does not offer. Taking the guard by value keeps one code path for both.
fn unlocked<'a, T>(
    mutex: &'a Mutex<T>,
    guard: MutexGuard<'a, T>,
    f: impl FnOnce(),
) -> MutexGuard<'a, T> {
    drop(guard);
    f();
    mutex.lock()
}

/// Turns the driver if no worker holds it, and hands it back to a parked worker if one is
/// parked outside it.
fn turn_driver_if_free(handle: &Handle) {
    if !handle.shared.config.monitor_turns_driver {
        return;
    }
    let remotes = &handle.shared.remotes;
    if !remotes[0].unpark.turn_driver_if_free(&handle.driver) {
        return;
    }
    if let Some(index) = handle.shared.idle.some_parked(&handle.shared.synced) {
        // A spurious wake-up for it: it parks again, in the driver this time if it is free.
        remotes[index].unpark.unpark(&handle.driver);
    }
}

/// The monitor thread's body.
pub(super) fn run(handle: Arc<Handle>) {
    let monitor = &handle.shared.monitor;
    let remotes = &handle.shared.remotes;
    let mut last = vec![0u64; remotes.len()];
    handle.driver.take_turned();
    let mut interval = MIN_INTERVAL;
    let mut shutdown = monitor.shutdown.lock();
    while !*shutdown {
        if handle.shared.idle.all_parked() {
            // Set under the lock, so a waking worker's notification cannot come between this
            // store and the wait (it takes the lock to notify).
            monitor.idle_sleep.store(true, Relaxed);
            // A worker may have unparked between the check and the store: look again.
            if handle.shared.idle.all_parked() {
                monitor.condvar.wait_for(&mut shutdown, IDLE_INTERVAL);
            }
            if !*shutdown && handle.shared.idle.all_parked() {
                // Nobody to be stuck; but make sure a parked worker holds the driver.
                shutdown = unlocked(&monitor.shutdown, shutdown, || turn_driver_if_free(&handle));
                monitor.idle_sleep.store(false, Relaxed);
                continue;
            }
            monitor.idle_sleep.store(false, Relaxed);
            // Waking up from idle: sample fast again.
            interval = MIN_INTERVAL;
        } else {
            monitor.condvar.wait_for(&mut shutdown, interval);
        }
        if *shutdown {
            break;
        }
        // Turn the driver if nobody did for a whole interval and no worker holds it; the wakes
        // it causes take the shared lock, so not under ours.
        if !handle.driver.take_turned() {
            shutdown = unlocked(&monitor.shutdown, shutdown, || turn_driver_if_free(&handle));
            // The monitor's own turn does not count as someone else's.
            handle.driver.take_turned();
        }
        let mut stranded = false;
        for (remote, last) in remotes.iter().zip(last.iter_mut()) {
            let count = remote.polls.load();
            let stuck = count % 2 == 1 && count == *last;
            remote.polls.set_stuck_at(if stuck { count } else { 0 });
            if stuck && (!remote.lifo.is_empty() || !remote.steal.is_empty()) {
                stranded = true;
            }
            *last = count;
        }
        let any_stuck = remotes.iter().any(|r| r.polls.is_stuck());
        interval = if any_stuck {
            MIN_INTERVAL
        } else {
            (interval * 2).min(MAX_INTERVAL)
        };
        if stranded {
            // Waking a worker takes the shared lock; do it without holding ours.
            shutdown = unlocked(&monitor.shutdown, shutdown, || handle.notify_parked());
        }
    }
}
