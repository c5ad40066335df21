//! `spawn`: hand a future to the current runtime.

use std::future::Future;

use super::{Id, JoinHandle};
use crate::runtime::{context, scheduler};

/// Futures larger than this are boxed before they are moved into their task, so that a huge
/// `async` block does not overflow the stack on its way to the heap.
pub(crate) const BOX_FUTURE_THRESHOLD: usize = if cfg!(debug_assertions) { 2048 } else { 16384 };

/// Spawns a new task on the current runtime and returns its [`JoinHandle`].
///
/// The task starts running in the background at once (on a multi-thread runtime, possibly on
/// another thread); awaiting the handle is only needed for its output. Dropping the handle
/// detaches the task.
///
/// # Panics
///
/// Panics if called outside a runtime: from a plain thread, or after the runtime was dropped.
/// Call it from inside a task, from `Runtime::block_on` or `#[runtime::main]`, or use
/// [`Runtime::spawn`](crate::runtime::Runtime::spawn) / [`Handle::spawn`](crate::runtime::Handle::spawn)
/// from outside.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let handle = runtime::spawn(async {
///     // runs concurrently with the caller
///     "hello from a task"
/// });
/// assert_eq!(handle.await.unwrap(), "hello from a task");
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match context::with_current(|handle| spawn_on(handle, future)) {
        Ok(join) => join,
        Err(err) => panic!(
            "`runtime::spawn` called outside of a runtime ({err}): call it from inside a task, \
             `Runtime::block_on` or `#[runtime::main]`, or use `Runtime::spawn` / \
             `Handle::spawn` from outside the runtime"
        ),
    }
}

/// Spawns on `handle`'s scheduler, boxing a large future first. Every spawn path goes
/// through here.
pub(crate) fn spawn_on<F>(handle: &scheduler::Handle, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if std::mem::size_of::<F>() > BOX_FUTURE_THRESHOLD {
        handle.spawn(Box::pin(future), Id::next())
    } else {
        handle.spawn(future, Id::next())
    }
}
