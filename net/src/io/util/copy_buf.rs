//! [`copy_buf`]: pump all of a buffered reader into a writer without a second buffer.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use runtime_sync::coop;

use crate::io::{AsyncBufRead, AsyncWrite};

/// Copies all of `reader` into `writer` through `reader`'s own buffer, returning the number
/// of bytes copied.
///
/// Like [`copy`](super::copy), but writes straight from
/// [`poll_fill_buf`](AsyncBufRead::poll_fill_buf)'s slice instead of copying into a buffer of
/// its own. Flushes `writer` at the end, and whenever `reader` has nothing to give for the
/// moment; does not shut it down. Interrupted reads and writes are retried.
///
/// # Errors
///
/// The first error of either side, or [`WriteZero`](io::ErrorKind::WriteZero) if `writer`
/// accepts no more bytes.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader: &[u8] = b"buffered";
/// let mut writer: Vec<u8> = Vec::new();
/// runtime::io::copy_buf(&mut reader, &mut writer).await?;
/// assert_eq!(writer, b"buffered");
/// # Ok(())
/// # }
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    CopyBuf {
        reader,
        writer,
        amt: 0,
        need_flush: false,
    }
    .await
}

struct CopyBuf<'a, R: ?Sized, W: ?Sized> {
    reader: &'a mut R,
    writer: &'a mut W,
    amt: u64,
    /// Bytes written since the last flush.
    need_flush: bool,
}

impl<R, W> Future for CopyBuf<'_, R, W>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        loop {
            let budget = ready!(coop::poll_proceed(cx));
            let mut reader = Pin::new(&mut *this.reader);
            let buf = match reader.as_mut().poll_fill_buf(cx) {
                Poll::Ready(Ok(buf)) => buf,
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Ready(Err(e)) => {
                    budget.made_progress();
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => {
                    // Nothing to read for now: push out what was written, so the peer is not
                    // left waiting on bytes sitting in the writer's buffer (and a reader that
                    // waits for those bytes does not deadlock the copy).
                    if this.need_flush {
                        ready!(Pin::new(&mut *this.writer).poll_flush(cx))?;
                        this.need_flush = false;
                    }
                    return Poll::Pending;
                }
            };
            if buf.is_empty() {
                ready!(Pin::new(&mut *this.writer).poll_flush(cx))?;
                this.need_flush = false;
                budget.made_progress();
                return Poll::Ready(Ok(this.amt));
            }
            let n = match ready!(Pin::new(&mut *this.writer).poll_write(cx, buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            };
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "write zero byte into writer",
                )));
            }
            let n = n.min(buf.len());
            reader.consume(n);
            this.amt += n as u64;
            this.need_flush = true;
            budget.made_progress();
        }
    }
}
