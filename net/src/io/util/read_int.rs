//! The futures of the integer readers of [`AsyncReadExt`](super::AsyncReadExt)
//! (`read_u8`, `read_u16_le`, `read_f64`, ...).

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::size_of;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::read_exact::poll_read_exact;
use crate::io::AsyncRead;

macro_rules! int_reader {
    ($($name:ident => $ty:ty, $from:ident;)*) => {$(
        pin_project! {
            #[doc = concat!("Future for `AsyncReadExt::read_", stringify!($ty), "` (and its `_le` twin): reads a `", stringify!($ty), "`.")]
            #[derive(Debug)]
            #[must_use = "futures do nothing unless you `.await` or poll them"]
            pub struct $name<R> {
                reader: R,
                buf: [u8; size_of::<$ty>()],
                read: usize,
                #[pin]
                _pin: PhantomPinned,
            }
        }

        impl<R> $name<R> {
            pub(crate) fn new(reader: R) -> Self {
                $name { reader, buf: [0; size_of::<$ty>()], read: 0, _pin: PhantomPinned }
            }
        }

        impl<R: AsyncRead + Unpin> Future for $name<R> {
            type Output = io::Result<$ty>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<$ty>> {
                let me = self.project();
                ready!(poll_read_exact(Pin::new(me.reader), cx, me.buf, me.read))?;
                Poll::Ready(Ok(<$ty>::$from(*me.buf)))
            }
        }
    )*};
}

int_reader! {
    ReadU8 => u8, from_be_bytes;
    ReadI8 => i8, from_be_bytes;
    ReadU16 => u16, from_be_bytes;
    ReadI16 => i16, from_be_bytes;
    ReadU32 => u32, from_be_bytes;
    ReadI32 => i32, from_be_bytes;
    ReadU64 => u64, from_be_bytes;
    ReadI64 => i64, from_be_bytes;
    ReadU128 => u128, from_be_bytes;
    ReadI128 => i128, from_be_bytes;
    ReadF32 => f32, from_be_bytes;
    ReadF64 => f64, from_be_bytes;
    ReadU16Le => u16, from_le_bytes;
    ReadI16Le => i16, from_le_bytes;
    ReadU32Le => u32, from_le_bytes;
    ReadI32Le => i32, from_le_bytes;
    ReadU64Le => u64, from_le_bytes;
    ReadI64Le => i64, from_le_bytes;
    ReadU128Le => u128, from_le_bytes;
    ReadI128Le => i128, from_le_bytes;
    ReadF32Le => f32, from_le_bytes;
    ReadF64Le => f64, from_le_bytes;
}
