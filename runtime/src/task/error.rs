//! The error a task's `JoinHandle` returns when the task did not produce an output.

use std::any::Any;
use std::fmt;
use std::io;

use super::Id;

/// Why a task did not produce its output: it was cancelled, or it panicked.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let err = runtime::spawn(async { panic!("boom") }).await.unwrap_err();
/// assert!(err.is_panic());
/// assert!(err.to_string().contains("boom"));
/// # });
/// ```
pub struct JoinError {
    repr: Repr,
    id: Id,
}

enum Repr {
    Cancelled,
    Panic(SyncPayload),
}

/// A panic payload made `Sync` by allowing shared access only to `Sync` contents.
struct SyncPayload(Box<dyn Any + Send + 'static>);

// SAFETY: shared access only reaches the payload through `downcast_ref_sync`, which hands out
// `&T` only for `T: Sync`; every other access needs `&mut` or ownership.
unsafe impl Sync for SyncPayload {}

impl SyncPayload {
    fn downcast_ref_sync<T: Any + Sync>(&self) -> Option<&T> {
        // Asking for the type id reads only the vtable, never the (possibly `!Sync`) data.
        self.0.downcast_ref::<T>()
    }
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
            id,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(SyncPayload(payload)),
            id,
        }
    }

    /// Returns `true` if the task was cancelled: aborted, or dropped at runtime shutdown.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Returns `true` if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// Consumes the error, returning the panic's payload, for example to resume the panic on
    /// this thread with [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// Panics if the error is not a panic (it is a cancellation); use
    /// [`try_into_panic`](Self::try_into_panic) to check.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(err) => panic!(
                "`JoinError::into_panic` called on a cancellation, not a panic ({err}); check \
                 `is_panic()` first or use `try_into_panic()`"
            ),
        }
    }

    /// Consumes the error, returning the panic's payload if the task panicked, and the error
    /// itself otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let err = runtime::spawn(async { panic!("boom") }).await.unwrap_err();
    /// if let Ok(payload) = err.try_into_panic() {
    ///     assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
    /// }
    /// # });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload.0),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.id
    }

    fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic(payload) => payload
                .downcast_ref_sync::<&'static str>()
                .copied()
                .or_else(|| payload.downcast_ref_sync::<String>().map(String::as_str)),
            Repr::Cancelled => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "task {} was cancelled", self.id),
            (Repr::Panic(_), Some(msg)) => {
                write!(f, "task {} panicked with message {:?}", self.id, msg)
            }
            (Repr::Panic(_), None) => write!(f, "task {} panicked", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "JoinError::Cancelled({:?})", self.id),
            (Repr::Panic(_), Some(msg)) => {
                write!(f, "JoinError::Panic({:?}, {:?}, ...)", self.id, msg)
            }
            (Repr::Panic(_), None) => write!(f, "JoinError::Panic({:?}, ...)", self.id),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(err: JoinError) -> io::Error {
        io::Error::other(err.to_string())
    }
}
