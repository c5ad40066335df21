//! A future with a deadline, on the timer the runtime installs (see [`crate::coop`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use crate::coop::{self, TimerSleep};

pin_project! {
    /// Runs `inner` until it completes (`Some(output)`) or `sleep` fires first (`None`).
    ///
    /// The inner future is polled first, so one that is ready at once completes even with a
    /// zero timeout. If polling it spent the last of the task's budget, the sleep is still
    /// polled (unconstrained), so a timeout fires even under a budget-starving inner future.
    pub(crate) struct WithTimeout<F> {
        #[pin]
        inner: F,
        sleep: TimerSleep,
    }
}

/// `inner` with a timeout of `duration` on the current time driver.
///
/// # Panics
///
/// Panics if this thread has no timer (outside any runtime); `what` names the method for the
/// message.
#[track_caller]
pub(crate) fn with_timeout<F: Future>(what: &str, duration: Duration, inner: F) -> WithTimeout<F> {
    let Some(sleep) = coop::sleep(duration) else {
        // tokio's words first (code, and tokio's own tests, match on them), then ours.
        panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime: \
             `{what}` needs a timer, and there is no runtime on this thread to provide one: call \
             it from inside a runtime built with the time driver (`#[runtime::main]`, \
             `Runtime::block_on`, a spawned task) or after `Handle::enter()`"
        );
    };
    WithTimeout { inner, sleep }
}

impl<F: Future> Future for WithTimeout<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = this.inner.poll(cx) {
            return Poll::Ready(Some(output));
        }
        let sleep = this.sleep;
        let fired = if had_budget && !coop::has_budget_remaining() {
            coop::with_unconstrained(|| sleep.as_mut().poll(cx))
        } else {
            sleep.as_mut().poll(cx)
        };
        fired.map(|()| None)
    }
}
