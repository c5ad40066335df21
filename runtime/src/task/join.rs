//! `JoinHandle`: the owned permission to await a task's output.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use runtime_sync::coop;

use super::raw::RawTask;
use super::{AbortHandle, Id, JoinError};

/// An owned permission to join a task: awaiting it yields the task's output.
///
/// Dropping a `JoinHandle` detaches the task: it keeps running, and its output is dropped
/// when it completes. A `JoinHandle` resolves to `Err(JoinError)` if the task panicked or
/// was cancelled (by [`abort`](Self::abort) or by runtime shutdown).
///
/// Awaiting a `JoinHandle` spends the cooperative budget.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let handle = runtime::spawn(async { 6 * 7 });
/// assert_eq!(handle.await.unwrap(), 42);
/// # });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _p: PhantomData<T>,
}

// SAFETY: the handle only moves `T` out of the task (so it needs `T: Send` to be sent), and
// everything else it touches is synchronised by the task's state word.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: every `&self` method only touches the state word.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> UnwindSafe for JoinHandle<T> {}
impl<T> RefUnwindSafe for JoinHandle<T> {}
impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(super) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _p: PhantomData,
        }
    }

    /// Aborts the task.
    ///
    /// The task is cancelled the next time it would be polled (at once if it is idle; when
    /// its current poll returns if it is running), and awaiting this handle then returns a
    /// [`JoinError`] for which [`is_cancelled`](JoinError::is_cancelled) is true — unless the
    /// task completed first. A `spawn_blocking` task cannot be aborted once it has started.
    ///
    /// # Examples
    ///
    /// ```
    /// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let handle = runtime::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Returns `true` once the task has finished: completed, panicked or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// Returns a new [`AbortHandle`] for the task, which can abort it without owning its
    /// output.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle::new(self.raw)
    }

    /// Returns the task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = ready!(coop::poll_proceed(cx));
        let mut ret = Poll::Pending;
        // SAFETY: `ret` is a `Poll<Result<T, JoinError>>` for this task's output type, and we
        // are its JoinHandle.
        unsafe {
            self.raw.try_read_output(
                &mut ret as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            )
        };
        if ret.is_ready() {
            coop.made_progress();
        }
        ret
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.raw.header().state.drop_join_handle_fast().is_ok() {
            return;
        }
        self.raw.drop_join_handle_slow();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
