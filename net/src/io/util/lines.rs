//! [`Lines`] and [`Split`]: streams of lines and of delimited segments over an
//! [`AsyncBufRead`].

use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::read_until::poll_read_until;
use crate::io::AsyncBufRead;

pin_project! {
    /// The lines of a reader, without their line endings. Created by
    /// [`AsyncBufReadExt::lines`](super::AsyncBufReadExt::lines).
    ///
    /// A line ends at `\n` or `\r\n`, or at end of file: text that does not end in a
    /// newline still yields its last line.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Lines<R> {
        #[pin]
        reader: R,
        // The current line's bytes, kept here across polls so that a dropped `next_line`
        // loses nothing.
        buf: Vec<u8>,
        read: usize,
    }
}

pub(crate) fn lines<R: AsyncBufRead>(reader: R) -> Lines<R> {
    Lines {
        reader,
        buf: Vec::new(),
        read: 0,
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// Returns the next line, or `None` at end of file.
    ///
    /// # Errors
    ///
    /// [`InvalidData`](io::ErrorKind::InvalidData) if the line is not valid UTF-8: the line is
    /// skipped, and the error carries a [`std::string::FromUtf8Error`] holding its bytes
    /// (without the line ending). Or the reader's own error (the part of the line read so
    /// far is kept for the next call).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the part of a line read before the future is dropped is kept, and the
    /// next call continues it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::AsyncBufReadExt;
    ///
    /// let mut lines = (&b"one\r\ntwo\nthree"[..]).lines();
    /// assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
    /// assert_eq!(lines.next_line().await?.as_deref(), Some("two"));
    /// assert_eq!(lines.next_line().await?.as_deref(), Some("three"));
    /// assert_eq!(lines.next_line().await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>>
    where
        Self: Unpin,
    {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }

    /// Polls for the next line; `Ready(Ok(None))` at end of file. See
    /// [`next_line`](Self::next_line).
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let this = self.project();
        ready!(poll_read_until(this.reader, cx, b'\n', this.buf, this.read))?;
        if this.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        if this.buf.last() == Some(&b'\n') {
            this.buf.pop();
            if this.buf.last() == Some(&b'\r') {
                this.buf.pop();
            }
        }
        let line = mem::take(this.buf);
        Poll::Ready(match String::from_utf8(line) {
            Ok(line) => Ok(Some(line)),
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        })
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The inner reader, mutably. Reading from it directly skips data the lines would have
    /// seen.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The inner reader, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().reader
    }

    /// Returns the inner reader. Bytes of a line that was partly read are lost.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

pin_project! {
    /// The segments of a reader between occurrences of a delimiter byte, without the
    /// delimiter. Created by [`AsyncBufReadExt::split`](super::AsyncBufReadExt::split).
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Split<R> {
        #[pin]
        reader: R,
        buf: Vec<u8>,
        delim: u8,
        read: usize,
    }
}

pub(crate) fn split<R: AsyncBufRead>(reader: R, delim: u8) -> Split<R> {
    Split {
        reader,
        buf: Vec::new(),
        delim,
        read: 0,
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// Returns the next segment, or `None` at end of file.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the part of a segment read before the future is dropped is kept, and the
    /// next call continues it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::AsyncBufReadExt;
    ///
    /// // (`AsyncBufReadExt::split` by path: slices have an inherent `split` too.)
    /// let mut parts = AsyncBufReadExt::split(&b"a,b,,c"[..], b',');
    /// let mut all = Vec::new();
    /// while let Some(part) = parts.next_segment().await? {
    ///     all.push(part);
    /// }
    /// assert_eq!(all, [&b"a"[..], b"b", b"", b"c"]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>>
    where
        Self: Unpin,
    {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }

    /// Polls for the next segment; `Ready(Ok(None))` at end of file. See
    /// [`next_segment`](Self::next_segment).
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let this = self.project();
        ready!(poll_read_until(
            this.reader,
            cx,
            *this.delim,
            this.buf,
            this.read
        ))?;
        if this.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        if this.buf.last() == Some(this.delim) {
            this.buf.pop();
        }
        Poll::Ready(Ok(Some(mem::take(this.buf))))
    }
}
