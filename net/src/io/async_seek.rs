//! [`AsyncSeek`]: moving the position of a stream, and its impls for std types and pointers.

use std::io::{self, SeekFrom};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Seeks within a stream asynchronously.
///
/// A seek is two steps: [`start_seek`](Self::start_seek) asks for the move, and
/// [`poll_complete`](Self::poll_complete) waits for it and returns the new position. Most users
/// call [`AsyncSeekExt::seek`](super::AsyncSeekExt::seek), which does both.
pub trait AsyncSeek {
    /// Starts moving to `position`.
    ///
    /// Call [`poll_complete`](Self::poll_complete) before this to make sure no earlier seek
    /// is still in flight; the result of starting a seek while another is pending is up to
    /// the implementation (typically an error).
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Waits for the last [`start_seek`](Self::start_seek) to finish and returns the new
    /// position from the start of the stream.
    ///
    /// Without a seek in flight it returns `Ready` at once; the value returned then is
    /// implementation defined.
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

macro_rules! deref_async_seek {
    () => {
        fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
            Pin::new(&mut **self).start_seek(position)
        }

        fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            Pin::new(&mut **self).poll_complete(cx)
        }
    };
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    deref_async_seek!();
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    deref_async_seek!();
}

impl<P> AsyncSeek for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncSeek,
{
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().as_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().as_mut().poll_complete(cx)
    }
}

/// Seeks as [`std::io::Seek`] does: at once, so `poll_complete` always returns the current
/// position.
impl<T: AsRef<[u8]> + Unpin> AsyncSeek for io::Cursor<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        io::Seek::seek(self.get_mut(), position).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.position()))
    }
}
