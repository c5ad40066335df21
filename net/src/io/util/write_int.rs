//! The futures of the integer writers of [`AsyncWriteExt`](super::AsyncWriteExt)
//! (`write_u8`, `write_u16_le`, `write_f64`, ...).

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::size_of;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::write_all::poll_write_all;
use crate::io::AsyncWrite;

macro_rules! int_writer {
    ($($name:ident => $ty:ty, $to:ident;)*) => {$(
        pin_project! {
            #[doc = concat!("Future for `AsyncWriteExt::write_", stringify!($ty), "` (and its `_le` twin): writes a `", stringify!($ty), "`.")]
            #[derive(Debug)]
            #[must_use = "futures do nothing unless you `.await` or poll them"]
            pub struct $name<W> {
                writer: W,
                buf: [u8; size_of::<$ty>()],
                written: usize,
                #[pin]
                _pin: PhantomPinned,
            }
        }

        impl<W> $name<W> {
            pub(crate) fn new(writer: W, n: $ty) -> Self {
                $name { writer, buf: n.$to(), written: 0, _pin: PhantomPinned }
            }
        }

        impl<W: AsyncWrite + Unpin> Future for $name<W> {
            type Output = io::Result<()>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let me = self.project();
                let mut rest = &me.buf[*me.written..];
                let res = poll_write_all(Pin::new(me.writer), cx, &mut rest);
                *me.written = me.buf.len() - rest.len();
                res
            }
        }
    )*};
}

int_writer! {
    WriteU8 => u8, to_be_bytes;
    WriteI8 => i8, to_be_bytes;
    WriteU16 => u16, to_be_bytes;
    WriteI16 => i16, to_be_bytes;
    WriteU32 => u32, to_be_bytes;
    WriteI32 => i32, to_be_bytes;
    WriteU64 => u64, to_be_bytes;
    WriteI64 => i64, to_be_bytes;
    WriteU128 => u128, to_be_bytes;
    WriteI128 => i128, to_be_bytes;
    WriteF32 => f32, to_be_bytes;
    WriteF64 => f64, to_be_bytes;
    WriteU16Le => u16, to_le_bytes;
    WriteI16Le => i16, to_le_bytes;
    WriteU32Le => u32, to_le_bytes;
    WriteI32Le => i32, to_le_bytes;
    WriteU64Le => u64, to_le_bytes;
    WriteI64Le => i64, to_le_bytes;
    WriteU128Le => u128, to_le_bytes;
    WriteI128Le => i128, to_le_bytes;
    WriteF32Le => f32, to_le_bytes;
    WriteF64Le => f64, to_le_bytes;
}
