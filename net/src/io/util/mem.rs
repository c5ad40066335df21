//! In-memory streams: [`duplex`] (a bidirectional pipe pair, like a connected socket pair)
//! and [`simplex`] (a one-way pipe).
//!
//! # The contract
//!
//! * Each direction holds at most `max_buf_size` bytes. A write into a full pipe returns
//!   `Pending` until the reader takes some (back-pressure); a write is short when only part
//!   of it fits.
//! * Closing the writing side (shutdown, or dropping a `DuplexStream`) lets the reader drain
//!   what is buffered, then see end of file. Dropping the reading side of a `DuplexStream`
//!   makes further writes fail with [`BrokenPipe`](std::io::ErrorKind::BrokenPipe).
//! * Every read and write spends one unit of the cooperative budget, so a task looping on a
//!   pipe that is always ready still yields to the scheduler.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll, Waker};

use runtime_sync::coop;

use crate::io::split::{split, ReadHalf, WriteHalf};
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Creates a connected pair of in-memory streams: what one writes, the other reads.
///
/// Each direction buffers at most `max_buf_size` bytes; a writer that gets that far ahead of
/// its reader waits. Dropping one stream gives the other end of file on read (after the
/// buffered bytes) and [`BrokenPipe`](io::ErrorKind::BrokenPipe) on write. Handy for testing
/// protocol code without sockets.
///
/// # Panics
///
/// Panics if `max_buf_size` is 0: nothing could ever be written.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// let (mut client, mut server) = io::duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// One end of an in-memory bidirectional pipe; see [`duplex`].
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<SimplexStream>>,
    write: Arc<Mutex<SimplexStream>>,
}

/// Creates an in-memory one-way pipe buffering at most `max_buf_size` bytes, already split
/// into its read half and its write half.
///
/// Shutting the write half down gives the read half end of file once it has read what is
/// buffered. Unlike [`duplex`], dropping a half closes nothing; a writer whose reader is gone
/// waits forever once the buffer is full.
///
/// # Panics
///
/// Panics if `max_buf_size` is 0: nothing could ever be written.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// let (mut rx, mut tx) = io::simplex(16);
/// tx.write_all(b"one way").await?;
/// tx.shutdown().await?;
/// let mut got = String::new();
/// rx.read_to_string(&mut got).await?;
/// assert_eq!(got, "one way");
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

/// An in-memory one-way pipe: bytes written to it are read back from it, in order.
///
/// Usually used through [`simplex`], which splits it into a read half and a write half.
#[derive(Debug)]
pub struct SimplexStream {
    buffer: VecDeque<u8>,
    /// The write side is closed (shut down, or the reading `DuplexStream` is gone).
    is_closed: bool,
    max_buf_size: usize,
    /// The task waiting to read, woken by a write or close.
    read_waker: Option<Waker>,
    /// The task waiting to write, woken by a read or close.
    write_waker: Option<Waker>,
}

impl SimplexStream {
    /// Creates an unsplit pipe buffering at most `max_buf_size` bytes: it is both the reader
    /// and the writer.
    ///
    /// # Panics
    ///
    /// Panics if `max_buf_size` is 0: nothing could ever be written.
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        SimplexStream {
            buffer: VecDeque::new(),
            is_closed: false,
            max_buf_size,
            read_waker: None,
            write_waker: None,
        }
    }

    /// No more bytes will be written: the reader sees end of file after the buffer.
    fn close_write(&mut self) -> Deferred {
        self.is_closed = true;
        Deferred::wake(self.read_waker.take())
    }

    /// Nobody will read again: writers fail with `BrokenPipe`.
    fn close_read(&mut self) -> Deferred {
        self.is_closed = true;
        Deferred::wake(self.write_waker.take())
    }

    /// Reads without budgeting; returns what to do with wakers once the lock is released.
    fn read_internal(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> (Poll<io::Result<()>>, Deferred) {
        if !self.buffer.is_empty() {
            let n = self.buffer.len().min(buf.remaining());
            let (front, back) = self.buffer.as_slices();
            let from_front = n.min(front.len());
            buf.put_slice(&front[..from_front]);
            buf.put_slice(&back[..n - from_front]);
            self.buffer.drain(..n);
            (Poll::Ready(Ok(())), Deferred::wake(self.write_waker.take()))
        } else if self.is_closed || buf.remaining() == 0 {
            (Poll::Ready(Ok(())), Deferred::NONE)
        } else {
            (Poll::Pending, register(&mut self.read_waker, cx))
        }
    }

    /// Writes without budgeting; returns what to do with wakers once the lock is released.
    fn write_internal(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> (Poll<io::Result<usize>>, Deferred) {
        if self.is_closed {
            return (
                Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
                Deferred::NONE,
            );
        }
        if bufs.iter().all(|b| b.is_empty()) {
            return (Poll::Ready(Ok(0)), Deferred::NONE);
        }
        let avail = self.max_buf_size - self.buffer.len();
        if avail == 0 {
            return (Poll::Pending, register(&mut self.write_waker, cx));
        }
        let mut written = 0;
        for b in bufs {
            let n = b.len().min(avail - written);
            self.buffer.extend(&b[..n]);
            written += n;
            if written == avail {
                break;
            }
        }
        (
            Poll::Ready(Ok(written)),
            Deferred::wake(self.read_waker.take()),
        )
    }
}

/// What a pipe operation leaves to do with wakers once the pipe's lock is released: a waker
/// to wake, and a replaced waker to drop. Either may run arbitrary code (a waker's drop can
/// drop the peer stream, whose own drop takes this lock), so neither may run under the lock.
#[must_use = "the wakers must be woken or dropped after the lock is released"]
struct Deferred {
    wake: Option<Waker>,
    drop: Option<Waker>,
}

impl Deferred {
    const NONE: Deferred = Deferred {
        wake: None,
        drop: None,
    };

    fn wake(waker: Option<Waker>) -> Deferred {
        Deferred {
            wake: waker,
            drop: None,
        }
    }

    /// Wakes and drops (called after the pipe's lock is released).
    fn run(self) {
        if let Some(w) = self.wake {
            w.wake();
        }
        drop(self.drop);
    }
}

/// Stores `cx`'s waker in `slot`, cloning only if it differs from the one already there;
/// returns the replaced waker, to be dropped outside the lock.
fn register(slot: &mut Option<Waker>, cx: &Context<'_>) -> Deferred {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => Deferred::NONE,
        _ => Deferred {
            wake: None,
            drop: slot.replace(cx.waker().clone()),
        },
    }
}

/// Runs a budgeted pipe operation: spends a unit of the cooperative budget, refunding it if
/// the operation turns out to be pending. `op` locks the pipe and releases it before
/// returning; the wakers it hands back are dealt with after that.
fn budgeted<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>) -> (Poll<T>, Deferred),
) -> Poll<T> {
    let budget = ready!(coop::poll_proceed(cx));
    let (res, deferred) = op(cx);
    deferred.run();
    if res.is_ready() {
        budget.made_progress();
    }
    res
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        budgeted(cx, |cx| this.read_internal(cx, buf))
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        budgeted(cx, |cx| this.write_internal(cx, &[IoSlice::new(buf)]))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        budgeted(cx, |cx| this.write_internal(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().close_write().run();
        Poll::Ready(Ok(()))
    }
}

fn lock(pipe: &Mutex<SimplexStream>) -> MutexGuard<'_, SimplexStream> {
    // The pipe's state stays consistent even if a waker panicked while it was locked.
    pipe.lock().unwrap_or_else(|e| e.into_inner())
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        budgeted(cx, |cx| lock(&this.read).read_internal(cx, buf))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        budgeted(cx, |cx| {
            lock(&this.write).write_internal(cx, &[IoSlice::new(buf)])
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        budgeted(cx, |cx| lock(&this.write).write_internal(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes this stream's write direction: the peer reads end of file after the buffered
    /// bytes. Reading from this stream still works.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let deferred = lock(&self.write).close_write();
        deferred.run();
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        // The peer reads end of file, and its writes fail.
        let reader = lock(&self.write).close_write();
        let writer = lock(&self.read).close_read();
        // Both directions are closed before any waker runs, and the writer's wake-up happens
        // even if the reader's waker panics.
        struct RunOnDrop(Option<Deferred>);
        impl Drop for RunOnDrop {
            fn drop(&mut self) {
                if let Some(d) = self.0.take() {
                    d.run();
                }
            }
        }
        let _writer = RunOnDrop(Some(writer));
        reader.run();
    }
}
