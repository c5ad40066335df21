//! [`split`]: one read-write stream into a read half and a write half that can be used from
//! different tasks.
//!
//! The halves share the stream behind a lock held only for the duration of one poll, so the
//! reading task and the writing task never wait on each other for longer than that. Types
//! that can be split without a lock (sockets) offer their own `split`/`into_split`; this one
//! works for any `AsyncRead + AsyncWrite`.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use super::{AsyncRead, AsyncWrite, ReadBuf};

/// Splits `stream` into a reader half and a writer half.
///
/// Each half can be moved to its own task. [`ReadHalf::unsplit`] puts them back together.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// let (client, mut server) = io::duplex(64);
/// let (mut rd, mut wr) = io::split(client);
///
/// wr.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf).await?;
/// server.write_all(b"pong").await?;
/// rd.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"pong");
/// # Ok(())
/// # }
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite,
{
    let inner = Arc::new(Inner {
        stream: Mutex::new(stream),
    });
    (
        ReadHalf {
            inner: inner.clone(),
        },
        WriteHalf { inner },
    )
}

struct Inner<T> {
    stream: Mutex<T>,
}

impl<T> Inner<T> {
    /// Locks the stream and runs `f` on it, pinned.
    fn with_pinned<R>(&self, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
        // A panic inside a poll poisons the lock; the stream is still there, so carry on as a
        // `RefCell` would.
        let mut guard: MutexGuard<'_, T> = self.stream.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the stream lives inside the `Arc`'s allocation, which never moves, and it is
        // dropped in place there unless `unsplit` moves it out, which requires `T: Unpin`. So
        // once pinned here it is never moved while pinned.
        let stream = unsafe { Pin::new_unchecked(&mut *guard) };
        f(stream)
    }
}

/// The readable half of a stream, returned by [`split`].
pub struct ReadHalf<T> {
    inner: Arc<Inner<T>>,
}

/// The writable half of a stream, returned by [`split`].
pub struct WriteHalf<T> {
    inner: Arc<Inner<T>>,
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the write half that came from the same [`split`] call.
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Joins the two halves back into the original stream.
    ///
    /// # Panics
    ///
    /// Panics if `wr` did not come from the same [`split`] call as `self`.
    #[track_caller]
    pub fn unsplit(self, wr: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&wr),
            "`ReadHalf::unsplit` called with a `WriteHalf` from a different `split`"
        );
        drop(wr);
        let inner = Arc::try_unwrap(self.inner)
            .ok()
            .expect("the two halves were the only owners of the stream");
        inner.stream.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the read half that came from the same [`split`] call.
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        other.is_pair_of(self)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.inner.with_pinned(|stream| stream.poll_read(cx, buf))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.with_pinned(|stream| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner
            .with_pinned(|stream| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner
            .with_pinned(|stream| stream.as_ref().is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.with_pinned(|stream| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.with_pinned(|stream| stream.poll_shutdown(cx))
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}
