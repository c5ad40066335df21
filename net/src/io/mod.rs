//! Async I/O: the traits, their extension methods, and the utilities built on them.
//!
//! The names, signatures and behaviour are tokio's (`tokio::io`), so code moves over with a
//! search-and-replace; the few deviations are listed below.
//!
//! # What is here
//!
//! * The traits: [`AsyncRead`] (into a [`ReadBuf`]), [`AsyncWrite`], [`AsyncBufRead`],
//!   [`AsyncSeek`]; implemented for `&[u8]`, `Vec<u8>`, [`std::io::Cursor`], `Box<T>`,
//!   `&mut T` and `Pin<P>`.
//! * The `async` methods: [`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`],
//!   [`AsyncSeekExt`].
//! * Buffering: [`BufReader`], [`BufWriter`], [`BufStream`].
//! * Pumping: [`copy`], [`copy_buf`], [`copy_bidirectional`].
//! * Splitting a stream into halves for two tasks: [`split`]; and the opposite, one handle
//!   made of a reader and a writer: [`join`].
//! * In-memory streams: [`duplex`], [`simplex`]; and [`empty`], [`sink`], [`repeat`].
//!
//! # The contract
//!
//! * **No runtime needed.** Nothing here touches the reactor: these types work under any
//!   executor. (Stdio, `AsyncFd`, `Interest` and `Ready` need the reactor and live with the
//!   sockets.)
//! * **Short reads and writes are success.** A read may return fewer bytes than asked for and a
//!   write may take fewer than offered; a read of 0 bytes into a non-empty buffer is end of
//!   file, and a write of 0 bytes from a non-empty buffer means the writer is done, which
//!   `write_all` reports as [`ErrorKind::WriteZero`].
//! * **Errors.** `read_exact` and the integer readers fail with
//!   [`ErrorKind::UnexpectedEof`] when the data ends early; `read_to_string` and `read_line`
//!   fail with [`ErrorKind::InvalidData`] (carrying the `Utf8Error`) on invalid UTF-8 and
//!   then leave the string as it was; `Lines::next_line` skips an invalid line and fails with
//!   `InvalidData` carrying its bytes (a `FromUtf8Error`). On an I/O error `read_line` keeps
//!   the valid bytes read before it, `read_to_string` restores the string.
//! * **Cancellation.** Each method documents whether it is cancel safe, as tokio does. The
//!   single-operation methods (`read`, `read_buf`, `write`, `write_buf`, `read_until`,
//!   `fill_buf`, `Lines::next_line`, `Split::next_segment`) are: dropping their future loses
//!   no data. The "all of it" methods (`read_exact`, `write_all`, the integer readers and
//!   writers) are not: a dropped future may have transferred part of the data.
//! * **Cooperative budget.** The in-memory streams ([`DuplexStream`], [`SimplexStream`],
//!   [`Empty`], [`Sink`], [`Repeat`]) and the copy loops spend one unit of the task's budget
//!   per operation (see `runtime_sync::coop`), so a task that loops on a source that is always
//!   ready still yields to the scheduler.
//! * **Interrupted.** The methods that loop until done (`read_exact`, `read_to_end`,
//!   `read_to_string`, `read_until`, `read_line`, the integer readers and writers,
//!   `write_all`, `write_all_buf`, [`copy`], [`copy_buf`], [`copy_bidirectional`],
//!   [`BufWriter`]'s flush) retry a read or write that fails with
//!   [`ErrorKind::Interrupted`], as tokio's do; the single-operation methods return it.
//! * **`bytes`.** [`AsyncReadExt::read_buf`] reads into any `bytes::BufMut`,
//!   [`AsyncWriteExt::write_buf`] and [`AsyncWriteExt::write_all_buf`] write from any
//!   `bytes::Buf`, and [`ReadBuf`] is itself a `BufMut`, as in tokio.
//!
//! # Deviations from tokio
//!
//! * A `read_line` or `read_to_string` future dropped before it completes leaves the string
//!   with its original contents plus the complete characters read so far (tokio leaves it
//!   empty).
//! * [`copy`], [`copy_buf`] and [`copy_bidirectional`] spend a unit of the budget per trip
//!   through the buffer (tokio's, one per poll), so a long copy between two ends that are
//!   always ready still yields now and then.
//! * [`BufWriter::buffer`] in the middle of an interrupted flush returns only the bytes not
//!   yet written (tokio's returns the whole buffer).
//! * [`DuplexStream`] (and the wrappers around it) is `UnwindSafe` and `RefUnwindSafe`
//!   (tokio's is not): code written for tokio compiles unchanged.

mod async_buf_read;
mod async_read;
mod async_seek;
mod async_write;
mod read_buf;
mod split;
mod util;

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use read_buf::ReadBuf;
// Where a `bytes::BufMut` meets a `ReadBuf`: `read_buf` here, and the sockets' `*_buf` methods.
pub(crate) use read_buf::fill_buf_mut;
pub use split::{split, ReadHalf, WriteHalf};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use util::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty, join, repeat,
    simplex, sink, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader,
    BufStream, BufWriter, Chain, DuplexStream, Empty, Join, Lines, Repeat, SimplexStream, Sink,
    Split, Take,
};

pub use crate::driver::ready::{Interest, Ready};

/// Unix-specific I/O: readiness for any file descriptor.
pub mod unix {
    #[allow(deprecated)]
    pub use crate::driver::async_fd::AsyncFdTryNewError;
    pub use crate::driver::async_fd::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
    };
}

#[cfg(feature = "futures-io")]
mod futures_io;

mod stdio;
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
