//! `Runtime`: owns the scheduler, the driver and the blocking pool.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::blocking::BlockingPool;
use super::context;
use super::scheduler::current_thread::CurrentThread;
use super::scheduler::multi_thread::MultiThread;
use super::{Builder, EnterGuard, Handle};
use crate::task::spawn::BOX_FUTURE_THRESHOLD;
use crate::task::JoinHandle;

/// The runtime: a task scheduler, the driver its threads park in, and a blocking pool.
///
/// Build one with [`Builder`] (or [`Runtime::new`]), run a future to completion with
/// [`block_on`](Self::block_on), and let it go with `drop`,
/// [`shutdown_timeout`](Self::shutdown_timeout) or
/// [`shutdown_background`](Self::shutdown_background).
///
/// # Examples
///
/// ```
/// use runtime::runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = runtime::spawn(async { 21 * 2 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime {
    scheduler: Scheduler,
    handle: Handle,
    blocking_pool: BlockingPool,
}

/// The scheduler a runtime runs.
pub(crate) enum Scheduler {
    CurrentThread(CurrentThread),
    MultiThread(MultiThread),
}

impl Runtime {
    pub(super) fn from_parts(
        scheduler: Scheduler,
        handle: Handle,
        blocking_pool: BlockingPool,
    ) -> Runtime {
        Runtime {
            scheduler,
            handle,
            blocking_pool,
        }
    }

    /// Creates a multi-thread runtime with the default settings (one worker per CPU) and
    /// every driver enabled.
    ///
    /// # Errors
    ///
    /// Returns the operating system's error if a driver cannot be created.
    pub fn new() -> std::io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// Runs `future` to completion on this thread.
    ///
    /// On a multi-thread runtime the worker threads run the spawned tasks while this thread
    /// waits. On a current-thread runtime this thread drives the scheduler, so the runtime's
    /// tasks run here too; if several threads call `block_on` on it, one drives the scheduler
    /// at a time and the others only poll their own future until it is their turn.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime (a task, or another `block_on`): that
    /// would block a thread that drives other tasks. `.await` the future instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Runtime::new().unwrap();
    /// let out = rt.block_on(async { "done" });
    /// assert_eq!(out, "done");
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if std::mem::size_of::<F>() > BOX_FUTURE_THRESHOLD {
            self.block_on_inner(Box::pin(future))
        } else {
            self.block_on_inner(future)
        }
    }

    #[track_caller]
    fn block_on_inner<F: Future>(&self, future: F) -> F::Output {
        let _enter = self.enter();
        match &self.scheduler {
            Scheduler::CurrentThread(exec) => exec.block_on(&self.handle.inner, future),
            Scheduler::MultiThread(exec) => exec.block_on(&self.handle.inner, future),
        }
    }

    /// Spawns a task on this runtime; see [`spawn`](crate::spawn). Works from any thread.
    ///
    /// On the current-thread runtime the task runs the next time a thread is inside
    /// [`block_on`](Self::block_on).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`spawn_blocking`](crate::task::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(func)
    }

    /// A view of the runtime's metrics; see [`RuntimeMetrics`](super::RuntimeMetrics).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 2);
    /// ```
    pub fn metrics(&self) -> super::RuntimeMetrics {
        self.handle.metrics()
    }

    /// A handle to this runtime, to clone and send to other threads.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Enters the runtime's context on this thread until the guard is dropped; see
    /// [`Handle::enter`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// // `spawn` now finds the runtime.
    /// let task = runtime::spawn(async { 1 });
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts the runtime down, waiting at most `duration` for work that is still running.
    ///
    /// Before this returns, every task that is not in the middle of a poll is cancelled (its
    /// future dropped, on this thread), and so are `spawn_blocking` closures still waiting for
    /// a free blocking thread (one that was given a thread counts as started). A task in the
    /// middle of a poll on a multi-thread worker is cancelled when that poll returns; this
    /// waits up to `duration` for that, and for blocking closures that are running. Whatever is still running after `duration` is left to finish on its own
    /// thread.
    ///
    /// # Panics
    ///
    /// Panics if `duration` is not zero and this is called from inside an async context,
    /// where waiting would stall a runtime thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = runtime::runtime::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(Duration::from_secs(2)));
    /// // Returns after ~10 ms, not 2 s.
    /// rt.shutdown_timeout(Duration::from_millis(10));
    /// ```
    #[track_caller]
    pub fn shutdown_timeout(mut self, duration: Duration) {
        // Stop the blocking pool from starting queued closures first: worker threads that
        // return to it while the scheduler shuts down must not pick them up.
        self.blocking_pool.begin_shutdown();
        self.shutdown_scheduler();
        self.blocking_pool.shutdown(Some(duration));
    }

    /// Shuts the runtime down without waiting for blocking closures; equivalent to
    /// `shutdown_timeout(Duration::ZERO)`. Allowed inside an async context.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// Cancels every task and stops the driver. Runs once; later calls find nothing to do.
    fn shutdown_scheduler(&mut self) {
        // Cancel tasks inside this runtime's context, so a destructor that spawns reaches
        // this (closed) runtime rather than failing or finding another one.
        let _guard = context::try_set_current(&self.handle.inner);
        match &mut self.scheduler {
            Scheduler::CurrentThread(exec) => exec.shutdown(&self.handle.inner),
            Scheduler::MultiThread(exec) => exec.shutdown(&self.handle.inner),
        }
    }
}

// A panic that unwinds out of `block_on` (from the future, or a misuse the runtime reports by
// panicking) leaves the runtime consistent: user code runs outside every internal lock and
// panics in tasks are contained. So a `&Runtime` may cross `catch_unwind`, as tokio's may.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.blocking_pool.begin_shutdown();
        self.shutdown_scheduler();
        // The blocking pool's own drop waits for its threads (and refuses to inside an async
        // context).
        self.blocking_pool.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.handle.runtime_flavor())
            .finish_non_exhaustive()
    }
}
