//! Shared helpers for the integration tests in `tests/tests/`.
//!
//! Every scheduler-dependent test builds its runtime through [`rt`] (or [`builder`]), so that
//! when the multi-thread scheduler lands the same bodies can run on both flavors.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use runtime::runtime::{Builder, Runtime};

/// The builder every test starts from: the current-thread scheduler with every driver on.
pub fn builder() -> Builder {
    let mut builder = Builder::new_current_thread();
    builder.enable_all();
    builder
}

/// A runtime with the default settings, built from [`builder`].
pub fn rt() -> Runtime {
    builder().build().expect("building the runtime")
}

/// A current-thread runtime, for tests of behaviour specific to that scheduler (everything runs
/// on the `block_on` thread); [`rt`] is for behaviour every flavor shares.
pub fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building the runtime")
}

/// Runs `f` on a fresh thread and returns its result, failing the test if it takes longer
/// than `limit` (a hang becomes a failure instead of a stuck test run). A panic inside `f`
/// is resumed on the calling thread with its original payload.
#[track_caller]
pub fn within<T, F>(limit: Duration, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("within".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawning the watchdog thread");
    match rx.recv_timeout(limit) {
        Ok(value) => {
            let _ = thread.join();
            value
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the closure returned without sending its result"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not complete within {limit:?} (hang or starvation)")
        }
    }
}

/// Sleeps in short steps until `cond` holds, or panics after `limit`. For waiting on effects
/// that happen on other threads.
#[track_caller]
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "condition not reached within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A one-shot event another thread can fire: [`wait`](Signal::wait) completes once
/// [`fire`](Signal::fire) has been called, waking the waker it was last polled with.
#[derive(Clone, Debug, Default)]
pub struct Signal {
    inner: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl Signal {
    /// A signal that has not fired.
    pub fn new() -> Signal {
        Signal::default()
    }

    /// A future that completes once the signal has fired.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let inner = self.inner.clone();
        poll_fn(move |cx| {
            let mut inner = inner.lock().unwrap();
            if inner.0 {
                Poll::Ready(())
            } else {
                inner.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    /// Whether a [`wait`](Signal::wait) future has been polled and is waiting.
    pub fn has_waiter(&self) -> bool {
        self.inner.lock().unwrap().1.is_some()
    }

    /// Whether the signal has fired.
    pub fn is_fired(&self) -> bool {
        self.inner.lock().unwrap().0
    }

    /// Fires the signal and wakes the waiter, if any.
    pub fn fire(&self) {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            inner.0 = true;
            inner.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Fires from a new thread once a waiter is registered, after `delay`.
    pub fn fire_later(&self, delay: Duration) -> thread::JoinHandle<()> {
        let signal = self.clone();
        thread::spawn(move || {
            while !signal.has_waiter() {
                thread::sleep(Duration::from_millis(1));
            }
            thread::sleep(delay);
            signal.fire();
        })
    }
}

/// A shared counter, cloned into futures and values whose drops are counted.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    /// A counter at zero.
    pub fn new() -> Counter {
        Counter::default()
    }

    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// The current count.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// A value that adds one to this counter when dropped.
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.clone())
    }
}

/// Adds one to its counter when dropped; see [`Counter::guard`].
#[derive(Debug)]
pub struct DropGuard(Counter);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.inc();
    }
}

/// Wraps a future so that dropping it (completed or not) adds one to a counter.
#[derive(Debug)]
pub struct CountDrops<F> {
    inner: Pin<Box<F>>,
    _guard: DropGuard,
}

impl<F> CountDrops<F> {
    /// Counts the drops of `inner` on `counter`.
    pub fn new(inner: F, counter: &Counter) -> CountDrops<F> {
        CountDrops {
            inner: Box::pin(inner),
            _guard: counter.guard(),
        }
    }
}

impl<F: Future> Future for CountDrops<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.inner.as_mut().poll(cx)
    }
}

/// A future that never completes and counts its drop on `counter`.
pub fn pending_counted<T>(counter: &Counter) -> CountDrops<std::future::Pending<T>> {
    CountDrops::new(std::future::pending(), counter)
}

/// Polls `future` exactly once and reports what it returned (without waiting).
pub async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// Yields to the scheduler `n` times.
pub async fn yield_n(n: usize) {
    for _ in 0..n {
        runtime::task::yield_now().await;
    }
}

/// Panic payloads containing this marker are not printed by the panic hook that
/// [`quiet_expected_panics`] installs: tests that provoke thousands of panics on purpose tag
/// them with it to keep the output readable.
pub const EXPECTED_PANIC: &str = "[expected panic]";

/// Installs (once per process) a panic hook that stays silent for panics whose message
/// contains [`EXPECTED_PANIC`] and forwards every other panic to the default hook.
pub fn quiet_expected_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if msg.is_some_and(|m| m.contains(EXPECTED_PANIC)) {
                return;
            }
            default(info);
        }));
    });
}

/// The message of a panic payload, if it is a string.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// A generous bound for things that should happen "soon" on a loaded 2-core machine.
pub const SOON: Duration = Duration::from_secs(10);
