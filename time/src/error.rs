//! Time error types.

use std::fmt;
use std::io;

/// The error of a [`Timeout`](crate::Timeout) whose deadline passed before its future
/// completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(err: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, err)
    }
}

/// An error of the timer itself, as tokio's `time::error::Error`: the driver shut down, it is
/// at capacity, or a deadline was invalid.
///
/// tokio's timers report these by panicking, and so do ours (with a message that names the
/// fix); the type exists so that code naming it compiles and can build and inspect one.
///
/// ```
/// use runtime::time::error::Error;
///
/// let err = Error::shutdown();
/// assert!(err.is_shutdown());
/// assert!(!err.is_at_capacity());
/// assert_eq!(err.to_string(), "the timer is shutdown, must be called from the context of Tokio runtime");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The timer has shut down (its runtime is gone).
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// Whether this is the [`shutdown`](Error::shutdown) error.
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// The timer is at capacity and cannot take more timers.
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// Whether this is the [`at_capacity`](Error::at_capacity) error.
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// The deadline was invalid (too far in the future).
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// Whether this is the [`invalid`](Error::invalid) error.
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio's wording, which code matching on messages may rely on.
        f.write_str(match self.0 {
            Kind::Shutdown => {
                "the timer is shutdown, must be called from the context of Tokio runtime"
            }
            Kind::AtCapacity => "timer is at capacity and cannot create a new entry",
            Kind::Invalid => "timer duration exceeds maximum duration",
        })
    }
}

impl std::error::Error for Error {}
