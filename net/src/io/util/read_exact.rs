//! The future of [`AsyncReadExt::read_exact`](super::AsyncReadExt::read_exact).

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::retry_interrupted;
use crate::io::{AsyncRead, ReadBuf};

pin_project! {
    /// Future for [`AsyncReadExt::read_exact`](super::AsyncReadExt::read_exact).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadExact<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut [u8],
        filled: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_exact<'a, R>(reader: &'a mut R, buf: &'a mut [u8]) -> ReadExact<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    ReadExact {
        reader,
        buf,
        filled: 0,
        _pin: PhantomPinned,
    }
}

pub(crate) fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}

/// Fills `buf[*filled..]` from `reader`, retrying interrupted reads; `filled` keeps the
/// progress across polls. Fails with `UnexpectedEof` if the reader ends first.
pub(crate) fn poll_read_exact<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
    filled: &mut usize,
) -> Poll<io::Result<()>> {
    while *filled < buf.len() {
        let mut rb = ReadBuf::new(&mut buf[*filled..]);
        ready!(retry_interrupted(|| reader.as_mut().poll_read(cx, &mut rb)))?;
        let n = rb.filled().len();
        if n == 0 {
            return Poll::Ready(Err(eof()));
        }
        *filled += n;
    }
    Poll::Ready(Ok(()))
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        ready!(poll_read_exact(
            Pin::new(&mut **me.reader),
            cx,
            me.buf,
            me.filled
        ))?;
        Poll::Ready(Ok(me.buf.len()))
    }
}
