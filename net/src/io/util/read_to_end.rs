//! The future of [`AsyncReadExt::read_to_end`](super::AsyncReadExt::read_to_end).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read::poll_read_append;
use crate::io::AsyncRead;

/// Future for [`AsyncReadExt::read_to_end`](super::AsyncReadExt::read_to_end).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    read: usize,
}

pub(crate) fn read_to_end<'a, R>(reader: &'a mut R, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    ReadToEnd {
        reader,
        buf,
        read: 0,
    }
}

/// Reads until end of file, appending to `buf`; `read` counts the bytes appended so far (kept
/// by the caller across polls). Returns the total.
pub(crate) fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        // `Vec::reserve` at least doubles, so the growth is amortized; 32 bytes is the floor
        // for a vector that starts empty.
        let n = ready!(poll_read_append(reader.as_mut(), cx, buf, 32))?;
        if n == 0 {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
        *read += n;
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        poll_read_to_end(Pin::new(&mut *this.reader), cx, this.buf, &mut this.read)
    }
}
