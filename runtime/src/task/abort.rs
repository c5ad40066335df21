//! `AbortHandle`: permission to cancel a task, without its output.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};

use super::raw::RawTask;
use super::Id;

/// A handle that can abort a task, obtained from
/// [`JoinHandle::abort_handle`](super::JoinHandle::abort_handle) or
/// [`JoinSet::spawn`](super::JoinSet::spawn).
///
/// Unlike a [`JoinHandle`](super::JoinHandle) it cannot await the output, and dropping it
/// does nothing to the task. It can be cloned.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let handle = runtime::spawn(std::future::pending::<()>());
/// let abort = handle.abort_handle();
/// abort.abort();
/// assert!(handle.await.unwrap_err().is_cancelled());
/// assert!(abort.is_finished());
/// # });
/// ```
pub struct AbortHandle {
    raw: RawTask,
}

// SAFETY: an `AbortHandle` only touches the task's state word and id, both thread-safe.
unsafe impl Send for AbortHandle {}
// SAFETY: as above.
unsafe impl Sync for AbortHandle {}

impl UnwindSafe for AbortHandle {}
impl RefUnwindSafe for AbortHandle {}

impl AbortHandle {
    /// Takes ownership of a reference the caller already counted.
    pub(super) fn new(raw: RawTask) -> AbortHandle {
        AbortHandle { raw }
    }

    /// Aborts the task; see [`JoinHandle::abort`](super::JoinHandle::abort).
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Returns `true` once the task has finished: completed, panicked or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// Returns the task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}
