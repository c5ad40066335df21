//! `Timeout`, `timeout` and `timeout_at`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use runtime_sync::coop;

use crate::error::Elapsed;
use crate::handle::Handle;
use crate::sleep::Sleep;
use crate::Instant;

/// Requires `future` to complete within `duration`; `Err(Elapsed)` otherwise (and the future
/// is dropped).
///
/// A future that is ready on its first poll completes even with a zero duration.
///
/// # Panics
///
/// As [`sleep`](crate::sleep): outside a runtime, or on one without the time driver.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::time::{timeout, Duration};
///
/// let (_tx, rx) = runtime::sync::oneshot::channel::<()>();
/// let res = timeout(Duration::from_millis(10), rx).await;
/// assert!(res.is_err(), "nobody sent");
/// # }
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let (driver, now) = Handle::with_current(|h| (h.id(), h.now()));
    let deadline = Instant::from_std(now)
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Timeout::new(future.into_future(), Sleep::new(driver, deadline))
}

/// Requires `future` to complete before `deadline`; `Err(Elapsed)` otherwise.
///
/// # Panics
///
/// As [`timeout`].
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(
        future.into_future(),
        Sleep::new(Handle::with_current(Handle::id), deadline),
    )
}

pin_project! {
    /// A future with a deadline: returned by [`timeout`] and [`timeout_at`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    #[derive(Debug)]
    pub struct Timeout<T> {
        #[pin]
        value: T,
        #[pin]
        delay: Sleep,
    }
}

impl<T> Timeout<T> {
    fn new(value: T, delay: Sleep) -> Timeout<T> {
        Timeout { value, delay }
    }

    /// The inner future.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Drops the deadline and returns the inner future.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(v) = me.value.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        let mut delay = me.delay;
        let mut poll_delay = || match delay.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed::new())),
            Poll::Pending => Poll::Pending,
        };
        if had_budget && !coop::has_budget_remaining() {
            // The inner future spent the last of the budget: the deadline still gets its
            // check, or a future that keeps the task busy could never time out.
            coop::with_unconstrained(poll_delay)
        } else {
            poll_delay()
        }
    }
}
