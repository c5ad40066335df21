//! A `File` as a Unix file descriptor.

use std::fs::File as StdFile;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::File;

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.std.as_raw_fd()
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl FromRawFd for File {
    /// Wraps an open file descriptor.
    ///
    /// # Safety
    ///
    /// As [`FromRawFd::from_raw_fd`]: `fd` must be an open file descriptor that nothing else
    /// owns; the `File` closes it.
    unsafe fn from_raw_fd(fd: RawFd) -> File {
        // SAFETY: the caller upholds `from_raw_fd`'s contract, which is ours.
        File::from_std(unsafe { StdFile::from_raw_fd(fd) })
    }
}

impl From<OwnedFd> for File {
    fn from(fd: OwnedFd) -> File {
        File::from_std(StdFile::from(fd))
    }
}
