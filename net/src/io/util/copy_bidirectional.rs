//! [`copy_bidirectional`]: pump two streams into each other until both directions end.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::copy::{CopyBuffer, COPY_BUF_SIZE};
use crate::io::{AsyncRead, AsyncWrite};

/// Copies `a` into `b` and `b` into `a` at the same time, until both reach end of file;
/// returns `(bytes from a to b, bytes from b to a)`.
///
/// When one side reaches end of file, the other side's write direction is shut down (once
/// everything read has been written and flushed), so the end of file propagates; the other
/// direction keeps going until it ends too. This is the core of a proxy. Interrupted reads
/// and writes are retried.
///
/// # Errors
///
/// The first error in either direction ends both; the counts are then not reported.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// let (mut client, mut proxy_left) = io::duplex(64);
/// let (mut proxy_right, mut server) = io::duplex(64);
///
/// client.write_all(b"request").await?;
/// client.shutdown().await?;
/// server.write_all(b"response").await?;
/// server.shutdown().await?;
///
/// let (up, down) = io::copy_bidirectional(&mut proxy_left, &mut proxy_right).await?;
/// assert_eq!((up, down), (7, 8));
///
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"request");
/// # Ok(())
/// # }
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, COPY_BUF_SIZE, COPY_BUF_SIZE).await
}

/// Like [`copy_bidirectional`], with the buffer size of each direction.
///
/// # Panics
///
/// Panics (when first polled) if either size is 0.
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(
        a_to_b_buf_size > 0,
        "`a_to_b_buf_size` must be greater than 0"
    );
    assert!(
        b_to_a_buf_size > 0,
        "`b_to_a_buf_size` must be greater than 0"
    );
    CopyBidirectional {
        a,
        b,
        a_to_b: TransferState::Running(CopyBuffer::new(a_to_b_buf_size)),
        b_to_a: TransferState::Running(CopyBuffer::new(b_to_a_buf_size)),
    }
    .await
}

#[derive(Debug)]
enum TransferState {
    Running(CopyBuffer),
    ShuttingDown(u64),
    Done(u64),
}

/// Drives one direction: copy until end of file, then shut the writer down.
fn transfer_one_direction<R, W>(
    cx: &mut Context<'_>,
    state: &mut TransferState,
    mut reader: Pin<&mut R>,
    mut writer: Pin<&mut W>,
) -> Poll<io::Result<u64>>
where
    R: AsyncRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    loop {
        match state {
            TransferState::Running(buf) => {
                let count = ready!(buf.poll_copy(cx, reader.as_mut(), writer.as_mut()))?;
                *state = TransferState::ShuttingDown(count);
            }
            TransferState::ShuttingDown(count) => {
                ready!(writer.as_mut().poll_shutdown(cx))?;
                *state = TransferState::Done(*count);
            }
            TransferState::Done(count) => return Poll::Ready(Ok(*count)),
        }
    }
}

struct CopyBidirectional<'a, A: ?Sized, B: ?Sized> {
    a: &'a mut A,
    b: &'a mut B,
    a_to_b: TransferState,
    b_to_a: TransferState,
}

impl<A, B> Future for CopyBidirectional<'_, A, B>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<(u64, u64)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<(u64, u64)>> {
        let this = self.get_mut();
        let a_to_b = transfer_one_direction(
            cx,
            &mut this.a_to_b,
            Pin::new(&mut *this.a),
            Pin::new(&mut *this.b),
        )?;
        let b_to_a = transfer_one_direction(
            cx,
            &mut this.b_to_a,
            Pin::new(&mut *this.b),
            Pin::new(&mut *this.a),
        )?;
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    }
}
