//! The futures of the single-write methods of [`AsyncWriteExt`](super::AsyncWriteExt):
//! `write`, `write_vectored` and `write_buf`.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncWrite;

/// Future for [`AsyncWriteExt::write`](super::AsyncWriteExt::write).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

pub(crate) fn write<'a, W>(writer: &'a mut W, buf: &'a [u8]) -> Write<'a, W>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    Write { writer, buf }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write(cx, this.buf)
    }
}

/// Future for [`AsyncWriteExt::write_vectored`](super::AsyncWriteExt::write_vectored).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
}

pub(crate) fn write_vectored<'a, 'b, W>(
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
) -> WriteVectored<'a, 'b, W>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    WriteVectored { writer, bufs }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write_vectored(cx, this.bufs)
    }
}

/// Future for [`AsyncWriteExt::write_buf`](super::AsyncWriteExt::write_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut &'b [u8],
}

pub(crate) fn write_buf<'a, 'b, W>(writer: &'a mut W, buf: &'a mut &'b [u8]) -> WriteBuf<'a, 'b, W>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    WriteBuf { writer, buf }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteBuf<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = ready!(Pin::new(&mut *this.writer).poll_write(cx, this.buf))?;
        *this.buf = &this.buf[n.min(this.buf.len())..];
        Poll::Ready(Ok(n))
    }
}
