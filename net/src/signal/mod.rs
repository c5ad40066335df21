//! Asynchronous signal handling: `ctrl_c()` and, on Unix, `unix::signal(SignalKind)`.
//!
//! # Contract
//!
//! * Listening for a signal replaces its default action (for SIGINT: terminating the
//!   process) for the rest of the process, as in tokio: the OS handler stays installed.
//! * Deliveries that arrive close together may be coalesced into one notification.
//! * Each listener gets every notification that arrives after it was created.
//! * Registering a forbidden signal (SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV) is an error,
//!   not a panic.

pub mod unix;

use std::io;

/// Completes when the process receives ctrl-c (SIGINT).
///
/// The first call installs the handler; from then on ctrl-c no longer terminates the process
/// by default.
///
/// # Errors
///
/// If the handler cannot be installed.
///
/// # Panics
///
/// Outside a runtime, or on one built without `enable_io()`.
///
/// # Examples
///
/// ```no_run
/// #[runtime::main]
/// async fn main() {
///     runtime::signal::ctrl_c().await.expect("failed to listen for ctrl-c");
///     println!("shutting down");
/// }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut signal = unix::signal(unix::SignalKind::interrupt())?;
    signal.recv().await;
    Ok(())
}
