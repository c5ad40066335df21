//! The future of [`AsyncSeekExt::seek`](super::AsyncSeekExt::seek), and the extension trait.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::io::AsyncSeek;

pin_project! {
    /// Future for [`AsyncSeekExt::seek`](AsyncSeekExt::seek).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Seek<'a, S: ?Sized> {
        seek: &'a mut S,
        pos: Option<SeekFrom>,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.project();
        let mut seek = Pin::new(&mut **this.seek);
        if let Some(pos) = *this.pos {
            // Let any seek still in flight finish before starting ours.
            ready!(seek.as_mut().poll_complete(cx))?;
            seek.as_mut().start_seek(pos)?;
            *this.pos = None;
        }
        seek.poll_complete(cx)
    }
}

/// Seeking methods for every [`AsyncSeek`].
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{AsyncReadExt, AsyncSeekExt, SeekFrom};
/// use std::io::Cursor;
///
/// let mut cursor = Cursor::new(b"0123456789".to_vec());
/// cursor.seek(SeekFrom::End(-3)).await?;
/// let mut tail = String::new();
/// cursor.read_to_string(&mut tail).await?;
/// assert_eq!(tail, "789");
/// # Ok(())
/// # }
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Moves to `pos`, returning the new position from the start of the stream.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped after the seek started, the position is
    /// unspecified.
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek {
            seek: self,
            pos: Some(pos),
            _pin: PhantomPinned,
        }
    }

    /// Moves to the start of the stream; the future's output is the new position (0).
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// Returns the current position from the start of the stream.
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}
