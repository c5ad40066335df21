//! `UnixSocket`: a Unix domain socket configured before it connects, listens or becomes a
//! datagram socket.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, RawFd};
use std::path::Path;

use crate::net::unix::{UnixDatagram, UnixListener, UnixStream};

/// A Unix domain socket that is not yet a stream, a listener or a datagram socket: bind it,
/// then [`connect`](Self::connect), [`listen`](Self::listen) (stream sockets) or
/// [`datagram`](Self::datagram) (datagram sockets).
///
/// ```no_run
/// use runtime::net::UnixSocket;
///
/// # async fn run() -> std::io::Result<()> {
/// let socket = UnixSocket::new_stream()?;
/// socket.bind("/tmp/server.sock")?;
/// let listener = socket.listen(1024)?;
/// # drop(listener);
/// # Ok(())
/// # }
/// ```
pub struct UnixSocket {
    inner: socket2::Socket,
}

impl UnixSocket {
    /// A new datagram socket (`SOCK_DGRAM`).
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(socket2::Type::DGRAM)
    }

    /// A new stream socket (`SOCK_STREAM`).
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(socket2::Type::STREAM)
    }

    fn new(ty: socket2::Type) -> io::Result<UnixSocket> {
        let inner = socket2::Socket::new(socket2::Domain::UNIX, ty, None)?;
        inner.set_nonblocking(true)?;
        inner.set_cloexec(true)?;
        Ok(UnixSocket { inner })
    }

    fn is_datagram(&self) -> io::Result<bool> {
        Ok(self.inner.r#type()? == socket2::Type::DGRAM)
    }

    /// Binds to `path` (on Linux, a leading NUL byte names an abstract address).
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner.bind(&socket2::SockAddr::unix(path)?)
    }

    /// Starts listening with a queue of `backlog` pending connections.
    ///
    /// # Errors
    ///
    /// On a datagram socket (`Other`), or the OS's error.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        if self.is_datagram()? {
            return Err(io::Error::other(
                "listen cannot be called on a datagram socket",
            ));
        }
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        // SAFETY: `into_raw_fd` hands over ownership of the open, listening socket.
        let sys = unsafe { mio::net::UnixListener::from_raw_fd(self.inner.into_raw_fd()) };
        UnixListener::new(sys)
    }

    /// Connects to the socket at `path`, turning this one into a stream.
    ///
    /// # Errors
    ///
    /// On a datagram socket (`Other`), or the OS's error.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        if self.is_datagram()? {
            return Err(io::Error::other(
                "connect cannot be called on a datagram socket",
            ));
        }
        match self.inner.connect(&socket2::SockAddr::unix(path)?) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        // SAFETY: `into_raw_fd` hands over ownership of the open socket.
        let sys = unsafe { mio::net::UnixStream::from_raw_fd(self.inner.into_raw_fd()) };
        UnixStream::connect_mio(sys).await
    }

    /// Turns this socket into a [`UnixDatagram`].
    ///
    /// # Errors
    ///
    /// On a stream socket (`Other`).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        if !self.is_datagram()? {
            return Err(io::Error::other(
                "datagram cannot be called on a stream socket",
            ));
        }
        // SAFETY: `into_raw_fd` hands over ownership of the open socket.
        let sys = unsafe { mio::net::UnixDatagram::from_raw_fd(self.inner.into_raw_fd()) };
        UnixDatagram::from_mio(sys)
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl FromRawFd for UnixSocket {
    /// Takes ownership of `fd`, which must be an open Unix domain socket; it should be in
    /// non-blocking mode.
    unsafe fn from_raw_fd(fd: RawFd) -> UnixSocket {
        // SAFETY: the caller guarantees `fd` is an open socket it hands over to us.
        let inner = unsafe { socket2::Socket::from_raw_fd(fd) };
        UnixSocket { inner }
    }
}

impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}
