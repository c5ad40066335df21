//! Receiving straight into a caller's spare capacity (a `bytes::BufMut` or a `ReadBuf`)
//! without zeroing it first.

use std::io;
use std::mem::MaybeUninit;

use bytes::BufMut;

use crate::io::ReadBuf;

/// Runs `recv` (a socket receive) on the spare capacity of `buf`, then advances `buf` by the
/// byte count `len` reads from the result.
pub(crate) fn recv_into_buf_mut<B, T>(
    buf: &mut B,
    recv: impl FnOnce(&mut [u8]) -> io::Result<T>,
    len: impl FnOnce(&T) -> usize,
) -> io::Result<T>
where
    B: BufMut + ?Sized,
{
    let chunk = buf.chunk_mut();
    // SAFETY: the slice covers exactly the spare capacity `chunk_mut` hands out, valid for
    // writes for its length. `recv` is a receive syscall: it only writes into the memory it
    // is given and never reads it, so its being uninitialized is never observed.
    let dst = unsafe { std::slice::from_raw_parts_mut(chunk.as_mut_ptr(), chunk.len()) };
    let res = recv(dst)?;
    let n = len(&res);
    // SAFETY: the receive initialized the first `n` bytes of the chunk (it never reports
    // more than the length it was given).
    unsafe { buf.advance_mut(n) };
    Ok(res)
}

/// Runs `recv` on the unfilled part of `buf`, then marks the byte count `len` reads from the
/// result as initialized and filled.
pub(crate) fn recv_into_read_buf<T>(
    buf: &mut ReadBuf<'_>,
    recv: impl FnOnce(&mut [u8]) -> io::Result<T>,
    len: impl FnOnce(&T) -> usize,
) -> io::Result<T> {
    // SAFETY: as in `recv_into_buf_mut`: a receive syscall only writes the memory it is given.
    let dst = unsafe { &mut *(buf.unfilled_mut() as *mut [MaybeUninit<u8>] as *mut [u8]) };
    let res = recv(dst)?;
    let n = len(&res);
    // SAFETY: the receive initialized the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(res)
}
