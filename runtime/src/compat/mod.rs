//! Adapters that let libraries written against other async interfaces run on this runtime.
//!
//! * `hyper` (feature `hyper`): hyper 1.x's `rt::Executor`, `rt::Timer` and
//!   `rt::Read` / `rt::Write` on this runtime's tasks, timers and io traits.
//!
//! The sockets and io utilities also implement `futures_io::AsyncRead` / `AsyncWrite` with the
//! feature `futures-io`, so futures-based libraries use them directly.

#[cfg(feature = "hyper")]
pub mod hyper;

/// What the `tokio` compat package (`compat/tokio`) re-exports that `runtime` does not show
/// at tokio's paths by itself: the `#[main]` and `#[test]` attributes whose expansion names
/// `::tokio`, so a crate that depends only on `tokio` compiles with them.
#[doc(hidden)]
pub mod tokio {
    pub use runtime_macros::{tokio_main as main, tokio_test as test};
}
