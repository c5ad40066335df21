//! `block_in_place`: run blocking code on a worker thread without stalling its tasks.

use crate::runtime::scheduler::multi_thread;

/// Runs a blocking function on the current thread without stalling the other tasks of a
/// multi-thread runtime.
///
/// When called from a worker thread, the worker's queued tasks are handed to a new thread
/// (from the blocking pool) before `f` runs, so they keep running while this thread blocks;
/// afterwards this thread takes the worker back if it can. Unlike
/// [`spawn_blocking`](super::spawn_blocking), `f` may borrow from the calling task and need
/// not be `'static` or `Send`. Other code in the same task (for example the other branches of
/// a `join!`) does not run while `f` blocks.
///
/// Outside a runtime, and inside a multi-thread runtime's `block_on`, it simply calls `f`.
///
/// # Panics
///
/// Panics on a current-thread runtime, where no other thread can take over: use
/// `spawn_blocking` there.
///
/// # Examples
///
/// ```
/// # let rt = runtime::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let config = runtime::spawn(async {
///     runtime::task::block_in_place(|| {
///         // A synchronous read that may block for a while.
///         std::fs::read_to_string("Cargo.toml").unwrap_or_default()
///     })
/// })
/// .await
/// .unwrap();
/// # let _ = config;
/// # });
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    multi_thread::block_in_place(f)
}
