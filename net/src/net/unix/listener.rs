//! `UnixListener`.

use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::ready::Interest;
use crate::driver::scheduled_io::Direction;
use crate::net::unix::UnixStream;

/// A Unix domain socket server.
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (synchronous, as tokio's).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let listener = mio::net::UnixListener::bind(path)?;
        Ok(UnixListener {
            io: PollEvented::new_with_interest(listener, Interest::READABLE)?,
        })
    }

    /// Wraps a `std` listener (made non-blocking here).
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: PollEvented::new_with_interest(
                mio::net::UnixListener::from_std(listener),
                Interest::READABLE,
            )?,
        })
    }

    /// Unwraps into a `std` listener (still non-blocking).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let mio = self.io.into_inner()?;
        // SAFETY: `into_raw_fd` hands over ownership of the open socket.
        Ok(unsafe { std::os::unix::net::UnixListener::from_raw_fd(mio.into_raw_fd()) })
    }

    /// Accepts a connection. Cancel-safe.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self
            .io
            .registration()
            .async_io(Interest::READABLE, || self.io.accept())
            .await?;
        Ok((UnixStream::new(stream)?, addr))
    }

    /// Polls to accept a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) =
            std::task::ready!(self
                .io
                .registration()
                .poll_io(cx, Direction::Read, || self.io.accept()))?;
        Poll::Ready(UnixStream::new(stream).map(|s| (s, addr)))
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// The pending socket error, clearing it.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.take_error()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
