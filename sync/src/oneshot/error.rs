//! The errors a [`Receiver`](super::Receiver) can report.

use std::fmt;

/// The error a [`Receiver`](super::Receiver) completes with when no value will ever arrive: the
/// [`Sender`](super::Sender) was dropped without sending, or the receiver closed the channel
/// before a value was sent.
///
/// Returned by awaiting the receiver and by
/// [`Receiver::blocking_recv`](super::Receiver::blocking_recv).
///
/// # Examples
///
/// ```
/// use runtime_sync::oneshot::{self, error::RecvError};
///
/// let (tx, rx) = oneshot::channel::<u32>();
/// drop(tx);
///
/// let err: RecvError = rx.blocking_recv().unwrap_err();
/// assert_eq!(err.to_string(), "channel closed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecvError(pub(super) ());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl std::error::Error for RecvError {}

/// The error returned by [`Receiver::try_recv`](super::Receiver::try_recv).
///
/// # Examples
///
/// ```
/// use runtime_sync::oneshot::{self, error::TryRecvError};
///
/// let (tx, mut rx) = oneshot::channel::<u32>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
///
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value has been sent yet, and one still may be: try again later.
    Empty,
    /// No value will ever be received: the sender was dropped without sending, the receiver
    /// closed the channel before a value was sent, or the value was already taken.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
        }
    }
}

impl std::error::Error for TryRecvError {}
