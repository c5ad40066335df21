//! [`AsyncBufRead`]: reading through an internal buffer, and its impls for std types and
//! pointers.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::AsyncRead;

/// An [`AsyncRead`] with an internal buffer that the caller can look into.
///
/// The async version of [`std::io::BufRead`]: [`poll_fill_buf`](Self::poll_fill_buf) returns
/// the buffered bytes (reading more if the buffer is empty), and [`consume`](Self::consume)
/// marks some of them as used. Line- and delimiter-oriented reading lives in
/// [`AsyncBufReadExt`](super::AsyncBufReadExt).
pub trait AsyncBufRead: AsyncRead {
    /// Returns the buffered bytes, reading from the source first if the buffer is empty.
    ///
    /// An empty slice means end of file. The bytes stay buffered until
    /// [`consume`](Self::consume) is called: polling again returns them again.
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Marks the first `amt` buffered bytes as used, so that they are not returned again.
    ///
    /// `amt` should be at most the length of the slice the last
    /// [`poll_fill_buf`](Self::poll_fill_buf) returned; implementations clamp larger values.
    fn consume(self: Pin<&mut Self>, amt: usize);
}

macro_rules! deref_async_buf_read {
    () => {
        fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
        }

        fn consume(mut self: Pin<&mut Self>, amt: usize) {
            Pin::new(&mut **self).consume(amt)
        }
    };
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for Box<T> {
    deref_async_buf_read!();
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    deref_async_buf_read!();
}

impl<P> AsyncBufRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncBufRead,
{
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().as_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().as_mut().consume(amt)
    }
}

/// The whole slice is the buffer.
impl AsyncBufRead for &[u8] {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(*self.get_mut()))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        let amt = amt.min(self.len());
        *self = &self[amt..];
    }
}

/// The data from the cursor's position on is the buffer.
impl<T: AsRef<[u8]> + Unpin> AsyncBufRead for io::Cursor<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        let data = this.get_ref().as_ref();
        let start = usize::try_from(this.position())
            .unwrap_or(usize::MAX)
            .min(data.len());
        Poll::Ready(Ok(&data[start..]))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        let pos = self.position().saturating_add(amt as u64);
        self.set_position(pos);
    }
}
