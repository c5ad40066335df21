//! The futures of [`AsyncBufReadExt::read_until`](super::AsyncBufReadExt::read_until) and
//! [`AsyncBufReadExt::read_line`](super::AsyncBufReadExt::read_line), and the delimiter scan
//! that `Lines` and `Split` share.

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::utf8::StringBuf;
use crate::io::AsyncBufRead;

/// Appends bytes to `buf` up to and including `delim` or end of file; `read` counts the bytes
/// appended so far (kept by the caller across polls). Returns the total and resets `read`.
///
/// Every byte taken from the reader is in `buf` before the reader is told it was consumed, so
/// dropping the caller between polls loses nothing. Interrupted fills are retried.
pub(crate) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delim: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let (found, used) = {
            let available = match ready!(reader.as_mut().poll_fill_buf(cx)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            };
            match available.iter().position(|&b| b == delim) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (false, available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        *read += used;
        // `used == 0` without the delimiter: end of file.
        if found || used == 0 {
            return Poll::Ready(Ok(mem::take(read)));
        }
    }
}

pin_project! {
    /// Future for [`AsyncBufReadExt::read_until`](super::AsyncBufReadExt::read_until).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadUntil<'a, R: ?Sized> {
        reader: &'a mut R,
        delim: u8,
        buf: &'a mut Vec<u8>,
        read: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_until<'a, R>(
    reader: &'a mut R,
    delim: u8,
    buf: &'a mut Vec<u8>,
) -> ReadUntil<'a, R>
where
    R: AsyncBufRead + Unpin + ?Sized,
{
    ReadUntil {
        reader,
        delim,
        buf,
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        poll_read_until(Pin::new(&mut **me.reader), cx, *me.delim, me.buf, me.read)
    }
}

pin_project! {
    /// Future for [`AsyncBufReadExt::read_line`](super::AsyncBufReadExt::read_line).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadLine<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: StringBuf<'a>,
        read: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_line<'a, R>(reader: &'a mut R, buf: &'a mut String) -> ReadLine<'a, R>
where
    R: AsyncBufRead + Unpin + ?Sized,
{
    ReadLine {
        reader,
        buf: StringBuf::new(buf),
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let res = ready!(poll_read_until(
            Pin::new(&mut **me.reader),
            cx,
            b'\n',
            me.buf.bytes_mut(),
            me.read,
        ));
        Poll::Ready(me.buf.finish(res, true))
    }
}
