//! `yield_now`: let the other tasks run.

use std::future::poll_fn;
use std::task::Poll;

/// Yields to the scheduler: the current task goes to the back of its run queue and the tasks
/// already waiting run first.
///
/// The task does not wait for anything in particular; it is polled again after the tasks
/// queued before it. Under a foreign executor it behaves the same way (it wakes itself and
/// returns `Pending` once).
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let other = runtime::spawn(async { "other ran" });
/// // Lets the spawned task run on this single-threaded runtime.
/// runtime::task::yield_now().await;
/// assert!(other.is_finished());
/// # });
/// ```
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        // A wake during the task's own poll reschedules it behind the queued tasks once the
        // poll returns (see `Schedule::yield_now`).
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
