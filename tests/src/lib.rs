//! Shared helpers for the integration tests in `tests/tests/`.
//!
//! Every scheduler-dependent test is written once, inside [`both_flavors!`], and runs on the
//! current-thread runtime and on a two-worker multi-thread runtime. Inside such a test,
//! `rt()` and `builder()` build the runtime of the flavor under test and `FLAVOR` says which
//! one it is, for the few assertions that only hold on one of them.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use runtime::runtime::{Builder, Handle, Runtime, RuntimeFlavor};

/// The number of workers of the multi-thread runtime the tests build.
pub const WORKERS: usize = 2;

/// The scheduler a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `Builder::new_current_thread()`: every task runs on the thread in `block_on`.
    CurrentThread,
    /// `Builder::new_multi_thread().worker_threads(WORKERS)`: tasks run on the workers.
    MultiThread,
}

impl Flavor {
    /// Both flavors, for tests that loop over them.
    pub const ALL: [Flavor; 2] = [Flavor::CurrentThread, Flavor::MultiThread];

    /// A builder of this flavor with every driver on (and, for the multi-thread runtime,
    /// [`WORKERS`] workers).
    pub fn builder(self) -> Builder {
        let mut builder = match self {
            Flavor::CurrentThread => Builder::new_current_thread(),
            Flavor::MultiThread => {
                let mut builder = Builder::new_multi_thread();
                builder.worker_threads(WORKERS);
                builder
            }
        };
        builder.enable_all();
        builder
    }

    /// A runtime of this flavor with the default settings, built from [`builder`](Self::builder).
    pub fn rt(self) -> Runtime {
        self.builder().build().expect("building the runtime")
    }

    /// What `Handle::runtime_flavor` reports for this flavor.
    pub fn runtime_flavor(self) -> RuntimeFlavor {
        match self {
            Flavor::CurrentThread => RuntimeFlavor::CurrentThread,
            Flavor::MultiThread => RuntimeFlavor::MultiThread,
        }
    }

    /// Whether tasks run on worker threads (in parallel with `block_on`'s future).
    pub fn is_multi_thread(self) -> bool {
        self == Flavor::MultiThread
    }

    /// How many threads of the blocking pool the scheduler itself occupies for the runtime's
    /// whole life: none on the current-thread runtime; on the multi-thread runtime, the
    /// [`WORKERS`] workers and the monitor that finds workers stuck in one poll. They get the
    /// builder's thread name and run its `on_thread_start` / `on_thread_stop` hooks.
    pub fn scheduler_threads(self) -> usize {
        match self {
            Flavor::CurrentThread => 0,
            Flavor::MultiThread => WORKERS + 1,
        }
    }
}

/// Writes a test once and runs it on both flavors.
///
/// ```ignore
/// both_flavors! {
///     /// Docs and attributes (`#[should_panic]`, `#[ignore]`) apply to both.
///     fn spawned_task_runs() {
///         let rt = rt();
///         assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
///     }
/// }
/// ```
///
/// expands to `mod spawned_task_runs { #[test] fn current_thread() {..} #[test] fn
/// multi_thread() {..} }`. Inside the body (and the closures and items it defines), `rt()`
/// and `builder()` build a runtime of the flavor under test, `FLAVOR` is that flavor, and
/// `TEST_NAME` is the test's full name (for tests that re-run themselves in a child process).
/// The module sees the file's items through `use super::*`.
#[macro_export]
macro_rules! both_flavors {
    ($(
        $(#[$meta:meta])*
        fn $name:ident() $body:block
    )*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            #[test]
            fn current_thread() {
                $crate::__flavor_test_items!(CurrentThread, $name, current_thread);
                $body
            }

            $(#[$meta])*
            #[test]
            fn multi_thread() {
                $crate::__flavor_test_items!(MultiThread, $name, multi_thread);
                $body
            }
        }
    )*};
}

/// The items `both_flavors!` puts in scope of each test body.
#[doc(hidden)]
#[macro_export]
macro_rules! __flavor_test_items {
    ($flavor:ident, $name:ident, $test:ident) => {
        #[allow(dead_code)]
        const FLAVOR: $crate::Flavor = $crate::Flavor::$flavor;
        #[allow(dead_code)]
        const TEST_NAME: &str = concat!(stringify!($name), "::", stringify!($test));
        #[allow(dead_code)]
        fn rt() -> ::runtime::runtime::Runtime {
            FLAVOR.rt()
        }
        #[allow(dead_code)]
        fn builder() -> ::runtime::runtime::Builder {
            FLAVOR.builder()
        }
    };
}

/// A current-thread runtime, for tests of behaviour specific to that scheduler (everything runs
/// on the `block_on` thread), and for awaiting handles on a fresh runtime.
///
/// (Not called `current_thread`: that is the name of the test functions `both_flavors!`
/// generates, which would shadow it inside the test modules.)
pub fn current_thread_rt() -> Runtime {
    Flavor::CurrentThread.rt()
}

/// A multi-thread runtime with [`WORKERS`] workers, for tests of behaviour specific to it.
pub fn multi_thread_rt() -> Runtime {
    Flavor::MultiThread.rt()
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

/// Wraps a future so that each of its polls, once it has returned, adds one to a counter:
/// when the count is at least one, the future has registered its waker wherever it waits.
#[derive(Debug)]
pub struct PollCounted<F> {
    inner: Pin<Box<F>>,
    polls: Counter,
}

impl<F> PollCounted<F> {
    /// Counts the polls of `inner` on `polls`.
    pub fn new(inner: F, polls: &Counter) -> PollCounted<F> {
        PollCounted {
            inner: Box::pin(inner),
            polls: polls.clone(),
        }
    }
}

impl<F: Future> Future for PollCounted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let res = self.inner.as_mut().poll(cx);
        self.polls.inc();
        res
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

/// Yields until `cond` holds, and panics if it does not come to hold soon enough.
///
/// On the current-thread runtime the scheduler runs the other tasks between two yields, so
/// `cond` must hold within `max_yields` yields. On the multi-thread runtime the other tasks
/// run on the workers, in their own time: there the bound is [`SOON`].
pub async fn yield_until(flavor: Flavor, max_yields: usize, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    let mut yields = 0;
    while !cond() {
        match flavor {
            Flavor::CurrentThread => assert!(
                yields < max_yields,
                "condition not reached after {max_yields} yields"
            ),
            Flavor::MultiThread => assert!(
                start.elapsed() < SOON,
                "condition not reached within {SOON:?}"
            ),
        }
        runtime::task::yield_now().await;
        yields += 1;
    }
}

/// Gives the other tasks a chance to run before a check that nothing (more) happened: a few
/// yields, and on the multi-thread runtime also a short sleep of this (non-worker) thread so
/// that the workers get to run whatever they have.
pub async fn settle(flavor: Flavor) {
    yield_n(5).await;
    if flavor.is_multi_thread() {
        thread::sleep(Duration::from_millis(20));
        yield_n(5).await;
    }
}

/// Keeps every worker of a multi-thread runtime inside a poll (blocked) until released, so
/// that nothing else runs meanwhile; see [`hold_workers`].
#[derive(Debug)]
pub struct HeldWorkers {
    release: Arc<AtomicBool>,
}

impl HeldWorkers {
    /// Lets the workers go.
    pub fn release(self) {}
}

impl Drop for HeldWorkers {
    fn drop(&mut self) {
        self.release.store(true, Ordering::SeqCst);
    }
}

/// On a multi-thread runtime, blocks each of its [`WORKERS`] workers in the poll of a task of
/// its own until the returned guard is released (or dropped, or [`SOON`] has passed), and
/// returns once all of them are held: until then no other task can start. On a current-thread
/// runtime tasks only run inside `block_on` anyway, and this does nothing.
///
/// Call it from outside the runtime or from `block_on` (never from a task).
pub fn hold_workers(handle: &Handle, flavor: Flavor) -> HeldWorkers {
    let release = Arc::new(AtomicBool::new(false));
    if flavor.is_multi_thread() {
        let started = Arc::new(AtomicUsize::new(0));
        for _ in 0..WORKERS {
            let (started, release) = (started.clone(), release.clone());
            drop(handle.spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                let start = Instant::now();
                while !release.load(Ordering::SeqCst) && start.elapsed() < SOON {
                    thread::sleep(Duration::from_millis(1));
                }
            }));
        }
        wait_until(SOON, || started.load(Ordering::SeqCst) == WORKERS);
    }
    HeldWorkers { release }
}

/// Runs `future` to completion on this thread with the simplest possible executor (a waker
/// that unparks the thread): no runtime, no budget. For checking that something works under
/// any executor.
pub fn block_on_plain<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);

    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}
