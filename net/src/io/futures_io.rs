//! `futures_io::AsyncRead` / `AsyncWrite` / `AsyncBufRead` for the sockets and io utilities
//! (feature `futures-io`), so libraries written against the `futures` traits use them
//! unchanged. Each impl forwards to this crate's trait of the same name; `poll_close` is
//! `poll_shutdown`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

fn poll_read<T: AsyncRead + ?Sized>(
    io: Pin<&mut T>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut buf = ReadBuf::new(buf);
    ready!(io.poll_read(cx, &mut buf))?;
    Poll::Ready(Ok(buf.filled().len()))
}

macro_rules! futures_read_write {
    ($([$($generics:tt)*] $t:ty;)*) => {$(
        impl<$($generics)*> futures_io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                poll_read(self, cx, buf)
            }
        }
    )*};
}

macro_rules! futures_write {
    ($([$($generics:tt)*] $t:ty;)*) => {$(
        impl<$($generics)*> futures_io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_flush(self, cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_shutdown(self, cx)
            }
        }
    )*};
}

macro_rules! futures_buf_read {
    ($([$($generics:tt)*] $t:ty;)*) => {$(
        impl<$($generics)*> futures_io::AsyncBufRead for $t {
            fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
                AsyncBufRead::poll_fill_buf(self, cx)
            }

            fn consume(self: Pin<&mut Self>, amt: usize) {
                AsyncBufRead::consume(self, amt)
            }
        }
    )*};
}

use crate::net::{tcp, unix};

futures_read_write! {
    [] crate::net::TcpStream;
    ['a] tcp::ReadHalf<'a>;
    [] tcp::OwnedReadHalf;
    [] crate::net::UnixStream;
    ['a] unix::ReadHalf<'a>;
    [] unix::OwnedReadHalf;
    [] super::DuplexStream;
    [] super::SimplexStream;
    [] super::Empty;
    [] super::Repeat;
    [R: AsyncRead] super::BufReader<R>;
    [W: AsyncWrite + AsyncRead] super::BufWriter<W>;
    [S: AsyncRead + AsyncWrite] super::BufStream<S>;
    [T: AsyncRead] super::ReadHalf<T>;
}

futures_write! {
    [] crate::net::TcpStream;
    ['a] tcp::WriteHalf<'a>;
    [] tcp::OwnedWriteHalf;
    [] crate::net::UnixStream;
    ['a] unix::WriteHalf<'a>;
    [] unix::OwnedWriteHalf;
    [] super::DuplexStream;
    [] super::SimplexStream;
    [] super::Sink;
    [R: AsyncRead + AsyncWrite] super::BufReader<R>;
    [W: AsyncWrite] super::BufWriter<W>;
    [S: AsyncRead + AsyncWrite] super::BufStream<S>;
    [T: AsyncWrite] super::WriteHalf<T>;
}

futures_buf_read! {
    [] super::Empty;
    [R: AsyncRead] super::BufReader<R>;
    [S: AsyncRead + AsyncWrite] super::BufStream<S>;
}
