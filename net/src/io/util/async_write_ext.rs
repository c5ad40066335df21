//! [`AsyncWriteExt`]: the `async` methods every [`AsyncWrite`] gets.

use std::io::IoSlice;

use bytes::Buf;

use crate::io::AsyncWrite;

use super::flush::{flush, shutdown, Flush, Shutdown};
use super::write::{write, write_buf, write_vectored, Write, WriteBuf, WriteVectored};
use super::write_all::{write_all, write_all_buf, WriteAll, WriteAllBuf};
use super::write_int::*;

macro_rules! write_int_methods {
    ($($method:ident => $fut:ident, $ty:ty, $endian:literal;)*) => {$(
        #[doc = concat!("Writes a `", stringify!($ty), "` in ", $endian, " byte order.")]
        ///
        /// Equivalent to `write_all` of the value's bytes.
        ///
        /// # Errors
        ///
        /// [`WriteZero`](std::io::ErrorKind::WriteZero) if the writer accepts no more bytes,
        /// or the writer's own error.
        fn $method(&mut self, n: $ty) -> $fut<&mut Self>
        where
            Self: Unpin,
        {
            $fut::new(self, n)
        }
    )*};
}

/// Writing methods for every [`AsyncWrite`]: `write`, `write_all`, `flush`, `shutdown`, the
/// integer writers.
///
/// The `async` counterpart of [`std::io::Write`]'s methods.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::AsyncWriteExt;
///
/// let mut out = Vec::new();
/// out.write_u16(42).await?;
/// out.write_all(b" hello").await?;
/// out.flush().await?;
/// assert_eq!(out, b"\x00\x2a hello");
/// # Ok(())
/// # }
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some bytes from `src`, returning how many were written.
    ///
    /// Equivalent to `async fn write(&mut self, src: &[u8]) -> io::Result<usize>`. The count
    /// may be less than `src.len()`; `Ok(0)` with a non-empty `src` means the writer accepts
    /// no more bytes.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, nothing was written.
    fn write<'a>(&'a mut self, src: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        write(self, src)
    }

    /// Like [`write`](Self::write), from several buffers in order; returns the total
    /// written.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, nothing was written.
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        write_vectored(self, bufs)
    }

    /// Writes some bytes from the front of `src` (any [`bytes::Buf`]) and advances it past
    /// them; returns how many were written (`Ok(0)` at once if `src` is empty).
    ///
    /// A writer that prefers vectored writes ([`AsyncWrite::is_write_vectored`]) is given
    /// several of `src`'s chunks at once; any other writer, the first chunk.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, nothing was written and
    /// `src` is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use bytes::Buf;
    /// use runtime::io::AsyncWriteExt;
    ///
    /// let mut out = Vec::new();
    /// let mut src = std::io::Cursor::new(&b"hello"[..]);
    /// out.write_buf(&mut src).await?;
    /// assert_eq!(out, b"hello");
    /// assert!(!src.has_remaining());
    /// # Ok(())
    /// # }
    /// ```
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: Buf,
    {
        write_buf(self, src)
    }

    /// Writes all of `src` (any [`bytes::Buf`]), advancing it as bytes are written; `src` has
    /// nothing remaining on success. Interrupted writes are retried.
    ///
    /// # Errors
    ///
    /// [`WriteZero`](std::io::ErrorKind::WriteZero) if the writer accepts no more bytes, or
    /// the writer's own error; `src` then holds exactly what was not written.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the way tokio's is: `src` is advanced past every byte written, so after
    /// a drop it holds exactly what is left to write.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use bytes::{Buf, Bytes};
    /// use runtime::io::AsyncWriteExt;
    ///
    /// let mut out = Vec::new();
    /// let mut src = Bytes::from_static(b"hello ").chain(Bytes::from_static(b"world"));
    /// out.write_all_buf(&mut src).await?;
    /// assert_eq!(out, b"hello world");
    /// # Ok(())
    /// # }
    /// ```
    fn write_all_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteAllBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: Buf,
    {
        write_all_buf(self, src)
    }

    /// Writes all of `src`, waiting as long as it takes.
    ///
    /// # Errors
    ///
    /// [`WriteZero`](std::io::ErrorKind::WriteZero) if the writer accepts no more bytes, or
    /// the writer's own error.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, some prefix of `src` may have been written
    /// and there is no way to know how much.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::AsyncWriteExt;
    ///
    /// let mut out = Vec::new();
    /// out.write_all(b"all of it").await?;
    /// assert_eq!(out, b"all of it");
    /// # Ok(())
    /// # }
    /// ```
    fn write_all<'a>(&'a mut self, src: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        write_all(self, src)
    }

    write_int_methods! {
        write_u8 => WriteU8, u8, "big-endian";
        write_i8 => WriteI8, i8, "big-endian";
        write_u16 => WriteU16, u16, "big-endian";
        write_i16 => WriteI16, i16, "big-endian";
        write_u32 => WriteU32, u32, "big-endian";
        write_i32 => WriteI32, i32, "big-endian";
        write_u64 => WriteU64, u64, "big-endian";
        write_i64 => WriteI64, i64, "big-endian";
        write_u128 => WriteU128, u128, "big-endian";
        write_i128 => WriteI128, i128, "big-endian";
        write_f32 => WriteF32, f32, "big-endian";
        write_f64 => WriteF64, f64, "big-endian";
        write_u16_le => WriteU16Le, u16, "little-endian";
        write_i16_le => WriteI16Le, i16, "little-endian";
        write_u32_le => WriteU32Le, u32, "little-endian";
        write_i32_le => WriteI32Le, i32, "little-endian";
        write_u64_le => WriteU64Le, u64, "little-endian";
        write_i64_le => WriteI64Le, i64, "little-endian";
        write_u128_le => WriteU128Le, u128, "little-endian";
        write_i128_le => WriteI128Le, i128, "little-endian";
        write_f32_le => WriteF32Le, f32, "little-endian";
        write_f64_le => WriteF64Le, f64, "little-endian";
    }

    /// Flushes buffered data to its destination.
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        flush(self)
    }

    /// Flushes and shuts down the write direction: the peer then sees end of file.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
    ///
    /// let (mut a, mut b) = io::duplex(64);
    /// a.write_all(b"bye").await?;
    /// a.shutdown().await?;
    /// let mut got = Vec::new();
    /// b.read_to_end(&mut got).await?; // ends: `a` shut down
    /// assert_eq!(got, b"bye");
    /// # Ok(())
    /// # }
    /// ```
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        shutdown(self)
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
