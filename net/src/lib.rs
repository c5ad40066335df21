//! I/O for `runtime`: the mio-driven reactor, the io traits and utilities, and TCP, UDP and Unix
//! sockets.
//!
//! This crate is a placeholder in the workspace graph (`runtime-sync` ← `runtime-net` ←
//! `runtime`). It exports nothing yet: the reactor lands with the I/O issue, and until then
//! `runtime::net` and `runtime::io` do not exist, so code that needs sockets fails to compile
//! rather than misbehaving at run time.
