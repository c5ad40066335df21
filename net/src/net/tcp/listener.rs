//! `TcpListener`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::ready::Interest;
use crate::driver::scheduled_io::Direction;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::tcp::TcpStream;

/// A TCP socket server, listening for connections.
///
/// # Examples
///
/// ```no_run
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::TcpListener;
///
/// #[runtime::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:8080").await?;
///     loop {
///         let (mut socket, _) = listener.accept().await?;
///         runtime::spawn(async move {
///             let mut buf = [0; 1024];
///             loop {
///                 match socket.read(&mut buf).await {
///                     Ok(0) | Err(_) => return,
///                     Ok(n) => {
///                         if socket.write_all(&buf[..n]).await.is_err() {
///                             return;
///                         }
///                     }
///                 }
///             }
///         });
///     }
/// }
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (resolved off the workers if it is a name), trying each resolved
    /// address in turn. The socket has `SO_REUSEADDR` set (as tokio's) and a backlog of 1024.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an address that does not parse or resolve; the OS's error
    /// (`AddrInUse`, `PermissionDenied`, …) for the last address tried.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()` (the message names the fix).
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(&addr, |addr| async move { TcpListener::bind_addr(addr) }).await
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let listener = mio::net::TcpListener::bind(addr)?;
        TcpListener::new(listener)
    }

    #[track_caller]
    pub(crate) fn new(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: PollEvented::new_with_interest(listener, Interest::READABLE)?,
        })
    }

    /// Accepts a new connection.
    ///
    /// Cancel-safe: if the future is dropped before it completes, no connection is lost (a
    /// later `accept` gets it).
    ///
    /// # Errors
    ///
    /// The OS's error; `EMFILE`/`ENFILE` (out of descriptors) comes back as an error and the
    /// listener keeps working once descriptors free up.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self
            .io
            .registration()
            .async_io(Interest::READABLE, || self.io.accept())
            .await?;
        Ok((TcpStream::new_accepted(stream)?, addr))
    }

    /// Polls to accept a new connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) =
            std::task::ready!(self
                .io
                .registration()
                .poll_io(cx, Direction::Read, || self.io.accept()))?;
        Poll::Ready(TcpStream::new_accepted(stream).map(|s| (s, addr)))
    }

    /// Wraps a `std` listener (made non-blocking here).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O (see [`bind`](Self::bind)).
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(mio::net::TcpListener::from_std(listener))
    }

    /// Unwraps into a `std` listener (still non-blocking).
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let mio = self.io.into_inner()?;
        // SAFETY: `into_raw_fd` hands over ownership of a valid, open TCP listener socket.
        Ok(unsafe { std::net::TcpListener::from_raw_fd(mio.into_raw_fd()) })
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.ttl()
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.set_ttl(ttl)
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// [`TcpListener::from_std`].
    #[track_caller]
    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

impl std::os::fd::AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.as_raw_fd()
    }
}

impl std::os::fd::AsFd for TcpListener {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&*self.io)
    }
}
