//! A `File`'s one blocking operation in flight, and the buffer it travels with.
//!
//! The rules (tokio's):
//! * At most one operation (read, write, seek, `set_len`) is in flight; the buffer goes with
//!   it to the blocking pool and comes back with its result.
//! * A write copies the caller's bytes into the buffer, starts the blocking write and returns
//!   at once (the bytes are acknowledged once buffered). The next operation waits for it; its
//!   error is returned by the next write or flush (and kept for them if a read or seek is the
//!   one that sees it).
//! * A read starts a blocking read of up to `max_buf_size` bytes (and no more than the caller
//!   asked for) and hands out what came back; data read ahead and not yet handed out is
//!   accounted for by a later write or seek (which move the file position back over it).
//! * A seek waits for the operation in flight (`poll_complete` first), then runs the seek.
//! * Writes are *mandatory* blocking work: once queued they run even if the runtime begins to
//!   shut down, so a `File` dropped with a write in flight loses nothing (and the drop itself
//!   does not wait: the blocking closure owns the bytes and a handle to the file).
//! * If the runtime could not run an operation (its pool shut down), the operation fails with
//!   "background task failed" and the file is left idle with an empty buffer: it stays
//!   usable, and every later operation fails the same way.

use std::fs::File as StdFile;
use std::future::Future;
use std::io::{self, IoSlice, Seek, SeekFrom};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use runtime_sync::oneshot;

use super::buf::Buf;
use crate::fs::asyncify::background_task_failed;
use crate::io::ReadBuf;

/// What the operation that finished was, with its result.
#[derive(Debug)]
pub(super) enum Op {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
    SetLen(io::Result<()>),
}

#[derive(Debug)]
enum State {
    Idle(Buf),
    Busy(oneshot::Receiver<(Op, Buf)>),
}

/// The state of a `File` behind its lock.
#[derive(Debug)]
pub(super) struct Inner {
    state: State,
    /// The error of a write, seen while waiting for something else: the next write or flush
    /// returns it.
    write_err: Option<io::Error>,
    /// The position the last completed seek reported (what `poll_complete` returns when there
    /// is nothing in flight).
    pos: u64,
}

impl Inner {
    pub(super) fn new() -> Inner {
        Inner {
            state: State::Idle(Buf::default()),
            write_err: None,
            pos: 0,
        }
    }

    /// Keeps a write error for the next write or flush (the first one wins).
    fn keep_write_err(&mut self, e: io::Error) {
        self.write_err.get_or_insert(e);
    }

    /// The idle buffer.
    ///
    /// # Panics
    ///
    /// If an operation is in flight (callers settle first).
    fn buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf,
            State::Busy(_) => unreachable!("a file's buffer is away with an operation"),
        }
    }

    /// Starts `op` on the blocking pool with the idle buffer (`mandatory`: it runs even if the
    /// runtime begins to shut down after this).
    fn start(
        &mut self,
        std: &Arc<StdFile>,
        mandatory: bool,
        op: impl FnOnce(&StdFile, &mut Buf) -> Op + Send + 'static,
    ) -> io::Result<()> {
        let mut buf = std::mem::take(self.buf());
        let std = Arc::clone(std);
        let work = move || {
            let op = op(&std, &mut buf);
            // The handle goes before the result is sent: whoever has the result knows the
            // operation holds no reference to the file any more (`into_std` relies on it).
            drop(std);
            (op, buf)
        };
        match crate::blocking::spawn_in_runtime("`runtime::fs::File`", mandatory, work) {
            Ok(rx) => {
                self.state = State::Busy(rx);
                Ok(())
            }
            // The buffer went with the work; the file stays idle with an empty one.
            Err(crate::blocking::ShutDown) => Err(background_task_failed()),
        }
    }

    /// Waits for the operation in flight, if any, and takes its buffer back: `None` if there
    /// was nothing in flight. A completed seek updates the position.
    ///
    /// # Errors
    ///
    /// "background task failed" if the runtime dropped the operation before it ran; the file
    /// is idle again (with an empty buffer).
    fn poll_settle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Op>>> {
        let State::Busy(rx) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let done = ready!(Pin::new(rx).poll(cx));
        match done {
            Ok((op, buf)) => {
                self.state = State::Idle(buf);
                if let Op::Seek(Ok(pos)) = op {
                    self.pos = pos;
                }
                Poll::Ready(Ok(Some(op)))
            }
            Err(_) => {
                self.state = State::Idle(Buf::default());
                Poll::Ready(Err(background_task_failed()))
            }
        }
    }

    /// Waits until nothing is in flight; a write error is kept for the next write or flush.
    pub(super) fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // Other results have nobody waiting for them (and a lost operation, nothing to keep).
        if let Ok(Some(Op::Write(Err(e)))) = ready!(self.poll_settle(cx)) {
            self.keep_write_err(e);
        }
        Poll::Ready(())
    }

    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        max_buf_size: usize,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            match ready!(self.poll_settle(cx))? {
                Some(Op::Read(Ok(_))) => {
                    // What came back (nothing at the end of the file).
                    self.buf().copy_to(dst);
                    return Poll::Ready(Ok(()));
                }
                Some(Op::Read(Err(e))) => return Poll::Ready(Err(e)),
                Some(Op::Write(Err(e))) => self.keep_write_err(e),
                Some(_) => {}
                None => {
                    let buf = self.buf();
                    if !buf.is_empty() || dst.remaining() == 0 {
                        buf.copy_to(dst);
                        return Poll::Ready(Ok(()));
                    }
                    let max = dst.remaining().min(max_buf_size);
                    self.start(std, false, move |file, buf| {
                        Op::Read(buf.read_from(file, max))
                    })?;
                }
            }
        }
    }

    /// The shared body of `poll_write` and `poll_write_vectored`: `fill` copies the caller's
    /// bytes into the (empty) buffer and says how many it took.
    fn poll_write_with(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        len: usize,
        fill: impl FnOnce(&mut Buf) -> usize,
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.write_err.take() {
            return Poll::Ready(Err(e));
        }
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        while let Some(op) = ready!(self.poll_settle(cx))? {
            if let Op::Write(Err(e)) = op {
                return Poll::Ready(Err(e));
            }
        }
        let buf = self.buf();
        // Data read ahead that the caller never saw: the write goes where the caller is.
        let back = buf.discard();
        let n = fill(buf);
        self.start(std, true, move |file, buf| {
            let res = rewind(file, back).and_then(|()| buf.write_to(file));
            // On a failed rewind the bytes are dropped with the error.
            buf.discard();
            Op::Write(res)
        })?;
        Poll::Ready(Ok(n))
    }

    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        max_buf_size: usize,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, std, src.len(), |buf| buf.copy_from(src, max_buf_size))
    }

    pub(super) fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        max_buf_size: usize,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs
            .iter()
            .map(|b| b.len())
            .fold(0usize, usize::saturating_add);
        self.poll_write_with(cx, std, len, |buf| buf.copy_from_bufs(bufs, max_buf_size))
    }

    /// Waits for the write in flight: its error, or one kept from earlier.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.write_err.take() {
            return Poll::Ready(Err(e));
        }
        match ready!(self.poll_settle(cx))? {
            Some(Op::Write(Err(e))) => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }

    pub(super) fn start_seek(&mut self, std: &Arc<StdFile>, pos: SeekFrom) -> io::Result<()> {
        if let State::Busy(_) = self.state {
            return Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            ));
        }
        // A relative seek is relative to where the caller is, not to the end of data read
        // ahead: step back over the unread data first.
        let back = i64::try_from(self.buf().discard()).expect("a file buffer fits in an i64");
        let (pre, pos) = match pos {
            SeekFrom::Current(off) if back > 0 => match off.checked_sub(back) {
                Some(off) => (0, SeekFrom::Current(off)),
                None => (back, SeekFrom::Current(off)),
            },
            pos => (0, pos),
        };
        self.start(std, false, move |file, _| {
            Op::Seek(rewind(file, pre as usize).and_then(|()| (&mut &*file).seek(pos)))
        })
    }

    pub(super) fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        loop {
            match ready!(self.poll_settle(cx))? {
                None => return Poll::Ready(Ok(self.pos)),
                Some(Op::Seek(res)) => return Poll::Ready(res),
                Some(Op::Write(Err(e))) => self.keep_write_err(e),
                Some(_) => {}
            }
        }
    }

    /// Starts `set_len` (after the caller waited for the file to be idle); its result comes
    /// from [`poll_set_len`](Inner::poll_set_len).
    pub(super) fn start_set_len(&mut self, std: &Arc<StdFile>, size: u64) -> io::Result<()> {
        let back = self.buf().discard();
        self.start(std, false, move |file, _| {
            Op::SetLen(rewind(file, back).and_then(|()| file.set_len(size)))
        })
    }

    /// Waits for the `set_len` started by [`start_set_len`](Inner::start_set_len).
    pub(super) fn poll_set_len(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match ready!(self.poll_settle(cx))? {
            Some(Op::SetLen(res)) => Poll::Ready(res),
            other => unreachable!("`set_len` found {other:?} in flight"),
        }
    }
}

/// Blocking: moves the file position back by `back` bytes (data read ahead and dropped).
fn rewind(file: &StdFile, back: usize) -> io::Result<()> {
    if back == 0 {
        return Ok(());
    }
    let back = i64::try_from(back).expect("a file buffer fits in an i64");
    (&mut &*file).seek(SeekFrom::Current(-back)).map(drop)
}
