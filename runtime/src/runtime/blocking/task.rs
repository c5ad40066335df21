//! The future that wraps a blocking closure.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use runtime_sync::coop;

/// Runs a closure to completion in its first poll.
pub(super) struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> BlockingTask<F> {
    pub(super) fn new(func: F) -> BlockingTask<F> {
        BlockingTask { func: Some(func) }
    }
}

// The closure is never pinned: it is moved out before it runs.
impl<F> Unpin for BlockingTask<F> {}

impl<F, R> Future for BlockingTask<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self
            .func
            .take()
            .expect("a blocking task was polled after it completed");
        // Blocking code owns its thread: no cooperative budget applies.
        Poll::Ready(coop::with_unconstrained(func))
    }
}
