//! Running blocking work (name resolution, stdio, the file system) off the runtime's workers.
//!
//! This crate does not know the scheduler; the runtime enters, with its reactor, a hook that hands a closure
//! to its blocking pool. The hook tells the two ways it can refuse apart: there is no runtime
//! on this thread (the closure comes back), or the runtime's pool has shut down (the closure
//! was dropped without running).
//!
//! Two policies sit on top:
//! * `spawn` / `run` (name lookups, stdio): without a runtime the closure gets a thread of
//!   its own, so the work never runs on a worker either way;
//! * `spawn_in_runtime` (`fs`, as tokio's): a runtime is required (its absence is a panic
//!   that says how to get one), and a shut-down runtime is an error the caller reports.

use std::io;

/// A piece of blocking work, boxed for the hook.
pub type Work = Box<dyn FnOnce() + Send + 'static>;

/// Why the hook did not queue a piece of work.
pub enum Refused {
    /// There is no runtime on this thread: the work comes back to the caller.
    NoRuntime(Work),
    /// The runtime's blocking pool has shut down: the work was dropped without running.
    ShutDown,
}

/// Hands `work` to the current runtime's blocking pool. With `mandatory`, the work runs even
/// if the runtime begins to shut down before it starts (it was queued before shutdown).
///
/// The runtime passes its hook to [`crate::driver::enter`] with its reactor, so the hook is
/// current exactly where the runtime's context is; nothing is installed process-wide.
pub type SpawnBlocking = fn(work: Work, mandatory: bool) -> Result<(), Refused>;

/// Runs `f` on the blocking pool (or a thread of its own) and waits for its result. If the
/// runtime cancels it (shutting down) before it runs, that is an error too.
pub(crate) async fn run<R: Send + 'static>(
    f: impl FnOnce() -> io::Result<R> + Send + 'static,
) -> io::Result<R> {
    spawn(f).await.unwrap_or_else(|_| Err(cancelled()))
}

/// The error of blocking work the runtime cancelled before it ran (it was shutting down).
/// Recognised by [`crate::driver::is_shutdown_error`].
pub(crate) fn cancelled() -> io::Error {
    io::Error::other(Cancelled)
}

/// The inner error of [`cancelled`].
#[derive(Debug)]
pub(crate) struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the blocking work was cancelled before it ran: the runtime is shutting down")
    }
}

impl std::error::Error for Cancelled {}

/// Boxes `f` so that its result is sent on the returned channel. `f` is consumed (and with it
/// everything it captured) before the result is sent, so a receiver that has the result knows
/// the closure holds nothing any more.
fn boxed<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> (Work, runtime_sync::oneshot::Receiver<R>) {
    let (tx, rx) = runtime_sync::oneshot::channel();
    let work: Work = Box::new(move || {
        let _ = tx.send(f());
    });
    (work, rx)
}

/// Offers `work` to the runtime's hook.
fn offer(work: Work, mandatory: bool) -> Result<(), Refused> {
    match crate::driver::current_spawn_blocking() {
        Some(hook) => hook(work, mandatory),
        None => Err(Refused::NoRuntime(work)),
    }
}

/// Starts `f` on the blocking pool (or a thread of its own); its result arrives on the
/// returned channel (closed without a value if the runtime cancelled it).
pub(crate) fn spawn<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> runtime_sync::oneshot::Receiver<R> {
    let (work, rx) = boxed(f);
    if let Err(Refused::NoRuntime(work)) = offer(work, false) {
        own_thread(work);
    }
    rx
}

/// As [`spawn`], but tells at once that the runtime's pool has shut down (`f` was dropped
/// without running), for callers that must fail the operation that asked for it.
pub(crate) fn try_spawn<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<runtime_sync::oneshot::Receiver<R>, ShutDown> {
    let (work, rx) = boxed(f);
    match offer(work, false) {
        Ok(()) => Ok(rx),
        Err(Refused::NoRuntime(work)) => {
            own_thread(work);
            Ok(rx)
        }
        Err(Refused::ShutDown) => Err(ShutDown),
    }
}

/// Runs `work` on a thread of its own (no runtime on this thread).
fn own_thread(work: Work) {
    std::thread::Builder::new()
        .name("runtime-blocking".into())
        .spawn(work)
        .expect("failed to start a thread for blocking work");
}

/// The runtime's blocking pool has shut down; the work was not started.
#[derive(Debug)]
pub(crate) struct ShutDown;

/// Starts `f` on the current runtime's blocking pool; its result arrives on the returned
/// channel (closed without a value if the runtime cancelled the work before it ran, or if `f`
/// panicked). With `mandatory`, the work runs even if shutdown begins after this call.
///
/// Costs one boxed closure and one wake-up of the receiver.
///
/// # Errors
///
/// [`ShutDown`] if the runtime's pool has shut down (`f` was dropped without running).
///
/// # Panics
///
/// Panics if there is no runtime on this thread: `what` names the API for the message.
pub(crate) fn spawn_in_runtime<R: Send + 'static>(
    what: &str,
    mandatory: bool,
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<runtime_sync::oneshot::Receiver<R>, ShutDown> {
    let (work, rx) = boxed(f);
    match offer(work, mandatory) {
        Ok(()) => Ok(rx),
        Err(Refused::ShutDown) => Err(ShutDown),
        // tokio's words first (code, and tokio's own tests, match on them), then ours.
        Err(Refused::NoRuntime(_)) => panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime: \
             {what} needs a runtime: it runs blocking calls on the runtime's blocking pool, and \
             there is no runtime on this thread. Call it from inside a task, \
             `Runtime::block_on` or `#[runtime::main]`, or enter a runtime first with \
             `Runtime::enter()` / `Handle::enter()`"
        ),
    }
}
