//! The future of [`AsyncReadExt::read_to_string`](super::AsyncReadExt::read_to_string).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read_to_end::poll_read_to_end;
use super::utf8::{invalid_utf8, StringBuf};
use crate::io::AsyncRead;

/// Future for [`AsyncReadExt::read_to_string`](super::AsyncReadExt::read_to_string).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: StringBuf<'a>,
    read: usize,
}

pub(crate) fn read_to_string<'a, R>(reader: &'a mut R, buf: &'a mut String) -> ReadToString<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    ReadToString {
        reader,
        buf: StringBuf::new(buf),
        read: 0,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = ready!(poll_read_to_end(
            Pin::new(&mut *this.reader),
            cx,
            this.buf.bytes_mut(),
            &mut this.read,
        ));
        let valid = this.buf.finish();
        Poll::Ready(match res {
            Ok(_) if !valid => Err(invalid_utf8()),
            res => res,
        })
    }
}
