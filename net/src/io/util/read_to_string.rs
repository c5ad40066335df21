//! The future of [`AsyncReadExt::read_to_string`](super::AsyncReadExt::read_to_string).

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::read_to_end::{poll_read_to_end, Growth};
use super::utf8::StringBuf;
use crate::io::AsyncRead;

pin_project! {
    /// Future for [`AsyncReadExt::read_to_string`](super::AsyncReadExt::read_to_string).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadToString<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: StringBuf<'a>,
        growth: Growth,
        read: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_to_string<'a, R>(reader: &'a mut R, buf: &'a mut String) -> ReadToString<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    let mut buf = StringBuf::new(buf);
    let bytes = buf.bytes_mut();
    let growth = Growth::new(bytes, bytes.capacity());
    ReadToString {
        reader,
        growth,
        buf,
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let res = ready!(poll_read_to_end(
            Pin::new(&mut **me.reader),
            cx,
            me.buf.bytes_mut(),
            me.growth,
            me.read,
        ));
        Poll::Ready(me.buf.finish(res, false))
    }
}
