//! The futures of [`AsyncReadExt::read`](super::AsyncReadExt::read) and
//! [`AsyncReadExt::read_buf`](super::AsyncReadExt::read_buf), and the one-read helper over a
//! `bytes::BufMut`.

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::BufMut;
use pin_project_lite::pin_project;

use crate::io::{fill_buf_mut, AsyncRead, ReadBuf};

pin_project! {
    /// Future for [`AsyncReadExt::read`](super::AsyncReadExt::read).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Read<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut [u8],
        // `!Unpin`, as tokio's: leaves room to borrow across polls later.
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read<'a, R>(reader: &'a mut R, buf: &'a mut [u8]) -> Read<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    Read {
        reader,
        buf,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let mut buf = ReadBuf::new(me.buf);
        ready!(Pin::new(&mut **me.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

pin_project! {
    /// Future for [`AsyncReadExt::read_buf`](super::AsyncReadExt::read_buf).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadBufFut<'a, R: ?Sized, B: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut B,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_buf<'a, R, B>(reader: &'a mut R, buf: &'a mut B) -> ReadBufFut<'a, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    ReadBufFut {
        reader,
        buf,
        _pin: PhantomPinned,
    }
}

impl<R, B> Future for ReadBufFut<'_, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        poll_read_buf(Pin::new(&mut **me.reader), cx, &mut **me.buf)
    }
}

/// Reads once from `reader` into the spare room of `buf` (without zeroing it) and advances
/// `buf` past the bytes read; returns how many. A `buf` with no room left returns `Ok(0)` at
/// once, without touching the reader.
///
/// A `Vec<u8>` that is full grows first (by 64 bytes at least, as its `BufMut` impl does), so
/// for a vector `Ok(0)` means end of file.
pub(crate) fn poll_read_buf<R, B>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut B,
) -> Poll<io::Result<usize>>
where
    R: AsyncRead + ?Sized,
    B: BufMut + ?Sized,
{
    if !buf.has_remaining_mut() {
        return Poll::Ready(Ok(0));
    }
    let (res, n) = fill_buf_mut(buf, |rb| reader.poll_read(cx, rb));
    ready!(res)?;
    Poll::Ready(Ok(n))
}
