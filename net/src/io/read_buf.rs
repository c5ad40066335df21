//! [`ReadBuf`]: a borrowed byte buffer that tracks how much of it is filled and how much is
//! initialized.
//!
//! # The contract
//!
//! The buffer is split into three regions, front to back:
//!
//! ```text
//! [      filled      |  initialized, unfilled  |      uninitialized      ]
//! 0               filled()                initialized()               capacity()
//! ```
//!
//! Invariants, upheld by every safe method: `filled <= initialized <= capacity`, and every byte
//! below `initialized` holds an initialized value. Safe methods never shrink the initialized
//! region (so a reader can never expose uninitialized memory as bytes), and the only ways to
//! grow it past what was written through a `&mut [u8]` are the `unsafe` methods
//! [`assume_init`](ReadBuf::assume_init), [`unfilled_mut`](ReadBuf::unfilled_mut) and
//! [`inner_mut`](ReadBuf::inner_mut), whose callers vouch for it.

use std::fmt;
use std::mem::MaybeUninit;

/// A wrapper around a byte buffer that is incrementally filled and initialized.
///
/// [`AsyncRead::poll_read`](super::AsyncRead::poll_read) writes into one: the reader appends
/// to the *filled* region (usually with [`put_slice`](Self::put_slice)), and the caller reads
/// the bytes back from [`filled`](Self::filled). Starting from uninitialized memory
/// ([`ReadBuf::uninit`]) avoids zeroing a buffer only to overwrite it.
///
/// # Examples
///
/// ```
/// use runtime_net::io::ReadBuf;
///
/// let mut storage = [0u8; 8];
/// let mut buf = ReadBuf::new(&mut storage);
/// buf.put_slice(b"abc");
/// assert_eq!(buf.filled(), b"abc");
/// assert_eq!(buf.remaining(), 5);
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// Creates a new `ReadBuf` over a fully initialized buffer; nothing is filled yet.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `MaybeUninit<u8>` has the same layout as `u8`. The buffer is initialized, and
        // `initialized` is set to its length; no safe method of `ReadBuf` ever writes an
        // uninitialized value into it, so the caller's `&mut [u8]` stays valid afterwards.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// Creates a new `ReadBuf` over a buffer that may be uninitialized; nothing is filled or
    /// initialized yet.
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// The total size of the buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The filled part of the buffer.
    #[inline]
    pub fn filled(&self) -> &[u8] {
        // SAFETY: `filled <= initialized`, and the first `initialized` bytes are initialized.
        unsafe { slice_assume_init(&self.buf[..self.filled]) }
    }

    /// The filled part of the buffer, mutably.
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `filled`; writes through `&mut [u8]` can only store initialized bytes.
        unsafe { slice_assume_init_mut(&mut self.buf[..self.filled]) }
    }

    /// Returns a new `ReadBuf` over the first `n` bytes of the unfilled part of this one (or
    /// all of it, if fewer remain). Its filled region starts empty.
    ///
    /// Filling the returned buffer does not advance this one: call
    /// [`assume_init`](Self::assume_init) and [`advance`](Self::advance) with the number of
    /// bytes filled.
    #[inline]
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let max = n.min(self.remaining());
        let initialized = (self.initialized - self.filled).min(max);
        ReadBuf {
            buf: &mut self.buf[self.filled..self.filled + max],
            filled: 0,
            initialized,
        }
    }

    /// The initialized part of the buffer (the filled bytes and any initialized bytes after
    /// them).
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        // SAFETY: the first `initialized` bytes are initialized.
        unsafe { slice_assume_init(&self.buf[..self.initialized]) }
    }

    /// The initialized part of the buffer, mutably.
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `initialized`; writes through `&mut [u8]` can only store initialized
        // bytes.
        unsafe { slice_assume_init_mut(&mut self.buf[..self.initialized]) }
    }

    /// The whole buffer, filled, initialized and uninitialized alike.
    ///
    /// # Safety
    ///
    /// The caller must not de-initialize any byte that was initialized (for example by
    /// writing `MaybeUninit::uninit()` into it).
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// The unfilled part of the buffer, which may be partly uninitialized.
    ///
    /// # Safety
    ///
    /// The caller must not de-initialize any byte that was initialized.
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// The unfilled part of the buffer, zeroing whatever part of it was not yet initialized.
    ///
    /// Prefer [`put_slice`](Self::put_slice) when the bytes are already at hand: this zeroes
    /// memory that is then usually overwritten.
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// The first `n` bytes of the unfilled part of the buffer, zeroing whatever part of them
    /// was not yet initialized.
    ///
    /// # Panics
    ///
    /// Panics if `n` is larger than [`remaining`](Self::remaining).
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(
            self.remaining() >= n,
            "n ({n}) overflows the remaining space ({})",
            self.remaining()
        );
        let end = self.filled + n;
        if self.initialized < end {
            for byte in &mut self.buf[self.initialized..end] {
                byte.write(0);
            }
            self.initialized = end;
        }
        // SAFETY: every byte below `end <= initialized` is initialized (zeroed just above if it
        // was not already).
        unsafe { slice_assume_init_mut(&mut self.buf[self.filled..end]) }
    }

    /// How many bytes can still be filled: `capacity() - filled().len()`.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Empties the filled region. The initialized region is left as it is.
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Grows the filled region by `n` bytes.
    ///
    /// # Panics
    ///
    /// Panics if the filled region would become larger than the initialized region.
    #[inline]
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let new = self
            .filled
            .checked_add(n)
            .expect("filled region overflows usize");
        self.set_filled(new);
    }

    /// Sets the size of the filled region to `n` (which may shrink it).
    ///
    /// # Panics
    ///
    /// Panics if `n` is larger than the initialized region.
    #[inline]
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "filled ({n}) must not become larger than initialized ({})",
            self.initialized
        );
        self.filled = n;
    }

    /// Declares the first `n` unfilled bytes initialized.
    ///
    /// Does nothing to bytes that are already initialized; never shrinks the initialized
    /// region.
    ///
    /// # Safety
    ///
    /// The caller must have initialized the first `n` bytes of the unfilled region (for
    /// example through [`unfilled_mut`](Self::unfilled_mut)).
    #[inline]
    pub unsafe fn assume_init(&mut self, n: usize) {
        let new = self.filled + n;
        if new > self.initialized {
            self.initialized = new;
        }
    }

    /// Appends `buf` to the filled region, initializing the bytes it covers.
    ///
    /// # Panics
    ///
    /// Panics if `buf` is longer than [`remaining`](Self::remaining).
    #[inline]
    #[track_caller]
    pub fn put_slice(&mut self, buf: &[u8]) {
        assert!(
            self.remaining() >= buf.len(),
            "buf.len() ({}) must fit in remaining() ({})",
            buf.len(),
            self.remaining()
        );
        let end = self.filled + buf.len();
        // SAFETY: `MaybeUninit<u8>` has the same layout as `u8`, and the destination range lies
        // inside `self.buf` (checked above); source and destination cannot overlap, since
        // `self.buf` is borrowed mutably.
        unsafe {
            self.buf[self.filled..end]
                .as_mut_ptr()
                .cast::<u8>()
                .copy_from_nonoverlapping(buf.as_ptr(), buf.len());
        }
        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }
}

/// A `ReadBuf` is a [`bytes::BufMut`] over its unfilled part, as tokio's is: `put_*` append to
/// the filled region, and [`advance_mut`](bytes::BufMut::advance_mut) both initializes and
/// fills.
///
/// # Examples
///
/// ```
/// use bytes::BufMut;
/// use runtime_net::io::ReadBuf;
///
/// let mut storage = [0u8; 4];
/// let mut buf = ReadBuf::new(&mut storage);
/// buf.put_u16(0x0102);
/// assert_eq!(buf.filled(), &[1, 2]);
/// assert_eq!(buf.remaining_mut(), 2);
/// ```
// SAFETY: `remaining_mut` is exactly the length of `chunk_mut`, which is the unfilled part of
// the buffer (the whole of it, so a single chunk describes all the room there is), and
// `advance_mut` moves the filled mark by what the caller wrote into that chunk.
unsafe impl bytes::BufMut for ReadBuf<'_> {
    #[inline]
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    /// # Safety
    ///
    /// The caller must have initialized the first `cnt` bytes of
    /// [`chunk_mut`](bytes::BufMut::chunk_mut).
    ///
    /// # Panics
    ///
    /// Panics if `cnt` is larger than [`remaining_mut`](bytes::BufMut::remaining_mut).
    #[inline]
    #[track_caller]
    unsafe fn advance_mut(&mut self, cnt: usize) {
        assert!(
            cnt <= self.remaining(),
            "cnt ({cnt}) overflows the remaining space ({})",
            self.remaining()
        );
        // SAFETY: the caller initialized the first `cnt` unfilled bytes (this method's
        // contract); `assume_init` then lets `advance` fill them.
        unsafe { self.assume_init(cnt) };
        self.advance(cnt);
    }

    #[inline]
    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        // SAFETY: an `UninitSlice` only lets its user write initialized bytes into the memory
        // it covers (it has no way to store `MaybeUninit::uninit()`), so no initialized byte
        // of the unfilled region is de-initialized through it.
        bytes::buf::UninitSlice::uninit(unsafe { self.unfilled_mut() })
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// Lends `fill` the spare room of `dst` (its [`chunk_mut`](bytes::BufMut::chunk_mut)) as an
/// empty [`ReadBuf`], then advances `dst` past whatever `fill` filled. Returns `fill`'s result
/// and the number of bytes filled.
///
/// This is the one place where a `bytes::BufMut` meets a `ReadBuf`: `read_buf`, and the
/// sockets' `try_read_buf` / `recv_buf`, go through it. The spare room is not zeroed first.
///
/// # Panics
///
/// Panics if `fill` swaps the `ReadBuf` it is given for another one (the bytes it then fills
/// would not be in `dst`).
#[inline]
pub(crate) fn fill_buf_mut<B, T>(
    dst: &mut B,
    fill: impl FnOnce(&mut ReadBuf<'_>) -> T,
) -> (T, usize)
where
    B: bytes::BufMut + ?Sized,
{
    let n;
    let out;
    {
        // SAFETY: the `ReadBuf` never de-initializes a byte (see the module's contract), so
        // lending it memory that may be partly initialized is sound.
        let chunk = unsafe { dst.chunk_mut().as_uninit_slice_mut() };
        let mut buf = ReadBuf::uninit(chunk);
        let ptr = buf.filled().as_ptr();
        out = fill(&mut buf);
        assert_eq!(
            ptr,
            buf.filled().as_ptr(),
            "the `ReadBuf` was replaced by another one while it was being filled"
        );
        n = buf.filled().len();
    }
    // SAFETY: the first `n` bytes of `dst.chunk_mut()` are filled, hence initialized, through
    // the `ReadBuf` that covered exactly that chunk (checked just above).
    unsafe { dst.advance_mut(n) };
    (out, n)
}

/// # Safety
///
/// Every byte of `slice` must be initialized.
#[inline]
unsafe fn slice_assume_init(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: same layout; the caller guarantees every byte is initialized.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
///
/// Every byte of `slice` must be initialized.
#[inline]
unsafe fn slice_assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; the caller guarantees every byte is initialized, and writes through
    // `&mut [u8]` can only store initialized values.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_track_fill_and_init() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        assert_eq!(buf.capacity(), 8);
        assert_eq!(buf.initialized().len(), 0);
        buf.put_slice(b"ab");
        assert_eq!(buf.filled(), b"ab");
        assert_eq!(buf.initialized(), b"ab");
        assert_eq!(buf.initialize_unfilled_to(3), &[0, 0, 0]);
        assert_eq!(buf.initialized().len(), 5);
        buf.advance(1);
        assert_eq!(buf.filled(), b"ab\0");
        buf.clear();
        assert_eq!(buf.filled(), b"");
        assert_eq!(
            buf.initialized().len(),
            5,
            "clear keeps the initialized region"
        );
        buf.set_filled(5);
        assert_eq!(buf.remaining(), 3);
    }

    #[test]
    fn take_limits_and_sees_initialized_bytes() {
        let mut storage = [7u8; 10];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"xy");
        let mut sub = buf.take(3);
        assert_eq!(sub.capacity(), 3);
        assert_eq!(sub.initialized().len(), 3);
        sub.put_slice(b"123");
        assert_eq!(sub.remaining(), 0);
        buf.advance(3);
        assert_eq!(buf.filled(), b"xy123");
        assert_eq!(buf.take(100).capacity(), 5);
    }

    #[test]
    fn assume_init_never_shrinks() {
        let mut storage = [0u8; 4];
        let mut buf = ReadBuf::new(&mut storage);
        // SAFETY: the whole buffer is initialized.
        unsafe { buf.assume_init(1) };
        assert_eq!(buf.initialized().len(), 4);
    }

    #[test]
    #[should_panic(expected = "must not become larger than initialized")]
    fn advance_past_initialized_panics() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.advance(1);
    }

    #[test]
    #[should_panic(expected = "must fit in remaining")]
    fn put_slice_overflow_panics() {
        let mut storage = [0u8; 2];
        ReadBuf::new(&mut storage).put_slice(b"abc");
    }
}
