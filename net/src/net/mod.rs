//! Sockets: TCP, UDP and Unix domain, with tokio's API.
//!
//! Every socket registers with the reactor of the runtime it is created in (creating one
//! outside a runtime, or on one built without `enable_io()`, panics naming the fix), and is
//! deregistered when dropped. Names are resolved on the runtime's blocking pool, never on a
//! worker. Operations return `io::Error`s of the OS's kinds (`ConnectionRefused`,
//! `AddrInUse`, `ConnectionReset`, …; `InvalidInput` for an address that does not parse);
//! they never panic on bad input.

mod addr;
mod buf;
mod halves;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};
