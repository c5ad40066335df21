//! [`copy`]: pump all of a reader into a writer; and the buffer state machine that
//! [`copy_bidirectional`](super::copy_bidirectional) shares.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use runtime_sync::coop;

use super::retry_interrupted;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The size of `copy`'s buffer: 8 KiB, as tokio.
pub(crate) const COPY_BUF_SIZE: usize = 8 * 1024;

/// One direction of a copy: a buffer, and how far through it the writer is.
///
/// The algorithm is tokio's: read while the buffer has room (so that one large write can
/// carry what several short reads brought), write what is buffered, and when the writer is
/// not ready, top the buffer up from the reader meanwhile. Interrupted reads and writes are
/// retried; when the reader has nothing for the moment, the writer is flushed, so bytes never
/// wait in a buffered writer for the next chunk.
#[derive(Debug)]
pub(crate) struct CopyBuffer {
    read_done: bool,
    /// Bytes written since the last flush.
    need_flush: bool,
    /// `buf[pos..cap]` is read but not yet written.
    pos: usize,
    cap: usize,
    amt: u64,
    buf: Box<[u8]>,
}

impl CopyBuffer {
    pub(crate) fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            read_done: false,
            need_flush: false,
            pos: 0,
            cap: 0,
            amt: 0,
            buf: vec![0; size.max(1)].into_boxed_slice(),
        }
    }

    /// Reads once into the free end of the buffer (`buf[cap..]`), retrying interrupted reads.
    fn poll_fill_buf<R: AsyncRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
    ) -> Poll<io::Result<()>> {
        let mut buf = ReadBuf::new(&mut self.buf);
        buf.set_filled(self.cap);
        let res = retry_interrupted(|| reader.as_mut().poll_read(cx, &mut buf));
        if let Poll::Ready(Ok(())) = res {
            let filled = buf.filled().len();
            // Called only with room in the buffer: nothing read is end of file.
            self.read_done = filled == self.cap;
            self.cap = filled;
        }
        res
    }

    /// Writes once from `buf[pos..cap]`, retrying interrupted writes. While the writer is not
    /// ready, tops the buffer up from the reader.
    fn poll_write_buf<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<usize>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        let res = retry_interrupted(|| {
            writer
                .as_mut()
                .poll_write(cx, &self.buf[self.pos..self.cap])
        });
        if res.is_pending() && !self.read_done && self.cap < self.buf.len() {
            ready!(self.poll_fill_buf(cx, reader))?;
        }
        res
    }

    /// Copies until the reader is at end of file and the writer flushed; returns the number
    /// of bytes copied. The state lives in `self`, so the copy resumes where it stopped.
    pub(crate) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            // Each round trip through the buffer spends budget, so copying between two
            // always-ready ends still lets other tasks run.
            let budget = ready!(coop::poll_proceed(cx));

            if self.cap < self.buf.len() && !self.read_done {
                match self.poll_fill_buf(cx, reader.as_mut()) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => {
                        budget.made_progress();
                        return Poll::Ready(Err(e));
                    }
                    // Nothing to read for now. With bytes buffered, write them meanwhile;
                    // otherwise push out what was written, so the peer is not left waiting
                    // on bytes sitting in the writer's buffer.
                    Poll::Pending if self.pos < self.cap => {}
                    Poll::Pending => {
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }

            while self.pos < self.cap {
                let n = ready!(self.poll_write_buf(cx, reader.as_mut(), writer.as_mut()))?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write zero byte into writer",
                    )));
                }
                // A writer that claims more than it was offered is buggy; do not let it push
                // `pos` past `cap`.
                let n = n.min(self.cap - self.pos);
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }
            // All written: the buffer is empty again.
            self.pos = 0;
            self.cap = 0;
            budget.made_progress();

            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Copies all of `reader` into `writer`, returning the number of bytes copied.
///
/// Reads into an 8 KiB buffer and writes each chunk out, until `reader` reaches end of file;
/// then flushes `writer`. It also flushes `writer` whenever `reader` has nothing to give for
/// the moment, so data never waits in a buffered writer for the next chunk. It does not shut
/// `writer` down. Reads and writes that fail with
/// [`Interrupted`](io::ErrorKind::Interrupted) are retried.
///
/// Wrap `reader` in a [`BufReader`](super::BufReader) and use [`copy_buf`](super::copy_buf)
/// if it is already buffered.
///
/// # Errors
///
/// The first error of either side, or [`WriteZero`](io::ErrorKind::WriteZero) if `writer`
/// accepts no more bytes. Bytes copied before an error are not reported.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader: &[u8] = b"hello";
/// let mut writer: Vec<u8> = Vec::new();
/// let n = runtime::io::copy(&mut reader, &mut writer).await?;
/// assert_eq!(n, 5);
/// assert_eq!(writer, b"hello");
/// # Ok(())
/// # }
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    Copy {
        reader,
        writer,
        buf: CopyBuffer::new(COPY_BUF_SIZE),
    }
    .await
}

struct Copy<'a, R: ?Sized, W: ?Sized> {
    reader: &'a mut R,
    writer: &'a mut W,
    buf: CopyBuffer,
}

impl<R, W> Future for Copy<'_, R, W>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        this.buf
            .poll_copy(cx, Pin::new(&mut *this.reader), Pin::new(&mut *this.writer))
    }
}
