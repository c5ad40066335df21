//! `spawn_blocking`: run a blocking closure on the blocking pool.

use super::{JoinHandle, Notified, Schedule, Task};
use crate::runtime::context;

/// Runs a blocking closure on the runtime's blocking pool and returns a [`JoinHandle`] to its
/// result.
///
/// Use it for work that would stall a runtime thread: blocking I/O, synchronous libraries,
/// long computations. The pool grows up to `max_blocking_threads` threads (default 512) and
/// shrinks after `thread_keep_alive` (default 10 s) of idleness; closures beyond that wait in
/// a queue.
///
/// The closure cannot be aborted once it has started: [`JoinHandle::abort`] only prevents a
/// closure that is still queued from running. At runtime shutdown, queued closures are
/// dropped without running and `Runtime::shutdown_timeout` stops waiting for running ones.
///
/// A panic in the closure becomes a [`JoinError`](super::JoinError).
///
/// # Panics
///
/// Panics if called outside a runtime (see [`spawn`](super::spawn)).
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let sum = runtime::task::spawn_blocking(|| (1..=100u64).sum::<u64>()).await.unwrap();
/// assert_eq!(sum, 5050);
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::with_current(|handle| handle.spawn_blocking(f)) {
        Ok(join) => join,
        Err(err) => panic!(
            "`runtime::task::spawn_blocking` called outside of a runtime ({err}): call it from \
             inside a task, `Runtime::block_on` or `#[runtime::main]`, or use \
             `Runtime::spawn_blocking` / `Handle::spawn_blocking` from outside the runtime"
        ),
    }
}

/// The scheduler of blocking tasks. They belong to no owned list, and are never woken: their
/// future runs the closure to completion in its first poll.
pub(crate) struct BlockingSchedule;

impl Schedule for BlockingSchedule {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn schedule(&self, _task: Notified<Self>) {
        // A blocking task is NOTIFIED from creation until its one poll, so neither a wake nor
        // an abort ever has to schedule it.
        unreachable!("a blocking task was scheduled");
    }
}
