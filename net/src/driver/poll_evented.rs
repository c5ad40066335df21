//! `PollEvented`: a mio source together with its registration.

use std::io::{self, Read, Write};
use std::ops::Deref;
use std::task::{Context, Poll};

use super::ready::Interest;
use super::registration::Registration;
use super::scheduled_io::Direction;

/// A mio source registered with the current reactor; deregistered when dropped.
pub(crate) struct PollEvented<E: mio::event::Source> {
    io: Option<E>,
    registration: Registration,
}

impl<E: mio::event::Source> PollEvented<E> {
    /// Registers `io` with the current reactor for reading and writing.
    #[track_caller]
    pub(crate) fn new(io: E) -> io::Result<PollEvented<E>> {
        PollEvented::new_with_interest(io, Interest::READABLE | Interest::WRITABLE)
    }

    #[track_caller]
    pub(crate) fn new_with_interest(mut io: E, interest: Interest) -> io::Result<PollEvented<E>> {
        let registration = Registration::new_current(&mut io, interest)?;
        Ok(PollEvented {
            io: Some(io),
            registration,
        })
    }

    /// Registers `io` with the reactor `handle` for `interest`.
    pub(crate) fn new_with_handle(
        mut io: E,
        interest: Interest,
        handle: super::Handle,
    ) -> io::Result<PollEvented<E>> {
        let registration = Registration::new(&mut io, interest, handle)?;
        Ok(PollEvented {
            io: Some(io),
            registration,
        })
    }

    pub(crate) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// Deregisters and returns the source.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let mut io = self.io.take().expect("PollEvented without its source");
        self.registration.deregister(&mut io)?;
        Ok(io)
    }
}

impl<E: mio::event::Source> Deref for PollEvented<E> {
    type Target = E;

    fn deref(&self) -> &E {
        self.io.as_ref().expect("PollEvented without its source")
    }
}

impl<E: mio::event::Source + std::fmt::Debug> std::fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollEvented").field("io", &self.io).finish()
    }
}

impl<E: mio::event::Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            // Nothing useful to do with an error here; the descriptor closes next.
            let _ = self.registration.deregister(&mut io);
        }
    }
}

impl<E> PollEvented<E>
where
    E: mio::event::Source,
    for<'a> &'a E: Read,
{
    /// Reads into the unfilled part of `buf` once readable, without zeroing it first; fills
    /// (and marks initialized) exactly what the read returned. Nothing filled means EOF.
    pub(crate) fn poll_read_buf(
        &self,
        cx: &mut Context<'_>,
        buf: &mut crate::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `read(2)` only writes bytes into the memory it is given (it never reads
        // it), so handing it the unfilled, possibly uninitialized part is sound; we then mark
        // exactly the `n` bytes it reports as initialized and filled.
        let unfilled =
            unsafe { &mut *(buf.unfilled_mut() as *mut [std::mem::MaybeUninit<u8>] as *mut [u8]) };
        let n = std::task::ready!(self.poll_read_into(cx, unfilled))?;
        // SAFETY: the read initialized the first `n` bytes of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Reads into `buf` once readable. Returns the number of bytes read (0: EOF).
    fn poll_read_into(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let len = buf.len();
        loop {
            let event = std::task::ready!(self.registration.poll_ready(cx, Direction::Read))?;
            match (&**self).read(buf) {
                Ok(n) => {
                    // A short read on a stream socket means its buffer is drained (mio is
                    // edge-triggered): clear now and save the syscall that would say so.
                    if n > 0 && n < len {
                        self.registration.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.registration.clear_readiness(event);
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl<E> PollEvented<E>
where
    E: mio::event::Source,
    for<'a> &'a E: Write,
{
    /// Writes from `buf` once writable.
    pub(crate) fn poll_write_from(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        loop {
            let event = std::task::ready!(self.registration.poll_ready(cx, Direction::Write))?;
            match (&**self).write(buf) {
                Ok(n) => {
                    if n > 0 && n < len {
                        self.registration.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.registration.clear_readiness(event);
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Writes from `bufs` once writable.
    pub(crate) fn poll_write_vectored_from(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.registration
            .poll_io(cx, Direction::Write, || (&**self).write_vectored(bufs))
    }
}
