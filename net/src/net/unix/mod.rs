//! Unix domain sockets: `UnixStream`, `UnixListener`, `UnixDatagram`, `UnixSocket`, a
//! stream's halves, peer credentials, and FIFO pipes ([`pipe`]).

mod datagram;
mod listener;
pub mod pipe;
mod socket;
pub(crate) mod split;
pub(crate) mod split_owned;
mod stream;
mod ucred;

use std::io;
use std::path::Path;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use socket::UnixSocket;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
pub use ucred::UCred;

/// A user id (as in [`UCred::uid`]).
#[allow(non_camel_case_types)]
pub type uid_t = u32;
/// A group id (as in [`UCred::gid`]).
#[allow(non_camel_case_types)]
pub type gid_t = u32;
/// A process id (as in [`UCred::pid`]).
#[allow(non_camel_case_types)]
pub type pid_t = i32;

/// The address a path names: on Linux and Android a leading NUL byte means the abstract
/// namespace (the rest is the name), as in tokio.
pub(crate) fn path_to_addr(path: &Path) -> io::Result<SocketAddr> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;

        if let Some(name) = path.as_os_str().as_bytes().strip_prefix(b"\0") {
            return SocketAddr::from_abstract_name(name);
        }
    }
    SocketAddr::from_pathname(path)
}
