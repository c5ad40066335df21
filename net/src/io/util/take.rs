//! [`Take`]: a reader limited to a number of bytes.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};

pin_project! {
    /// A reader that reads at most `limit` bytes from an inner reader, then reports end of
    /// file. Created by [`AsyncReadExt::take`](super::AsyncReadExt::take).
    #[derive(Debug)]
    #[must_use = "streams do nothing unless you `.await` or poll them"]
    pub struct Take<R> {
        #[pin]
        inner: R,
        limit: u64,
    }
}

pub(crate) fn take<R: AsyncRead>(inner: R, limit: u64) -> Take<R> {
    Take { inner, limit }
}

impl<R: AsyncRead> Take<R> {
    /// How many bytes can still be read before end of file.
    ///
    /// Reaching end of file of the inner reader first leaves it above zero.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets how many more bytes can be read, as if this `Take` had been made fresh with
    /// `limit`.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly bypasses the limit.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader, pinned. Reading from it directly bypasses the limit.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Returns the inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        if *this.limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let max = usize::try_from(*this.limit).unwrap_or(usize::MAX);
        let mut sub = buf.take(max);
        let ptr = sub.filled().as_ptr();
        ready!(this.inner.poll_read(cx, &mut sub))?;
        assert_eq!(
            ptr,
            sub.filled().as_ptr(),
            "`poll_read` replaced the `ReadBuf` it was given"
        );
        let n = sub.filled().len();
        // SAFETY: `sub` covered the start of `buf`'s unfilled region (checked just above), and
        // its first `n` bytes are filled, hence initialized.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        *this.limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        if *this.limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let buf = ready!(this.inner.poll_fill_buf(cx))?;
        let n = usize::try_from(*this.limit)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        Poll::Ready(Ok(&buf[..n]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        let amt = usize::try_from(*this.limit).unwrap_or(usize::MAX).min(amt);
        *this.limit -= amt as u64;
        this.inner.consume(amt);
    }
}
