//! Child processes: [`Command`] builds and spawns one, [`Child`] waits for it (or kills it),
//! and [`ChildStdin`] / [`ChildStdout`] / [`ChildStderr`] are its piped stdio on the reactor.
//!
//! The API is tokio's `tokio::process`: `Command` wraps a [`std::process::Command`] (so every
//! builder method of std's is there, and [`Command::as_std_mut`] reaches the rest), and the
//! futures it returns need a runtime with the I/O driver.
//!
//! ```no_run
//! use runtime::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::process::Command;
//! use std::process::Stdio;
//!
//! # async fn run() -> std::io::Result<()> {
//! let mut child = Command::new("tr")
//!     .arg("a-z")
//!     .arg("A-Z")
//!     .stdin(Stdio::piped())
//!     .stdout(Stdio::piped())
//!     .spawn()?;
//! let mut stdin = child.stdin.take().expect("stdin is piped");
//! stdin.write_all(b"hello").await?;
//! drop(stdin); // EOF for the child
//! let output = child.wait_with_output().await?;
//! assert_eq!(output.stdout, b"HELLO");
//! # Ok(())
//! # }
//! ```
//!
//! # Contract
//!
//! * **Exit detection, Linux 5.3 and later**: a pidfd (`pidfd_open`) per child, registered
//!   with the reactor of the runtime that spawned it; it becomes readable when the child
//!   exits, and `wait` then reaps it with `waitpid`. No thread and no timer per child, and no
//!   signal handler. A `wait` polled on another runtime moves the pidfd to that runtime's
//!   reactor, so a child outlives the runtime that spawned it (tokio's
//!   `process_change_of_runtime`).
//! * **Elsewhere** (older kernels, or `pidfd_open` failing): each waiting child listens for
//!   `SIGCHLD` through [`signal`](crate::signal::unix::signal) and checks its own pid with a
//!   non-blocking `waitpid` after every delivery (the reaper never waits for "any child", so
//!   children spawned by other code are left alone).
//! * **No zombies**: a [`Child`] dropped before it was reaped goes to a process-wide orphan
//!   queue. While the queue is not empty, one `SIGCHLD` listener on a reactor (whichever was
//!   current when the queue last needed one) reaps it: its wake-up runs the non-blocking
//!   `waitpid`s on the thread that turned the reactor, with no task and no polling. If that
//!   reactor shuts down, the next orphan or the next spawn moves the listener to a live one.
//! * **Pipes** are non-blocking and registered with the spawning runtime's reactor;
//!   [`ChildStdin::into_owned_fd`] and the `TryInto<Stdio>` conversions deregister them and
//!   put them back in blocking mode.
//! * **Errors, not panics**: a missing program is `NotFound`, a file that cannot be
//!   executed `PermissionDenied` (as `std`). Spawning outside a runtime panics (as tokio),
//!   before anything is spawned.

mod child;
mod command;
mod exit;
mod orphan;
mod pass_gate;
mod pidfd;
mod sigchld;
mod stdio;

pub use child::Child;
pub use command::Command;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};

/// Makes every child spawned from now on use the `SIGCHLD` reaper instead of a pidfd, as on a
/// kernel without `pidfd_open`. For tests of that path; process-wide and irreversible.
#[doc(hidden)]
pub fn force_sigchld_reaper() {
    pidfd::disable();
}
