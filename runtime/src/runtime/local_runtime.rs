//! `LocalRuntime`: a current-thread runtime that never leaves its thread, so `spawn_local`
//! works on it directly.
//!
//! It is a current-thread [`Runtime`] with a [`LocalSet`] built in. `block_on` keeps the set
//! entered for its whole duration, so every task of the runtime (they all run on this
//! thread) can call [`spawn_local`](crate::task::spawn_local), and drives the set inside
//! the future it blocks on.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

use super::{EnterGuard, Handle, Runtime};
use crate::task::local_set::LocalRuntimeRegistration;
use crate::task::{JoinHandle, LocalSet};

/// Options for [`Builder::build_local`](super::Builder::build_local); none yet, kept for
/// tokio's signature.
///
/// Like tokio's, it is neither `Send` nor `Sync`, so that options bound to the building
/// thread can be added later.
#[derive(Debug, Default, Clone)]
#[non_exhaustive]
pub struct LocalOptions {
    _not_send_or_sync: std::marker::PhantomData<*mut ()>,
}

/// A current-thread runtime bound to the thread that built it, which runs `!Send` tasks.
///
/// Build one with [`Builder::build_local`](super::Builder::build_local) or
/// [`LocalRuntime::new`], or use `#[runtime::main(flavor = "local")]`. Besides everything a
/// current-thread [`Runtime`] does, it runs `!Send` futures: spawn them with
/// [`spawn_local`](Self::spawn_local) from outside, or with
/// [`task::spawn_local`](crate::task::spawn_local) from any task on it. Like its tasks, the
/// runtime itself is `!Send`. Tokio's `LocalRuntime` is unstable; this one is stable.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let rt = runtime::runtime::LocalRuntime::new().unwrap();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// rt.block_on(async {
///     let mut tasks = Vec::new();
///     for i in 0..3 {
///         let log = log.clone();
///         tasks.push(runtime::task::spawn_local(async move { log.borrow_mut().push(i) }));
///     }
///     for task in tasks {
///         task.await.unwrap();
///     }
/// });
/// assert_eq!(*log.borrow(), [0, 1, 2]);
/// ```
pub struct LocalRuntime {
    /// Lets `spawn_local` find `local` under this runtime's context on this thread.
    _registration: LocalRuntimeRegistration,
    local: LocalSet,
    /// `None` only inside `shutdown_timeout`.
    rt: Option<Runtime>,
    _not_send: PhantomData<*const ()>,
}

impl LocalRuntime {
    pub(super) fn from_runtime(rt: Runtime, _options: LocalOptions) -> LocalRuntime {
        let local = LocalSet::new();
        LocalRuntime {
            _registration: LocalRuntimeRegistration::new(rt.handle().id(), &local),
            local,
            rt: Some(rt),
            _not_send: PhantomData,
        }
    }

    /// A local runtime with every driver enabled.
    ///
    /// # Errors
    ///
    /// Returns the operating system's error if a driver cannot be created.
    pub fn new() -> std::io::Result<LocalRuntime> {
        super::Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    fn rt(&self) -> &Runtime {
        self.rt
            .as_ref()
            .expect("the runtime is only taken out by `shutdown_timeout`, which consumes it")
    }

    /// Runs `future` to completion on this thread, running the runtime's tasks (local ones
    /// included) meanwhile. See [`Runtime::block_on`].
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _local = self.local.enter();
        self.rt().block_on(self.local.run_until(future))
    }

    /// Spawns a `!Send` future on this runtime. It runs while a thread is inside
    /// [`block_on`](Self::block_on).
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn_local(future)
    }

    /// Spawns a `Send` future on this runtime; see [`Runtime::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt().spawn(future)
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`Runtime::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt().spawn_blocking(func)
    }

    /// A handle to the runtime. Through it, other threads can spawn `Send` tasks on it.
    pub fn handle(&self) -> &Handle {
        self.rt().handle()
    }

    /// A view of the runtime's metrics; see [`RuntimeMetrics`](super::RuntimeMetrics).
    pub fn metrics(&self) -> super::RuntimeMetrics {
        self.rt().metrics()
    }

    /// Enters the runtime's context until the guard is dropped; see [`Runtime::enter`]. On
    /// this thread, [`spawn_local`](crate::task::spawn_local) then spawns on this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::LocalRuntime::new().unwrap();
    /// let _guard = rt.enter();
    /// let task = runtime::task::spawn_local(async { std::rc::Rc::new(5) });
    /// assert_eq!(*rt.block_on(task).unwrap(), 5);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt().enter()
    }

    /// Shuts the runtime down, waiting at most `duration` for blocking work; see
    /// [`Runtime::shutdown_timeout`]. Local tasks are cancelled first, on this thread.
    #[track_caller]
    pub fn shutdown_timeout(mut self, duration: Duration) {
        self.close_local();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(duration);
        }
    }

    /// Shuts the runtime down without waiting for blocking work; see
    /// [`Runtime::shutdown_background`].
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// Cancels the local tasks inside the runtime's context, so that their destructors see
    /// the runtime.
    fn close_local(&self) {
        let _guard = self.rt.as_ref().map(Runtime::enter);
        self.local.close();
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        self.close_local();
    }
}

// As `Runtime`. As tokio.
impl std::panic::UnwindSafe for LocalRuntime {}
impl std::panic::RefUnwindSafe for LocalRuntime {}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime")
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}
