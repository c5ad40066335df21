//! The errors a watch [`Sender`](super::Sender) and [`Receiver`](super::Receiver) report.

use std::fmt;

/// The error [`Sender::send`](super::Sender::send) returns when no receiver exists; it hands
/// the value back (the channel keeps its old value).
///
/// # Examples
///
/// ```
/// use runtime_sync::watch;
///
/// let (tx, rx) = watch::channel(1);
/// drop(rx);
/// let err = tx.send(2).unwrap_err();
/// assert_eq!(err.0, 2);
/// assert_eq!(*tx.borrow(), 1);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// The error a [`Receiver`](super::Receiver) reports once every sender is gone (and, for
/// [`changed`](super::Receiver::changed), it has seen the last value).
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct RecvError(pub(super) ());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl std::error::Error for RecvError {}
