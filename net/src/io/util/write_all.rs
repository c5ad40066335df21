//! The futures of [`AsyncWriteExt::write_all`](super::AsyncWriteExt::write_all) and
//! [`AsyncWriteExt::write_all_buf`](super::AsyncWriteExt::write_all_buf).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncWrite;

pub(crate) fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer")
}

/// Writes all of `*buf`, advancing it past what was written, so that a caller that keeps the
/// slice across polls resumes where it stopped.
pub(crate) fn poll_write_all<W: AsyncWrite + ?Sized>(
    mut writer: Pin<&mut W>,
    cx: &mut Context<'_>,
    buf: &mut &[u8],
) -> Poll<io::Result<()>> {
    while !buf.is_empty() {
        let n = ready!(writer.as_mut().poll_write(cx, buf))?;
        if n == 0 {
            return Poll::Ready(Err(write_zero()));
        }
        *buf = &buf[n.min(buf.len())..];
    }
    Poll::Ready(Ok(()))
}

/// Future for [`AsyncWriteExt::write_all`](super::AsyncWriteExt::write_all).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAll<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

pub(crate) fn write_all<'a, W>(writer: &'a mut W, buf: &'a [u8]) -> WriteAll<'a, W>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    WriteAll { writer, buf }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        poll_write_all(Pin::new(&mut *this.writer), cx, &mut this.buf)
    }
}

/// Future for [`AsyncWriteExt::write_all_buf`](super::AsyncWriteExt::write_all_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut &'b [u8],
}

pub(crate) fn write_all_buf<'a, 'b, W>(
    writer: &'a mut W,
    buf: &'a mut &'b [u8],
) -> WriteAllBuf<'a, 'b, W>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    WriteAllBuf { writer, buf }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAllBuf<'_, '_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        poll_write_all(Pin::new(&mut *this.writer), cx, this.buf)
    }
}
