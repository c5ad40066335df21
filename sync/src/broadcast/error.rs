//! The errors a broadcast [`Sender`](super::Sender) and [`Receiver`](super::Receiver) report.

use std::fmt;

/// The error [`Sender::send`](super::Sender::send) returns when no receiver exists; it hands
/// the value back.
///
/// # Examples
///
/// ```
/// use runtime_sync::broadcast;
///
/// let (tx, rx) = broadcast::channel::<u32>(4);
/// drop(rx);
/// let err = tx.send(7).unwrap_err();
/// assert_eq!(err.0, 7);
/// assert_eq!(err.to_string(), "channel closed");
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

/// The error [`Receiver::recv`](super::Receiver::recv) and
/// [`Receiver::blocking_recv`](super::Receiver::blocking_recv) report.
#[derive(Debug, PartialEq, Eq, Clone)]
pub enum RecvError {
    /// Every sender is gone and this receiver has taken every value it had buffered.
    Closed,
    /// The receiver fell behind: this many values were overwritten before it read them. The
    /// next receive returns the oldest value the channel still holds.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("channel closed"),
            RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for RecvError {}

/// The error [`Receiver::try_recv`](super::Receiver::try_recv) reports.
///
/// # Examples
///
/// ```
/// use runtime_sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel::<u32>(2);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// for v in 0..3 {
///     tx.send(v).unwrap();
/// }
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
/// assert_eq!(rx.try_recv(), Ok(1));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone)]
pub enum TryRecvError {
    /// Nothing to receive right now; a value may still come.
    Empty,
    /// Every sender is gone and this receiver has taken every value it had buffered.
    Closed,
    /// The receiver fell behind: this many values were overwritten before it read them. The
    /// next receive returns the oldest value the channel still holds.
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
            TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for TryRecvError {}
