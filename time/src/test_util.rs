//! Controlling the clock in tests (feature `test-util`).

use std::time::Duration;

use crate::handle::Handle;

/// Freezes the runtime's clock: [`Instant::now()`](crate::Instant::now) stands still, and
/// timers fire only when time is advanced, by [`advance`] or automatically: when the runtime
/// has nothing else to do (every worker parked, no queued task, no blocking work in flight),
/// the clock jumps to the next timer, so an hour-long sleep takes no real time.
///
/// As tokio's, only a current-thread runtime can be paused while it runs: on a multi-thread
/// runtime the workers read the clock concurrently. A multi-thread runtime can start paused
/// instead (`Builder::start_paused(true)`, or `start_paused = true` in the attributes).
///
/// # Panics
///
/// Panics outside a runtime with timers, on a multi-thread runtime, or if the clock is
/// already paused.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::time::{self, Duration, Instant};
///
/// time::pause();
/// let start = std::time::Instant::now();
/// time::sleep(Duration::from_secs(3600)).await;
/// assert!(start.elapsed() < Duration::from_secs(60), "an hour took no real time");
/// # }
/// ```
#[track_caller]
pub fn pause() {
    let handle = Handle::current();
    handle.inner.clock.pause();
    handle.align_ticks_to_clock();
}

/// Unfreezes the clock: it runs again from where it stood.
///
/// # Panics
///
/// Panics outside a runtime with timers, or if the clock is not paused.
#[track_caller]
pub fn resume() {
    let handle = Handle::current();
    handle.inner.clock.resume();
    // The driver may be sleeping with the paused clock's backstop; let it re-plan.
    handle.unpark();
}

/// Moves the paused clock forward by exactly `duration` and fires every timer that came due,
/// before returning (then yields once, so the woken tasks get to run).
///
/// [`Instant::now()`](crate::Instant::now) moves by `duration`, to the nanosecond. Timers
/// have the wheel's millisecond granularity, as tokio's: a timer's deadline is rounded up to
/// the next millisecond tick of the runtime's timeline (which starts at the paused instant
/// with `start_paused`), and the timer is due once the clock has reached that tick. So after
/// `advance(250µs)` a 1 ms sleep is still pending; after four of them it has fired.
///
/// # Panics
///
/// Panics outside a runtime with timers, or if the clock is not paused.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::time::{self, Duration};
///
/// time::pause();
/// let sleep = time::sleep(Duration::from_secs(10));
/// runtime::pin!(sleep);
/// assert!(futures_poll_once(sleep.as_mut()).await.is_pending());
/// time::advance(Duration::from_secs(10)).await;
/// assert!(sleep.is_elapsed());
/// # }
/// # async fn futures_poll_once<F: std::future::Future + Unpin>(mut f: F) -> std::task::Poll<F::Output> {
/// #     std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut f).poll(cx))).await
/// # }
/// ```
pub async fn advance(duration: Duration) {
    let handle = Handle::current();
    handle.inner.clock.advance(duration);
    handle.process();
    yield_once().await;
}

async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}
