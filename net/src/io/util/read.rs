//! The futures of [`AsyncReadExt::read`](super::AsyncReadExt::read) and
//! [`AsyncReadExt::read_buf`](super::AsyncReadExt::read_buf), and the one-read helper that
//! appends to a `Vec<u8>` without zeroing its spare capacity.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Future for [`AsyncReadExt::read`](super::AsyncReadExt::read).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

pub(crate) fn read<'a, R>(reader: &'a mut R, buf: &'a mut [u8]) -> Read<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    Read { reader, buf }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut buf = ReadBuf::new(this.buf);
        ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

/// Future for [`AsyncReadExt::read_buf`](super::AsyncReadExt::read_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFut<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
}

pub(crate) fn read_buf<'a, R>(reader: &'a mut R, buf: &'a mut Vec<u8>) -> ReadBufFut<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    ReadBufFut { reader, buf }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadBufFut<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // A full vector grows by 64 bytes, as `bytes`' `BufMut for Vec<u8>` does.
        poll_read_append(Pin::new(&mut *this.reader), cx, this.buf, 64)
    }
}

/// Reads once from `reader`, appending to `vec` without zeroing its spare capacity first.
/// Reserves `reserve` more bytes if `vec` is full. Returns how many bytes were appended.
pub(crate) fn poll_read_append<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    reserve: usize,
) -> Poll<io::Result<usize>> {
    if vec.len() == vec.capacity() {
        vec.reserve(reserve);
    }
    let mut buf = ReadBuf::uninit(vec.spare_capacity_mut());
    let ptr = buf.filled().as_ptr();
    ready!(reader.poll_read(cx, &mut buf))?;
    // The reader gets `&mut ReadBuf`, so it could swap in a buffer of its own; then the bytes
    // it filled are not in `vec`, and appending them would expose uninitialized memory.
    assert_eq!(
        ptr,
        buf.filled().as_ptr(),
        "`poll_read` replaced the `ReadBuf` it was given"
    );
    let n = buf.filled().len();
    let len = vec.len();
    // SAFETY: the `ReadBuf` covered `vec`'s spare capacity (checked just above) and its first
    // `n` bytes are filled, hence initialized; `n <= capacity - len`.
    unsafe { vec.set_len(len + n) };
    Poll::Ready(Ok(n))
}
