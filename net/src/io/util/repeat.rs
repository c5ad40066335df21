//! [`repeat`]: a reader that yields one byte forever.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::empty::poll_budget;
use crate::io::{AsyncRead, ReadBuf};

/// A reader that yields one byte over and over, forever. Created by [`repeat`].
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// Returns a reader that fills every buffer with `byte`, forever.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{self, AsyncReadExt};
///
/// let mut buf = [0u8; 3];
/// io::repeat(b'z').read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"zzz");
/// # Ok(())
/// # }
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_budget(cx));
        let n = buf.remaining();
        buf.initialize_unfilled_to(n).fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}
