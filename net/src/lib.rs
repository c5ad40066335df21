//! I/O for `runtime`: the mio-driven reactor, the io traits and utilities, and TCP, UDP and Unix
//! sockets. Users reach this crate as `runtime::io` and `runtime::net`.

#![deny(unsafe_op_in_unsafe_fn)]

#[doc(hidden)]
pub mod driver;

#[doc(hidden)]
pub mod blocking;
pub mod net;
pub mod signal;
