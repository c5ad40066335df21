//! Running one blocking file system call on the runtime's blocking pool.

use std::io;

/// The error of an operation the runtime could not run: its blocking pool has shut down (or
/// cancelled the work before it started). Kind `Other`, and the inner error displays
/// "background task failed", as tokio's.
pub(crate) fn background_task_failed() -> io::Error {
    io::Error::other("background task failed")
}

/// Runs `f` on the current runtime's blocking pool and waits for its result: one boxed closure
/// and one wake-up. The OS's error comes back unchanged.
///
/// # Panics
///
/// Panics (when first polled) if there is no runtime on this thread.
pub(crate) async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::blocking::spawn_in_runtime("`runtime::fs`", false, f) {
        Ok(rx) => rx.await.unwrap_or_else(|_| Err(background_task_failed())),
        Err(crate::blocking::ShutDown) => Err(background_task_failed()),
    }
}
