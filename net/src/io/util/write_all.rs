//! The futures of [`AsyncWriteExt::write_all`](super::AsyncWriteExt::write_all) and
//! [`AsyncWriteExt::write_all_buf`](super::AsyncWriteExt::write_all_buf).

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Buf;
use pin_project_lite::pin_project;

use super::retry_interrupted;
use super::write::poll_write_buf;
use crate::io::AsyncWrite;

pub(crate) fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer")
}

/// Writes all of `*buf`, advancing it past what was written, so that a caller that keeps the
/// slice across polls resumes where it stopped. Interrupted writes are retried.
pub(crate) fn poll_write_all<W: AsyncWrite + ?Sized>(
    mut writer: Pin<&mut W>,
    cx: &mut Context<'_>,
    buf: &mut &[u8],
) -> Poll<io::Result<()>> {
    while !buf.is_empty() {
        let n = ready!(retry_interrupted(|| writer.as_mut().poll_write(cx, buf)))?;
        if n == 0 {
            return Poll::Ready(Err(write_zero()));
        }
        *buf = &buf[n.min(buf.len())..];
    }
    Poll::Ready(Ok(()))
}

pin_project! {
    /// Future for [`AsyncWriteExt::write_all`](super::AsyncWriteExt::write_all).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteAll<'a, W: ?Sized> {
        writer: &'a mut W,
        buf: &'a [u8],
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn write_all<'a, W>(writer: &'a mut W, buf: &'a [u8]) -> WriteAll<'a, W>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    WriteAll {
        writer,
        buf,
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.project();
        poll_write_all(Pin::new(&mut **me.writer), cx, me.buf)
    }
}

pin_project! {
    /// Future for [`AsyncWriteExt::write_all_buf`](super::AsyncWriteExt::write_all_buf).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteAllBuf<'a, W, B> {
        writer: &'a mut W,
        buf: &'a mut B,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn write_all_buf<'a, W, B>(writer: &'a mut W, buf: &'a mut B) -> WriteAllBuf<'a, W, B>
where
    W: AsyncWrite + Unpin,
    B: Buf,
{
    WriteAllBuf {
        writer,
        buf,
        _pin: PhantomPinned,
    }
}

impl<W, B> Future for WriteAllBuf<'_, W, B>
where
    W: AsyncWrite + Unpin,
    B: Buf,
{
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.project();
        let mut writer = Pin::new(&mut **me.writer);
        while me.buf.has_remaining() {
            let n = ready!(retry_interrupted(|| poll_write_buf(
                writer.as_mut(),
                cx,
                &mut **me.buf
            )))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
        }
        Poll::Ready(Ok(()))
    }
}
