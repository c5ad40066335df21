//! I/O for `runtime`: the mio-driven reactor, the io traits and utilities, TCP, UDP and Unix
//! sockets, signals, and the file system.
//!
//! The crate sits between `runtime-sync` and `runtime` in the workspace graph
//! (`runtime-sync` ← `runtime-net` ← `runtime`); `runtime` re-exports its modules as
//! `runtime::io`, `runtime::net` and `runtime::signal`.
//!
//! # What is here
//!
//! * [`io`]: the async io traits ([`AsyncRead`](io::AsyncRead), [`AsyncWrite`](io::AsyncWrite),
//!   [`AsyncBufRead`](io::AsyncBufRead), [`AsyncSeek`](io::AsyncSeek)), their extension traits,
//!   buffering, `copy`, `split`, and in-memory streams. None of that needs a runtime: it works
//!   under any executor. Also [`Interest`](io::Interest), [`Ready`](io::Ready) and
//!   [`unix::AsyncFd`](io::unix::AsyncFd), which need the reactor.
//! * [`net`]: sockets, registered with the reactor of the runtime they are created in.
//! * [`signal`]: `ctrl_c` and Unix signals.
//! * [`process`]: child processes, their exit watched by the reactor, their pipes on it.
//! * [`fs`]: the file system, on the runtime's blocking pool (through the runtime's hook).
//! * the reactor itself (`driver`, for the runtime's use): a mio `Poll` and the table of
//!   registrations; see its module docs for the contract.

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[doc(hidden)]
pub mod blocking;
#[doc(hidden)]
pub mod driver;
pub mod fs;
pub mod io;
// The workspace's one loom facade (atomics, cells, locks): `crate::loom::..` everywhere.
use runtime_sync::foundation::loom;
pub mod net;
pub mod process;
pub mod signal;
