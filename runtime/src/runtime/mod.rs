//! The runtime: building it, entering it, shutting it down.
//!
//! A [`Runtime`] bundles a task scheduler, the resource driver its threads park in, and a
//! pool of threads for blocking work. Build one with a [`Builder`] (or `#[runtime::main]`),
//! drive it with [`Runtime::block_on`], and reach it from anywhere inside through a
//! [`Handle`].
//!
//! # Shutdown
//!
//! Dropping a `Runtime` cancels every task that is still alive, each task's future dropped
//! exactly once: on the dropping thread, or — for a task in the middle of a poll on a
//! multi-thread worker — by that worker when the poll returns. `spawn_blocking` closures
//! still waiting for a free blocking thread are cancelled too (one that was given a thread
//! counts as started and runs). The drop then waits for the workers and for the blocking
//! closures that are running. [`Runtime::shutdown_timeout`] bounds that wait and
//! [`Runtime::shutdown_background`] skips it. Tasks spawned while the runtime shuts down are
//! cancelled at once; their `JoinHandle`s report it.

mod blocking;
mod builder;
mod config;
pub(crate) mod context;
mod driver;
mod handle;
mod id;
mod local_runtime;
mod metrics;
mod park;
mod parker;
mod rt;
pub(crate) mod scheduler;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use id::Id;
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use metrics::RuntimeMetrics;
pub use rt::Runtime;

/// Returns `true` if `err` is the error an I/O resource (a socket, a listener, stdio) returns
/// because the runtime it belongs to has shut down, and not an error of the operating system.
///
/// Such an error means "stop": retrying cannot succeed. Any other error, even one with the
/// same text wrapped inside, is not one.
///
/// # Examples
///
/// ```
/// use runtime::net::TcpListener;
/// use runtime::runtime::{is_rt_shutdown_err, Builder};
///
/// let rt1 = Builder::new_current_thread().enable_all().build().unwrap();
/// let rt2 = Builder::new_current_thread().enable_all().build().unwrap();
/// let listener = rt1.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
/// drop(rt1);
/// rt2.block_on(async {
///     let err = listener.accept().await.unwrap_err();
///     assert!(is_rt_shutdown_err(&err));
/// });
/// assert!(!is_rt_shutdown_err(&std::io::Error::other("disk full")));
/// ```
pub fn is_rt_shutdown_err(err: &std::io::Error) -> bool {
    runtime_net::driver::is_shutdown_error(err)
}

/// The kind of scheduler a runtime uses; see [`Handle::runtime_flavor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Every task runs on the thread that calls `block_on`.
    CurrentThread,
    /// Tasks run on a pool of worker threads that steal work from each other.
    MultiThread,
}

/// The index of the worker thread this is called on, or `None` off the runtime's workers.
///
/// Indices run from 0 to `num_workers - 1` and match those of
/// [`RuntimeMetrics`]. On the multi-thread runtime the
/// thread that calls `block_on` and the blocking pool's threads are not workers: `None`.
/// On the current-thread runtime the thread that drives the scheduler (inside
/// `Runtime::block_on`, or a local runtime's `block_on`) is worker 0; another thread in
/// `block_on` at the same time, waiting for its turn, is not.
///
/// A task may move between workers at an `.await`, so the answer can change across one.
///
/// # Examples
///
/// ```
/// let rt = runtime::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .build()
///     .unwrap();
/// let index = rt.block_on(rt.spawn(async { runtime::runtime::worker_index() }));
/// assert!(index.unwrap().unwrap() < 2);
/// assert_eq!(runtime::runtime::worker_index(), None);
/// ```
pub fn worker_index() -> Option<usize> {
    context::with_scheduler(|cx| match cx? {
        scheduler::Context::CurrentThread(_) => Some(0),
        scheduler::Context::MultiThread(cx) => Some(cx.worker_index()),
    })
}
