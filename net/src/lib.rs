//! I/O for `runtime`: the mio-driven reactor, the io traits and utilities, and TCP, UDP and Unix
//! sockets.
//!
//! The crate sits between `runtime-sync` and `runtime` in the workspace graph
//! (`runtime-sync` ← `runtime-net` ← `runtime`); `runtime` re-exports its modules as
//! `runtime::io` and `runtime::net`.
//!
//! # What is here
//!
//! * [`io`]: the async io traits ([`AsyncRead`](io::AsyncRead), [`AsyncWrite`](io::AsyncWrite),
//!   [`AsyncBufRead`](io::AsyncBufRead), [`AsyncSeek`](io::AsyncSeek)), their extension traits,
//!   buffering, `copy`, `split`, and in-memory streams. None of it needs a runtime: it works
//!   under any executor.

#![warn(missing_docs)]

pub mod io;
