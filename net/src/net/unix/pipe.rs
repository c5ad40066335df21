//! Unix pipes and FIFOs on the reactor: [`pipe()`] makes an anonymous pipe, [`OpenOptions`]
//! opens a named FIFO, and [`Sender`] / [`Receiver`] are its two ends (`AsyncWrite` /
//! `AsyncRead`).
//!
//! ```no_run
//! use runtime::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::net::unix::pipe;
//!
//! # async fn run() -> std::io::Result<()> {
//! let (mut tx, mut rx) = pipe::pipe()?;
//! tx.write_all(b"hello").await?;
//! drop(tx);
//! let mut got = String::new();
//! rx.read_to_string(&mut got).await?;
//! assert_eq!(got, "hello");
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BufMut;
use mio::unix::pipe as mio_pipe;

use crate::driver::poll_evented::PollEvented;
use crate::driver::ready::{Interest, Ready};
use crate::driver::scheduled_io::Direction;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::buf::recv_into_buf_mut;

/// An anonymous pipe: the writing end and the reading end, both registered with the current
/// reactor and in non-blocking, close-on-exec mode.
///
/// # Panics
///
/// Outside a runtime, or on one built without `enable_io()`.
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (tx, rx) = mio_pipe::new()?;
    Ok((Sender::from_mio(tx)?, Receiver::from_mio(rx)?))
}

/// Options for opening a named FIFO as a [`Sender`] or a [`Receiver`].
///
/// ```no_run
/// use runtime::net::unix::pipe;
///
/// # async fn run() -> std::io::Result<()> {
/// // A receiver can be opened before any writer exists.
/// let rx = pipe::OpenOptions::new().open_receiver("/tmp/my-fifo")?;
/// # drop(rx);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    read_write: bool,
    unchecked: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Sender,
    Receiver,
}

impl OpenOptions {
    /// The default options: check that the file is a FIFO, open the end for one direction.
    pub fn new() -> OpenOptions {
        OpenOptions {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            read_write: false,
            unchecked: false,
        }
    }

    /// Opens the FIFO for reading and writing (Linux and Android). A sender opened this way
    /// does not fail with `ENXIO` when no reader has the FIFO open, and a receiver does not
    /// see end-of-file when the last writer goes away.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the opened file is a FIFO (for character devices and the like
    /// that behave as one).
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens the FIFO at `path` as a [`Receiver`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the file is not a FIFO (unless [`unchecked`](Self::unchecked)); the
    /// OS's error otherwise.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let file = self.open(path.as_ref(), End::Receiver)?;
        Receiver::from_file_unchecked(file)
    }

    /// Opens the FIFO at `path` as a [`Sender`]. Without
    /// [`read_write`](Self::read_write), this fails with `ENXIO` while no reader has the FIFO
    /// open.
    ///
    /// # Errors
    ///
    /// As [`open_receiver`](Self::open_receiver), and `ENXIO` as above.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let file = self.open(path.as_ref(), End::Sender)?;
        Sender::from_file_unchecked(file)
    }

    fn open(&self, path: &Path, end: End) -> io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options
            .read(end == End::Receiver)
            .write(end == End::Sender)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.read_write {
            options.read(true).write(true);
        }
        let file = options.open(path)?;
        if !self.unchecked && !is_fifo(file.as_fd())? {
            return Err(not_a_pipe());
        }
        Ok(file)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

fn not_a_pipe() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a pipe")
}

fn is_fifo(fd: BorrowedFd<'_>) -> io::Result<bool> {
    // SAFETY: `stat` is a plain C struct for which all zeroes is a valid value.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open for the call's duration and `stat` is valid for writes.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(stat.st_mode & libc::S_IFMT == libc::S_IFIFO)
}

fn file_flags(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    // SAFETY: `F_GETFL` on a descriptor that is open for the call's duration.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(flags)
}

fn set_flags(fd: BorrowedFd<'_>, old: libc::c_int, new: libc::c_int) -> io::Result<()> {
    if old != new {
        // SAFETY: `F_SETFL` on a descriptor that is open for the call's duration.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, new) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Checks that `fd` is a FIFO opened for `end`'s direction, and makes it non-blocking.
fn check_end(fd: BorrowedFd<'_>, end: End) -> io::Result<()> {
    if !is_fifo(fd)? {
        return Err(not_a_pipe());
    }
    let flags = file_flags(fd)?;
    let mode = flags & libc::O_ACCMODE;
    let ok = match end {
        End::Sender => mode == libc::O_WRONLY || mode == libc::O_RDWR,
        End::Receiver => mode == libc::O_RDONLY || mode == libc::O_RDWR,
    };
    if !ok {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            match end {
                End::Sender => "not in O_WRONLY or O_RDWR access mode",
                End::Receiver => "not in O_RDONLY or O_RDWR access mode",
            },
        ));
    }
    set_flags(fd, flags, flags | libc::O_NONBLOCK)
}

fn into_blocking(fd: OwnedFd) -> io::Result<OwnedFd> {
    let flags = file_flags(fd.as_fd())?;
    set_flags(fd.as_fd(), flags, flags & !libc::O_NONBLOCK)?;
    Ok(fd)
}

/// The writing end of a pipe or FIFO.
#[derive(Debug)]
pub struct Sender {
    io: PollEvented<mio_pipe::Sender>,
}

impl Sender {
    #[track_caller]
    fn from_mio(tx: mio_pipe::Sender) -> io::Result<Sender> {
        Ok(Sender {
            io: PollEvented::new_with_interest(tx, Interest::WRITABLE)?,
        })
    }

    /// Wraps an open FIFO `file` (checked to be a FIFO open for writing; made non-blocking).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// Wraps an open FIFO descriptor (checked to be a FIFO open for writing; made
    /// non-blocking).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Sender> {
        check_end(fd.as_fd(), End::Sender)?;
        Sender::from_owned_fd_unchecked(fd)
    }

    /// Wraps `file` without any check; it must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(file.into())
    }

    /// Wraps `fd` without any check; it must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Sender> {
        // SAFETY: `into_raw_fd` hands over ownership of an open descriptor.
        Sender::from_mio(unsafe { mio_pipe::Sender::from_raw_fd(fd.into_raw_fd()) })
    }

    /// Waits until ready for any of `interest`, and says for what.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.registration().ready(interest).await
    }

    /// Waits until writable.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io
            .registration()
            .poll_ready(cx, Direction::Write)
            .map_ok(drop)
    }

    /// Writes without waiting: `WouldBlock` if the pipe is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .registration()
            .try_io(Interest::WRITABLE, || (&*self.io).write(buf))
    }

    /// Writes several buffers without waiting.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .registration()
            .try_io(Interest::WRITABLE, || (&*self.io).write_vectored(bufs))
    }

    /// Runs `f` (an operation on the raw descriptor) if the pipe is writable; `WouldBlock`
    /// otherwise. If `f` returns `WouldBlock`, the readiness is cleared.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.registration().try_io(Interest::WRITABLE, f)
    }

    /// Deregisters and returns the descriptor, in blocking mode.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        into_blocking(self.into_nonblocking_fd()?)
    }

    /// Deregisters and returns the descriptor, still non-blocking.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        let mio = self.io.into_inner()?;
        // SAFETY: the descriptor is deregistered and `into_raw_fd` hands over its ownership.
        Ok(unsafe { OwnedFd::from_raw_fd(mio.into_raw_fd()) })
    }
}

impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_from(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored_from(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no half-close: the reader sees EOF once every writer is dropped.
        Poll::Ready(Ok(()))
    }
}

impl AsRawFd for Sender {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for Sender {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor stays open as long as `self`, which the borrow cannot outlive.
        unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}

/// The reading end of a pipe or FIFO.
#[derive(Debug)]
pub struct Receiver {
    io: PollEvented<mio_pipe::Receiver>,
}

impl Receiver {
    #[track_caller]
    fn from_mio(rx: mio_pipe::Receiver) -> io::Result<Receiver> {
        Ok(Receiver {
            io: PollEvented::new_with_interest(rx, Interest::READABLE)?,
        })
    }

    /// Wraps an open FIFO `file` (checked to be a FIFO open for reading; made non-blocking).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// Wraps an open FIFO descriptor (checked to be a FIFO open for reading; made
    /// non-blocking).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Receiver> {
        check_end(fd.as_fd(), End::Receiver)?;
        Receiver::from_owned_fd_unchecked(fd)
    }

    /// Wraps `file` without any check; it must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// Wraps `fd` without any check; it must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Receiver> {
        // SAFETY: `into_raw_fd` hands over ownership of an open descriptor.
        Receiver::from_mio(unsafe { mio_pipe::Receiver::from_raw_fd(fd.into_raw_fd()) })
    }

    /// Waits until ready for any of `interest`, and says for what.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.registration().ready(interest).await
    }

    /// Waits until readable.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Polls for read readiness.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io
            .registration()
            .poll_ready(cx, Direction::Read)
            .map_ok(drop)
    }

    /// Reads without waiting: `WouldBlock` if the pipe is empty; 0 once every writer is gone.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .registration()
            .try_io(Interest::READABLE, || (&*self.io).read(buf))
    }

    /// Reads into several buffers without waiting.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .registration()
            .try_io(Interest::READABLE, || (&*self.io).read_vectored(bufs))
    }

    /// Reads into the spare capacity of `buf` (a `bytes::BufMut`), advancing it, without
    /// waiting.
    pub fn try_read_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.registration().try_io(Interest::READABLE, || {
            recv_into_buf_mut(buf, |b| (&*self.io).read(b), |n| *n)
        })
    }

    /// Runs `f` (an operation on the raw descriptor) if the pipe is readable; `WouldBlock`
    /// otherwise. If `f` returns `WouldBlock`, the readiness is cleared.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.registration().try_io(Interest::READABLE, f)
    }

    /// Deregisters and returns the descriptor, in blocking mode.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        into_blocking(self.into_nonblocking_fd()?)
    }

    /// Deregisters and returns the descriptor, still non-blocking.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        let mio = self.io.into_inner()?;
        // SAFETY: the descriptor is deregistered and `into_raw_fd` hands over its ownership.
        Ok(unsafe { OwnedFd::from_raw_fd(mio.into_raw_fd()) })
    }
}

impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.io.poll_read_buf(cx, buf)
    }
}

impl AsRawFd for Receiver {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for Receiver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor stays open as long as `self`, which the borrow cannot outlive.
        unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}
