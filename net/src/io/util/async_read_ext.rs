//! [`AsyncReadExt`]: the `async` methods every [`AsyncRead`] gets.

use bytes::BufMut;

use crate::io::AsyncRead;

use super::chain::{chain, Chain};
use super::read::{read, read_buf, Read, ReadBufFut};
use super::read_exact::{read_exact, ReadExact};
use super::read_int::*;
use super::read_to_end::{read_to_end, ReadToEnd};
use super::read_to_string::{read_to_string, ReadToString};
use super::take::{take, Take};

macro_rules! read_int_methods {
    ($($method:ident => $fut:ident, $ty:ty, $endian:literal;)*) => {$(
        #[doc = concat!("Reads a `", stringify!($ty), "` in ", $endian, " byte order.")]
        ///
        /// Equivalent to `read_exact` into a buffer of the right size followed by a
        /// conversion.
        ///
        /// # Errors
        ///
        /// [`UnexpectedEof`](std::io::ErrorKind::UnexpectedEof) if the reader ends first,
        /// or the reader's own error.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe (except for the one-byte readers): dropping the future after some
        /// of the bytes were read loses them.
        fn $method(&mut self) -> $fut<&mut Self>
        where
            Self: Unpin,
        {
            $fut::new(self)
        }
    )*};
}

/// Reading methods for every [`AsyncRead`]: `read`, `read_exact`, `read_to_end`, the integer
/// readers, and adapters.
///
/// The `async` counterpart of [`std::io::Read`]'s methods; import it (or the prelude-like
/// `use runtime::io::AsyncReadExt;`) to call them.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::AsyncReadExt;
///
/// let mut reader: &[u8] = b"\x00\x2a hello";
/// assert_eq!(reader.read_u16().await?, 42);
/// let mut rest = String::new();
/// reader.read_to_string(&mut rest).await?;
/// assert_eq!(rest, " hello");
/// # Ok(())
/// # }
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes into `buf`, returning how many were read.
    ///
    /// Equivalent to `async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>`. The
    /// count may be less than `buf.len()` (a short read is not an error); `Ok(0)` means end
    /// of file, or that `buf` is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data was read.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::AsyncReadExt;
    ///
    /// let mut reader: &[u8] = b"abc";
    /// let mut buf = [0; 2];
    /// assert_eq!(reader.read(&mut buf).await?, 2);
    /// assert_eq!(reader.read(&mut buf).await?, 1);
    /// assert_eq!(reader.read(&mut buf).await?, 0); // end of file
    /// # Ok(())
    /// # }
    /// ```
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        read(self, buf)
    }

    /// Reads some bytes into the spare room of `buf` (any [`bytes::BufMut`]), advancing it
    /// past them, and returns how many were read.
    ///
    /// Equivalent to `async fn read_buf<B: BufMut>(&mut self, buf: &mut B) ->
    /// io::Result<usize>`. The spare room is not zeroed first. A `Vec<u8>` that is full grows
    /// (by at least 64 bytes) before the read, so for a vector `Ok(0)` means end of file; for
    /// a buffer with no room left (`!buf.has_remaining_mut()`), `Ok(0)` is returned at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data was read.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use bytes::BytesMut;
    /// use runtime::io::AsyncReadExt;
    ///
    /// let mut reader: &[u8] = b"hello";
    /// let mut buf = BytesMut::with_capacity(16);
    /// assert_eq!(reader.read_buf(&mut buf).await?, 5);
    /// assert_eq!(&buf[..], b"hello");
    /// # Ok(())
    /// # }
    /// ```
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadBufFut<'a, Self, B>
    where
        Self: Unpin,
        B: BufMut + ?Sized,
    {
        read_buf(self, buf)
    }

    /// Reads exactly `buf.len()` bytes, returning `buf.len()`.
    ///
    /// # Errors
    ///
    /// [`UnexpectedEof`](std::io::ErrorKind::UnexpectedEof) if the reader ends first; the
    /// contents of `buf` are then unspecified.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future after part of `buf` was filled loses those
    /// bytes (they are in `buf`, but how many is not known).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use runtime::io::AsyncReadExt;
    /// use std::io::ErrorKind;
    ///
    /// let mut reader: &[u8] = b"abc";
    /// let mut buf = [0; 2];
    /// reader.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"ab");
    /// let err = reader.read_exact(&mut buf).await.unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    /// # }
    /// ```
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        read_exact(self, buf)
    }

    /// Reads until end of file, appending to `buf`; returns the number of bytes appended.
    ///
    /// # Errors
    ///
    /// The reader's error; the bytes read before it stay in `buf`.
    ///
    /// # Cancel safety
    ///
    /// Bytes read before the future is dropped stay in `buf`; none are lost.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        read_to_end(self, buf)
    }

    /// Reads until end of file, appending to `buf`; returns the number of bytes appended.
    ///
    /// # Errors
    ///
    /// [`InvalidData`](std::io::ErrorKind::InvalidData) if the bytes read are not valid
    /// UTF-8, and then `buf` is unchanged. On an I/O error, `buf` keeps the bytes read before
    /// it if they are valid UTF-8, and is unchanged otherwise.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, `buf` keeps the complete characters read so
    /// far, and an incomplete trailing character is lost.
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        read_to_string(self, buf)
    }

    read_int_methods! {
        read_u8 => ReadU8, u8, "big-endian";
        read_i8 => ReadI8, i8, "big-endian";
        read_u16 => ReadU16, u16, "big-endian";
        read_i16 => ReadI16, i16, "big-endian";
        read_u32 => ReadU32, u32, "big-endian";
        read_i32 => ReadI32, i32, "big-endian";
        read_u64 => ReadU64, u64, "big-endian";
        read_i64 => ReadI64, i64, "big-endian";
        read_u128 => ReadU128, u128, "big-endian";
        read_i128 => ReadI128, i128, "big-endian";
        read_f32 => ReadF32, f32, "big-endian";
        read_f64 => ReadF64, f64, "big-endian";
        read_u16_le => ReadU16Le, u16, "little-endian";
        read_i16_le => ReadI16Le, i16, "little-endian";
        read_u32_le => ReadU32Le, u32, "little-endian";
        read_i32_le => ReadI32Le, i32, "little-endian";
        read_u64_le => ReadU64Le, u64, "little-endian";
        read_i64_le => ReadI64Le, i64, "little-endian";
        read_u128_le => ReadU128Le, u128, "little-endian";
        read_i128_le => ReadI128Le, i128, "little-endian";
        read_f32_le => ReadF32Le, f32, "little-endian";
        read_f64_le => ReadF64Le, f64, "little-endian";
    }

    /// Returns a reader that reads at most `limit` bytes from this one, then reports end of
    /// file.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::AsyncReadExt;
    ///
    /// let reader: &[u8] = b"hello world";
    /// let mut head = String::new();
    /// reader.take(5).read_to_string(&mut head).await?;
    /// assert_eq!(head, "hello");
    /// # Ok(())
    /// # }
    /// ```
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        take(self, limit)
    }

    /// Returns a reader that reads all of this one, then all of `next`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::AsyncReadExt;
    ///
    /// let mut all = Vec::new();
    /// (&b"ab"[..]).chain(&b"cd"[..]).read_to_end(&mut all).await?;
    /// assert_eq!(all, b"abcd");
    /// # Ok(())
    /// # }
    /// ```
    fn chain<R>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
        R: AsyncRead,
    {
        chain(self, next)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
