//! The io utilities: extension traits, buffering, copying, in-memory streams. Each file holds
//! one trait, type or function (with its futures); `crate::io` re-exports the public ones.

mod async_buf_read_ext;
mod async_read_ext;
mod async_seek_ext;
mod async_write_ext;
mod buf_reader;
mod buf_stream;
mod buf_writer;
mod chain;
mod copy;
mod copy_bidirectional;
mod copy_buf;
mod empty;
mod fill_buf;
mod flush;
mod join;
mod lines;
mod mem;
mod read;
mod read_exact;
mod read_int;
mod read_to_end;
mod read_to_string;
mod read_until;
mod repeat;
mod sink;
mod take;
mod utf8;
mod write;
mod write_all;
mod write_int;

pub use async_buf_read_ext::AsyncBufReadExt;
pub use async_read_ext::AsyncReadExt;
pub use async_seek_ext::AsyncSeekExt;
pub use async_write_ext::AsyncWriteExt;
pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;
pub use chain::Chain;
pub use copy::copy;
pub use copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use copy_buf::copy_buf;
pub use empty::{empty, Empty};
pub use join::{join, Join};
pub use lines::{Lines, Split};
pub use mem::{duplex, simplex, DuplexStream, SimplexStream};
pub use repeat::{repeat, Repeat};
pub use sink::{sink, Sink};
pub use take::Take;

/// Runs `op` again for as long as it fails with [`ErrorKind::Interrupted`]
/// (std::io::ErrorKind::Interrupted): the loops that move "all of it" (`read_exact`,
/// `write_all`, `read_to_end`, `copy`, ...) retry an interrupted read or write as tokio's and
/// std's do, instead of failing.
#[inline]
pub(crate) fn retry_interrupted<T>(
    mut op: impl FnMut() -> std::task::Poll<std::io::Result<T>>,
) -> std::task::Poll<std::io::Result<T>> {
    loop {
        match op() {
            std::task::Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
            res => return res,
        }
    }
}
