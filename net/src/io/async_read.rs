//! [`AsyncRead`]: reading bytes without blocking, and its impls for std types and pointers.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ReadBuf;

/// Reads bytes from a source asynchronously.
///
/// This is the async version of [`std::io::Read`]: instead of blocking until data arrives,
/// [`poll_read`](Self::poll_read) returns `Poll::Pending` and arranges for the task to be woken
/// when it can make progress. Most users call the methods of
/// [`AsyncReadExt`](super::AsyncReadExt) instead of polling directly.
pub trait AsyncRead {
    /// Attempts to read into `buf`.
    ///
    /// On success returns `Poll::Ready(Ok(()))` having appended the bytes read to
    /// `buf.filled()`. If nothing was appended although `buf` had room, the source has
    /// reached end of file. If no data is available yet, returns `Poll::Pending` and wakes the
    /// task (through `cx`) once the source may be readable; on `Pending` nothing has been
    /// appended.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
}

macro_rules! deref_async_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

/// Reading from a slice takes bytes from its front and shrinks it; an empty slice is at end of
/// file.
impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.len().min(buf.remaining());
        let (head, tail) = self.split_at(n);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

/// Reads from the cursor's position and advances it; a position at or past the end is at end
/// of file.
impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let pos = self.position();
        let data = self.get_ref().as_ref();
        let start = usize::try_from(pos).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.remaining());
        buf.put_slice(&data[start..start + n]);
        self.set_position(pos + n as u64);
        Poll::Ready(Ok(()))
    }
}
