//! [`BufWriter`]: adds a write buffer to any [`AsyncWrite`].

use std::fmt;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::buf_reader::DEFAULT_BUF_SIZE;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

pin_project! {
    /// Adds buffering to a writer, so that many small writes become few large ones.
    ///
    /// Writes are collected in the buffer and go to the inner writer when it is full, on
    /// [`flush`](super::AsyncWriteExt::flush) and on
    /// [`shutdown`](super::AsyncWriteExt::shutdown). A write at least as large as the buffer
    /// goes straight to the inner writer (after the buffered bytes).
    ///
    /// **Dropping a `BufWriter` does not flush it**: bytes still buffered are lost. Call
    /// `flush` (or `shutdown`) before dropping it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::{AsyncWriteExt, BufWriter};
    ///
    /// let mut writer = BufWriter::new(Vec::new());
    /// writer.write_all(b"buffered").await?;
    /// assert!(writer.get_ref().is_empty()); // still in the buffer
    /// writer.flush().await?;
    /// assert_eq!(writer.get_ref(), b"buffered");
    /// # Ok(())
    /// # }
    /// ```
    pub struct BufWriter<W> {
        #[pin]
        inner: W,
        buf: Vec<u8>,
        // Bytes of `buf` already handed to `inner` during a flush that has not finished.
        written: usize,
        seek_state: SeekState,
    }
}

#[derive(Debug, Clone, Copy)]
enum SeekState {
    /// No seek in flight.
    Init,
    /// `start_seek` was called; the buffer must be flushed before the inner seek starts.
    Start(SeekFrom),
    /// The inner seek has been started.
    Pending,
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Wraps `inner` with a buffer of the default capacity (8 KiB).
    pub fn new(inner: W) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Wraps `inner` with a buffer of `cap` bytes.
    pub fn with_capacity(cap: usize, inner: W) -> Self {
        BufWriter {
            inner,
            buf: Vec::with_capacity(cap),
            written: 0,
            seek_state: SeekState::Init,
        }
    }

    /// Writes the buffered bytes to the inner writer (without flushing it).
    fn flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        let mut ret = Ok(());
        while *this.written < this.buf.len() {
            match this
                .inner
                .as_mut()
                .poll_write(cx, &this.buf[*this.written..])
            {
                Poll::Ready(Ok(0)) => {
                    ret = Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write the buffered data",
                    ));
                    break;
                }
                Poll::Ready(Ok(n)) => *this.written += n,
                Poll::Ready(Err(e)) => {
                    ret = Err(e);
                    break;
                }
                Poll::Pending => {
                    // Forget what was written so far, so a retry does not write it twice.
                    this.buf.drain(..*this.written);
                    *this.written = 0;
                    return Poll::Pending;
                }
            }
        }
        this.buf.drain(..*this.written);
        *this.written = 0;
        Poll::Ready(ret)
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably. Writing to it directly bypasses (and may reorder with) the
    /// buffered bytes.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, pinned. Writing to it directly bypasses the buffered bytes.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().inner
    }

    /// Returns the inner writer; buffered bytes are lost (flush first).
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The bytes buffered and not yet written.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.buf.len() + buf.len() > self.buf.capacity() {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let this = self.project();
        if buf.len() >= this.buf.capacity() {
            this.inner.poll_write(cx, buf)
        } else {
            this.buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total = bufs
            .iter()
            .fold(0usize, |acc, b| acc.saturating_add(b.len()));
        if self.buf.len().saturating_add(total) > self.buf.capacity() {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let this = self.project();
        if total >= this.buf.capacity() {
            this.inner.poll_write_vectored(cx, bufs)
        } else {
            for b in bufs {
                this.buf.extend_from_slice(b);
            }
            Poll::Ready(Ok(total))
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_shutdown(cx)
    }
}

/// Seeking first writes out the buffered bytes, then seeks the inner writer.
impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        // Flushing needs a `Context`, which `start_seek` does not get: `poll_complete` does
        // the work.
        *self.project().seek_state = SeekState::Start(pos);
        Ok(())
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        match *self.as_mut().project().seek_state {
            SeekState::Init => return Poll::Ready(Ok(0)),
            SeekState::Start(pos) => {
                if let Err(e) = ready!(self.as_mut().flush_buf(cx)) {
                    *self.as_mut().project().seek_state = SeekState::Init;
                    return Poll::Ready(Err(e));
                }
                *self.as_mut().project().seek_state = SeekState::Init;
                self.as_mut().get_pin_mut().start_seek(pos)?;
                *self.as_mut().project().seek_state = SeekState::Pending;
            }
            SeekState::Pending => {}
        }
        let res = ready!(self.as_mut().get_pin_mut().poll_complete(cx));
        *self.as_mut().project().seek_state = SeekState::Init;
        Poll::Ready(res)
    }
}

/// Reads go straight to the inner stream.
impl<W: AsyncWrite + AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}

impl<W: fmt::Debug> fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufWriter")
            .field("writer", &self.inner)
            .field(
                "buffer",
                &format_args!("{}/{}", self.buf.len(), self.buf.capacity()),
            )
            .finish()
    }
}
