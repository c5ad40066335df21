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
//! multi-thread worker — by that worker when the poll returns. Closures queued on the
//! blocking pool are cancelled too. The drop then waits for the workers and for the blocking
//! closures that are running. [`Runtime::shutdown_timeout`] bounds that wait and
//! [`Runtime::shutdown_background`] skips it. Tasks spawned while the runtime shuts down are
//! cancelled at once; their `JoinHandle`s report it.

mod blocking;
mod builder;
pub(crate) mod context;
mod driver;
mod handle;
mod local_runtime;
mod park;
mod parker;
mod rt;
pub(crate) mod scheduler;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use rt::Runtime;

/// Whether `err` means the runtime an operation needed has shut down: for example a socket
/// whose runtime was dropped returns such an error from every later wait.
///
/// ```
/// let rt = runtime::runtime::Runtime::new().unwrap();
/// let listener = rt.block_on(runtime::net::TcpListener::bind("127.0.0.1:0")).unwrap();
/// drop(rt);
/// let other = runtime::runtime::Runtime::new().unwrap();
/// let err = other.block_on(listener.accept()).unwrap_err();
/// assert!(runtime::runtime::is_rt_shutdown_err(&err));
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
