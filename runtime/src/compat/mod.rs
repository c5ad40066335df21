//! Adapters that let libraries written against other async interfaces run on this runtime.
//!
//! * `hyper` (feature `hyper`): hyper 1.x's `rt::Executor`, `rt::Timer` and
//!   `rt::Read` / `rt::Write` on this runtime's tasks, timers and io traits.
//!
//! The sockets and io utilities also implement `futures_io::AsyncRead` / `AsyncWrite` with the
//! feature `futures-io`, so futures-based libraries use them directly.

#[cfg(feature = "hyper")]
pub mod hyper;
