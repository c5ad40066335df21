//! `Handle`: a cheap reference to a runtime, usable from any thread.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use runtime_sync::coop;

use super::context::{self, SetCurrentGuard};
use super::{park, scheduler, RuntimeFlavor};
use crate::task::JoinHandle;

/// A handle to a runtime: spawns tasks on it and enters its context from any thread.
///
/// Cloning is cheap. A handle does not keep the runtime running: once the [`Runtime`] is
/// dropped, tasks spawned through its handles are cancelled at once.
///
/// [`Runtime`]: super::Runtime
///
/// # Examples
///
/// ```
/// use runtime::runtime::{Builder, Handle};
///
/// let rt = Builder::new_current_thread().build().unwrap();
/// let handle = rt.handle().clone();
///
/// // Spawn from a plain thread.
/// let join = std::thread::spawn(move || handle.spawn(async { 2 + 2 }))
///     .join()
///     .unwrap();
/// assert_eq!(rt.block_on(join).unwrap(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// Keeps a runtime's context entered on this thread; returned by [`Handle::enter`] and
/// [`Runtime::enter`](super::Runtime::enter).
///
/// Guards must be dropped in the reverse order of their creation.
#[derive(Debug)]
#[must_use = "the runtime context is left as soon as the guard is dropped"]
pub struct EnterGuard<'a> {
    _guard: Option<SetCurrentGuard>,
    _handle_lifetime: PhantomData<&'a Handle>,
}

// SAFETY: an `EnterGuard` has no `&self` method but `Debug`, which reads none of its fields
// (see `SetCurrentGuard`'s `Debug`, which prints only the type's name) beyond the `Option`'s
// discriminant, never written while shared. Only dropping it touches the thread-local
// context, and that needs ownership, which `!Send` keeps on the creating thread. tokio's
// `EnterGuard` is `Sync` too.
unsafe impl Sync for EnterGuard<'_> {}

// A panic while the runtime's context is entered leaves nothing half-updated: the context is
// restored by guards, and the scheduler state behind a handle is only changed under locks
// that do not poison or by code that catches user panics. As tokio.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for SetCurrentGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCurrentGuard").finish_non_exhaustive()
    }
}

impl Handle {
    /// Returns a handle to the runtime whose context this thread is in: inside a task, inside
    /// `block_on`, on a blocking-pool thread, or under an [`EnterGuard`].
    ///
    /// # Panics
    ///
    /// Panics outside a runtime context; [`try_current`](Self::try_current) returns an error
    /// instead.
    ///
    /// # Examples
    ///
    /// ```
    /// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let handle = runtime::runtime::Handle::current();
    /// handle.spawn(async { println!("spawned through the handle") });
    /// # });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) => panic!(
                "`Handle::current()` called outside of a runtime ({err}): call it from inside a \
                 task, `Runtime::block_on` or `#[runtime::main]`, or enter a runtime first with \
                 `Runtime::enter()`"
            ),
        }
    }

    /// Returns a handle to the current runtime, or an error outside a runtime context.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = runtime::runtime::Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|inner| Handle {
            inner: inner.clone(),
        })
    }

    /// Enters the runtime's context on this thread until the guard is dropped, so that
    /// [`spawn`](crate::spawn) and [`Handle::current`] work from non-runtime code.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::try_set_current(&self.inner),
            _handle_lifetime: PhantomData,
        }
    }

    /// Spawns a task on this runtime; see [`spawn`](crate::spawn).
    ///
    /// Works from any thread, inside or outside the runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::task::spawn::spawn_on(&self.inner, future)
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`spawn_blocking`](crate::task::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f)
    }

    /// Runs `future` to completion on the calling thread, inside this runtime's context.
    ///
    /// Unlike [`Runtime::block_on`](super::Runtime::block_on) this does not drive the
    /// scheduler: on a current-thread runtime, spawned tasks (and, once they land, I/O and
    /// timers) only make progress while some thread is inside `Runtime::block_on`. Use it
    /// from blocking code (a `spawn_blocking` closure, a plain thread) to wait for async work.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async context (a task or `block_on`), where blocking
    /// would stall the runtime: `.await` the future instead.
    ///
    /// # Examples
    ///
    /// ```
    /// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let handle = runtime::runtime::Handle::current();
    /// let value = runtime::task::spawn_blocking(move || {
    ///     // A blocking thread may wait for async work.
    ///     handle.block_on(async { 40 + 2 })
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(value, 42);
    /// # });
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        // `block_in_place` inside is fine: this thread drives no scheduler, so blocking it
        // strands nothing.
        let Some(_runtime) = coop::enter_runtime(true) else {
            panic!(context::nested_block_on_message!("`Handle::block_on`"));
        };
        let _guard = self.enter();
        park::block_on(future)
    }

    /// The runtime's id: equal for every handle of one runtime, different between runtimes
    /// that are alive at the same time.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_current_thread().build().unwrap();
    /// let id = rt.block_on(async { runtime::runtime::Handle::current().id() });
    /// assert_eq!(id, rt.handle().id());
    /// ```
    pub fn id(&self) -> super::Id {
        self.inner.id()
    }

    /// The runtime's name, as set with [`Builder::name`](super::Builder::name), or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .name("api")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.handle().name(), Some("api"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.name()
    }

    /// A view of the runtime's metrics; see [`RuntimeMetrics`](super::RuntimeMetrics).
    ///
    /// # Examples
    ///
    /// ```
    /// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let metrics = runtime::runtime::Handle::current().metrics();
    /// println!("{} workers, {} tasks", metrics.num_workers(), metrics.num_alive_tasks());
    /// # });
    /// ```
    pub fn metrics(&self) -> super::RuntimeMetrics {
        super::RuntimeMetrics::new(self.clone())
    }

    /// The kind of scheduler this runtime uses.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        self.inner.flavor()
    }
}

/// Why [`Handle::try_current`] found no runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryCurrentError {
    kind: TryCurrentErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TryCurrentErrorKind {
    NoContext,
    ThreadLocalDestroyed,
}

impl TryCurrentError {
    pub(crate) fn new_no_context() -> TryCurrentError {
        TryCurrentError {
            kind: TryCurrentErrorKind::NoContext,
        }
    }

    pub(crate) fn new_thread_local_destroyed() -> TryCurrentError {
        TryCurrentError {
            kind: TryCurrentErrorKind::ThreadLocalDestroyed,
        }
    }

    /// Returns `true` if the thread is simply not in a runtime context.
    pub fn is_missing_context(&self) -> bool {
        self.kind == TryCurrentErrorKind::NoContext
    }

    /// Returns `true` if the thread-local holding the context was already destroyed (the
    /// call came from another thread-local's destructor while the thread exits).
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == TryCurrentErrorKind::ThreadLocalDestroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TryCurrentErrorKind::NoContext => f.write_str("there is no runtime on this thread"),
            TryCurrentErrorKind::ThreadLocalDestroyed => {
                f.write_str("the thread-local holding the current runtime was already destroyed")
            }
        }
    }
}

impl Error for TryCurrentError {}
