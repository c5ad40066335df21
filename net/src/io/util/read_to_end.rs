//! The future of [`AsyncReadExt::read_to_end`](super::AsyncReadExt::read_to_end), and the
//! growth policy of the vector it appends to (shared with `read_to_string`).
//!
//! # How the vector grows (as tokio's)
//!
//! * Each read gets at least [`PROBE`] (32) bytes of room: when less is spare, the vector
//!   reserves 32 more (`Vec::reserve`, which at least doubles, so the growth is amortized).
//! * A vector that was given its capacity up front and has almost filled it may be exactly
//!   the right size: rather than growing it at once, the next read goes into a 32-byte buffer
//!   on the stack. End of file there leaves the capacity as the caller chose it; bytes are
//!   copied in (growing the vector only if they do not fit).
//! * The reader may initialize more of the spare capacity than it fills; that is remembered
//!   across reads (until the vector reallocates), so the next read sees those bytes as
//!   initialized and need not zero them again.

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::{self, MaybeUninit};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::io::{AsyncRead, ReadBuf};

/// The least room a read is given, and the size of the probing read.
const PROBE: usize = 32;

/// What `read_to_end` remembers about the vector between reads.
#[derive(Debug)]
pub(crate) struct Growth {
    /// `vec[..initialized]` is initialized (`initialized >= vec.len()`), in the current
    /// allocation.
    initialized: usize,
    /// The capacity the caller gave the vector.
    start_cap: usize,
}

impl Growth {
    pub(crate) fn new(vec: &[u8], capacity: usize) -> Growth {
        Growth {
            initialized: vec.len(),
            start_cap: capacity,
        }
    }

    /// Makes room for at least `additional` more bytes.
    fn reserve(&mut self, vec: &mut Vec<u8>, additional: usize) {
        if vec.capacity() - vec.len() < additional {
            vec.reserve(additional);
            // A new allocation: its spare capacity is uninitialized again.
            self.initialized = vec.len();
        }
    }

    /// Reads once from `reader`, appending to `vec`; returns how many bytes were appended.
    fn poll_read_once<R: AsyncRead + ?Sized>(
        &mut self,
        reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        vec: &mut Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        let spare = vec.capacity() - vec.len();
        if spare < PROBE && vec.capacity() == self.start_cap && self.start_cap >= PROBE {
            let mut probe = [MaybeUninit::<u8>::uninit(); PROBE];
            let mut buf = ReadBuf::uninit(&mut probe);
            let res = reader.poll_read(cx, &mut buf);
            let got = buf.filled();
            if got.len() > spare {
                self.reserve(vec, PROBE);
            }
            vec.extend_from_slice(got);
            self.initialized = self.initialized.max(vec.len());
            ready!(res)?;
            return Poll::Ready(Ok(got.len()));
        }

        self.reserve(vec, PROBE);
        let len = vec.len();
        let mut buf = ReadBuf::uninit(vec.spare_capacity_mut());
        // SAFETY: `vec[len..initialized]` was initialized by an earlier read into this same
        // allocation (`reserve` resets `initialized` whenever the allocation changes), and
        // nothing has de-initialized it since: the vector is borrowed by this future.
        unsafe { buf.assume_init(self.initialized - len) };
        let ptr = buf.filled().as_ptr();
        let res = reader.poll_read(cx, &mut buf);
        assert_eq!(
            ptr,
            buf.filled().as_ptr(),
            "`poll_read` replaced the `ReadBuf` it was given"
        );
        let n = buf.filled().len();
        self.initialized = len + buf.initialized().len();
        // SAFETY: the `ReadBuf` covered `vec`'s spare capacity (checked just above), and its
        // first `n` bytes are filled, hence initialized; `n <= capacity - len`.
        unsafe { vec.set_len(len + n) };
        ready!(res)?;
        Poll::Ready(Ok(n))
    }
}

/// Reads until end of file, appending to `vec`, retrying interrupted reads. `read` counts the
/// bytes appended so far (kept by the caller across polls); on success it is returned and
/// reset, on error it is left as it is.
pub(crate) fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    growth: &mut Growth,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        match ready!(growth.poll_read_once(reader.as_mut(), cx, vec)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Poll::Ready(Err(e)),
            Ok(0) => return Poll::Ready(Ok(mem::take(read))),
            Ok(n) => *read += n,
        }
    }
}

pin_project! {
    /// Future for [`AsyncReadExt::read_to_end`](super::AsyncReadExt::read_to_end).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadToEnd<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut Vec<u8>,
        growth: Growth,
        read: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_to_end<'a, R>(reader: &'a mut R, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, R>
where
    R: AsyncRead + Unpin + ?Sized,
{
    ReadToEnd {
        reader,
        growth: Growth::new(buf, buf.capacity()),
        buf,
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        poll_read_to_end(Pin::new(&mut **me.reader), cx, me.buf, me.growth, me.read)
    }
}
