//! [`AsyncBufReadExt`]: the `async` methods every [`AsyncBufRead`] gets.

use crate::io::AsyncBufRead;

use super::fill_buf::{fill_buf, FillBuf};
use super::lines::{lines, split, Lines, Split};
use super::read_until::{read_line, read_until, ReadLine, ReadUntil};

/// Line- and delimiter-oriented reading for every [`AsyncBufRead`].
///
/// The `async` counterpart of [`std::io::BufRead`]'s methods. Wrap a plain reader in a
/// [`BufReader`](super::BufReader) to get them.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{AsyncBufReadExt, BufReader};
///
/// let mut reader = BufReader::new(&b"first\nsecond\n"[..]);
/// let mut line = String::new();
/// reader.read_line(&mut line).await?;
/// assert_eq!(line, "first\n");
/// # Ok(())
/// # }
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads bytes up to and including `byte` (or to end of file), appending them to `buf`;
    /// returns how many were read. `Ok(0)` means end of file.
    ///
    /// # Errors
    ///
    /// The reader's error; the bytes read before it stay in `buf`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: bytes read before the future is dropped are in `buf`; none are lost, and
    /// calling `read_until` again continues.
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        read_until(self, byte, buf)
    }

    /// Reads a line (up to and including `\n`, or to end of file), appending it to `buf`;
    /// returns how many bytes were read. `Ok(0)` means end of file.
    ///
    /// # Errors
    ///
    /// [`InvalidData`](std::io::ErrorKind::InvalidData) if the line is not valid UTF-8: `buf`
    /// then keeps its previous contents, unchanged (the invalid line is consumed from the
    /// reader). On an I/O error, `buf` keeps the bytes read before it if they are valid UTF-8.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, `buf` holds its previous contents plus the
    /// complete characters of the line read so far, and the rest of the line is read by the
    /// next call — but the caller cannot tell where the partial line starts. Use
    /// [`lines`](Self::lines) (whose `next_line` is cancel safe) or
    /// [`read_until`](Self::read_until) in a `select!`.
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        read_line(self, buf)
    }

    /// Returns the segments of this reader separated by `byte`, without the separator.
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized,
    {
        split(self, byte)
    }

    /// Returns the buffered bytes, reading more if the buffer is empty; an empty slice means
    /// end of file. Call [`consume`](Self::consume) with how many of them were used.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, any data read stays buffered.
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        fill_buf(self)
    }

    /// Marks `amt` buffered bytes as used; see [`fill_buf`](Self::fill_buf).
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        std::pin::Pin::new(self).consume(amt)
    }

    /// Returns the lines of this reader, without their `\n` or `\r\n` endings.
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        lines(self)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}
