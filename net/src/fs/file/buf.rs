//! The buffer a `File` lends to its one blocking operation in flight.

use std::fs::File as StdFile;
use std::io::{self, IoSlice, Read, Write};

use crate::io::ReadBuf;

/// Bytes read ahead of the caller, or written by the caller and not yet on the file.
///
/// `bytes` stays initialised up to its length (it only grows, zero-filled), so a read into it
/// never zeroes memory twice; the data is `bytes[start..end]`.
#[derive(Debug, Default)]
pub(super) struct Buf {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl Buf {
    /// No data held.
    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Drops the data held; returns how many bytes that was.
    pub(super) fn discard(&mut self) -> usize {
        let n = self.end - self.start;
        self.start = 0;
        self.end = 0;
        n
    }

    /// Hands as much of the data as fits to `dst`.
    pub(super) fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = (self.end - self.start).min(dst.remaining());
        dst.put_slice(&self.bytes[self.start..self.start + n]);
        self.start += n;
        if self.start == self.end {
            self.discard();
        }
    }

    /// `n` initialised bytes at the front of the buffer, which becomes empty.
    fn space(&mut self, n: usize) -> &mut [u8] {
        debug_assert!(self.is_empty(), "the buffer's data would be overwritten");
        if self.bytes.len() < n {
            self.bytes.resize(n, 0);
        }
        self.start = 0;
        self.end = 0;
        &mut self.bytes[..n]
    }

    /// Takes up to `max` bytes of `src` (the buffer must be empty); returns how many.
    pub(super) fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        let n = src.len().min(max);
        self.space(n).copy_from_slice(&src[..n]);
        self.end = n;
        n
    }

    /// Takes up to `max` bytes from the slices in order (the buffer must be empty); returns
    /// how many.
    pub(super) fn copy_from_bufs(&mut self, bufs: &[IoSlice<'_>], max: usize) -> usize {
        let total = bufs
            .iter()
            .map(|b| b.len())
            .fold(0usize, usize::saturating_add);
        let n = total.min(max);
        let space = self.space(n);
        let mut at = 0;
        for b in bufs {
            if at == n {
                break;
            }
            let take = b.len().min(n - at);
            space[at..at + take].copy_from_slice(&b[..take]);
            at += take;
        }
        self.end = n;
        n
    }

    /// Blocking: one read of up to `max` bytes from `file` into the (empty) buffer, retried
    /// if interrupted. The buffer holds what was read (nothing on error).
    pub(super) fn read_from(&mut self, file: &StdFile, max: usize) -> io::Result<usize> {
        let space = self.space(max);
        let res = loop {
            match (&mut &*file).read(space) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                res => break res,
            }
        };
        if let Ok(n) = res {
            self.end = n;
        }
        res
    }

    /// Blocking: writes all the data to `file`. The buffer is empty afterwards whatever
    /// happened: on error, the data that did not make it is dropped, and the error (reported
    /// by the next write or flush) is what tells the caller.
    pub(super) fn write_to(&mut self, file: &StdFile) -> io::Result<()> {
        let res = (&mut &*file).write_all(&self.bytes[self.start..self.end]);
        self.discard();
        res
    }
}
