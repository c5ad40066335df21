//! A minimal executor of the tests' own: no runtime, just polling with wakers the tests can
//! inspect.

#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// A waker that counts its wakes.
#[derive(Default)]
pub struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A future under test, polled by hand with its own counting waker.
pub struct Task<F> {
    future: Pin<Box<F>>,
    waker: Arc<CountingWaker>,
}

impl<F: Future> Task<F> {
    pub fn new(future: F) -> Task<F> {
        Task {
            future: Box::pin(future),
            waker: Arc::new(CountingWaker::default()),
        }
    }

    /// Polls once.
    pub fn poll(&mut self) -> Poll<F::Output> {
        let waker = Waker::from(self.waker.clone());
        let mut cx = Context::from_waker(&waker);
        self.future.as_mut().poll(&mut cx)
    }

    /// Polls once and expects `Pending`.
    #[track_caller]
    pub fn pending(&mut self) {
        assert!(self.poll().is_pending(), "expected Pending");
    }

    /// Polls once and expects `Ready`, returning the output.
    #[track_caller]
    pub fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("expected Ready"),
        }
    }

    /// How many times the future's waker was woken.
    pub fn wakes(&self) -> usize {
        self.waker.wakes.load(SeqCst)
    }

    /// Whether it was woken since the test last looked (resets the count).
    pub fn was_woken(&self) -> bool {
        self.waker.wakes.swap(0, SeqCst) > 0
    }
}

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread, parking between polls.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}
