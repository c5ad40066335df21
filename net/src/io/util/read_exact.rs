//! The future of [`AsyncReadExt::read_exact`](super::AsyncReadExt::read_exact).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Future for [`AsyncReadExt::read_exact`](super::AsyncReadExt::read_exact).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
    filled: usize,
}

pub(crate) fn read_exact<'a, R>(reader: &'a mut R, buf: &'a mut [u8]) -> ReadExact<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    ReadExact {
        reader,
        buf,
        filled: 0,
    }
}

pub(crate) fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        while this.filled < this.buf.len() {
            let mut buf = ReadBuf::new(&mut this.buf[this.filled..]);
            ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(eof()));
            }
            this.filled += n;
        }
        Poll::Ready(Ok(this.buf.len()))
    }
}
