//! A child's piped stdio: non-blocking pipe ends registered with the reactor.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::unix::pipe::{Receiver, Sender};

/// Puts `fd` in non-blocking mode.
fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: `F_GETFL` on a descriptor that is open for the call's duration.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: `F_SETFL` on a descriptor that is open for the call's duration.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn sender(fd: OwnedFd) -> io::Result<Sender> {
    set_nonblocking(fd.as_fd())?;
    Sender::from_owned_fd_unchecked(fd)
}

fn receiver(fd: OwnedFd) -> io::Result<Receiver> {
    set_nonblocking(fd.as_fd())?;
    Receiver::from_owned_fd_unchecked(fd)
}

/// The writing end of a child's stdin pipe ([`Child::stdin`](super::Child::stdin)).
///
/// Dropping it closes the pipe: the child reads end-of-file.
#[derive(Debug)]
pub struct ChildStdin {
    inner: Sender,
}

/// The reading end of a child's stdout pipe ([`Child::stdout`](super::Child::stdout)).
#[derive(Debug)]
pub struct ChildStdout {
    inner: Receiver,
}

/// The reading end of a child's stderr pipe ([`Child::stderr`](super::Child::stderr)).
#[derive(Debug)]
pub struct ChildStderr {
    inner: Receiver,
}

impl ChildStdin {
    /// Wraps std's handle: makes it non-blocking and registers it with the current reactor.
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            inner: sender(inner.into())?,
        })
    }

    /// Deregisters the pipe and returns its descriptor, in blocking mode (to hand to another
    /// process, for instance).
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be deregistered or put back in blocking mode.
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        self.inner.into_blocking_fd()
    }
}

impl ChildStdout {
    /// Wraps std's handle: makes it non-blocking and registers it with the current reactor.
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdout) -> io::Result<ChildStdout> {
        Ok(ChildStdout {
            inner: receiver(inner.into())?,
        })
    }

    /// Deregisters the pipe and returns its descriptor, in blocking mode.
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be deregistered or put back in blocking mode.
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        self.inner.into_blocking_fd()
    }
}

impl ChildStderr {
    /// Wraps std's handle: makes it non-blocking and registers it with the current reactor.
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStderr) -> io::Result<ChildStderr> {
        Ok(ChildStderr {
            inner: receiver(inner.into())?,
        })
    }

    /// Deregisters the pipe and returns its descriptor, in blocking mode.
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be deregistered or put back in blocking mode.
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        self.inner.into_blocking_fd()
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

macro_rules! fd_traits {
    ($($ty:ident),*) => {$(
        /// Deregisters the pipe and hands its descriptor, in blocking mode, to a `Stdio`
        /// (to connect it to another child).
        impl TryInto<Stdio> for $ty {
            type Error = io::Error;

            fn try_into(self) -> io::Result<Stdio> {
                self.into_owned_fd().map(Stdio::from)
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.inner.as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }
    )*};
}

fd_traits!(ChildStdin, ChildStdout, ChildStderr);
