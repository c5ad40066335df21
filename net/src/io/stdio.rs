//! `stdin`, `stdout`, `stderr`: the process's standard streams, read and written on the
//! blocking pool (the OS offers no readiness for them that works everywhere: a terminal or a
//! file is always "ready").
//!
//! Each handle owns a buffer and at most one blocking operation in flight. A write copies the
//! bytes into the buffer, starts the blocking write and returns at once; the next write, a
//! flush or a shutdown waits for it (and reports its error). A read starts a blocking read
//! into the buffer and hands out what it got.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use runtime_sync::oneshot;

use super::{AsyncRead, AsyncWrite, ReadBuf};

/// The most a single blocking read or write moves.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// The standard input of the process; see [`stdin`].
#[derive(Debug)]
pub struct Stdin {
    inner: Blocking<io::Stdin>,
}

/// The standard output of the process; see [`stdout`].
#[derive(Debug)]
pub struct Stdout {
    inner: Blocking<io::Stdout>,
}

/// The standard error of the process; see [`stderr`].
#[derive(Debug)]
pub struct Stderr {
    inner: Blocking<io::Stderr>,
}

// Unwind safety, as tokio's handles have it. Only the `io::Error`s the handles carry (a
// pending write error, the result of the blocking operation in flight) keep the compiler from
// inferring it: they are plain data, and every change to a handle's state is one assignment,
// so a panic (there is no user code inside these polls) cannot leave a handle half-updated.
impl std::panic::UnwindSafe for Stdin {}
impl std::panic::RefUnwindSafe for Stdin {}
impl std::panic::UnwindSafe for Stdout {}
impl std::panic::RefUnwindSafe for Stdout {}
impl std::panic::UnwindSafe for Stderr {}
impl std::panic::RefUnwindSafe for Stderr {}

/// A handle to the process's standard input. Reads run on the blocking pool.
///
/// Like tokio's: reading stdin from several handles at once interleaves unpredictably, and a
/// read in flight when the runtime shuts down may keep a blocking thread until input arrives.
pub fn stdin() -> Stdin {
    Stdin {
        inner: Blocking::new(io::stdin()),
    }
}

/// A handle to the process's standard output. Writes run on the blocking pool; call
/// `flush` (or `shutdown`) to wait for them.
///
/// ```no_run
/// use runtime::io::AsyncWriteExt;
///
/// # async fn run() -> std::io::Result<()> {
/// let mut out = runtime::io::stdout();
/// out.write_all(b"hello\n").await?;
/// out.flush().await?;
/// # Ok(())
/// # }
/// ```
pub fn stdout() -> Stdout {
    Stdout {
        inner: Blocking::new(io::stdout()),
    }
}

/// A handle to the process's standard error. Writes run on the blocking pool.
pub fn stderr() -> Stderr {
    Stderr {
        inner: Blocking::new(io::stderr()),
    }
}

/// The result of one blocking operation, with the buffer and the stream coming back.
type Done<T> = (io::Result<usize>, Vec<u8>, T);

#[derive(Debug)]
enum State<T> {
    /// Owns the stream and the buffer; `pos..` of the buffer is data read but not handed out.
    Idle(Option<(T, Vec<u8>)>),
    Busy(oneshot::Receiver<Done<T>>),
    /// The runtime shut down and dropped the stream with the work that held it: every
    /// operation fails with the shutdown error.
    Gone,
}

#[derive(Debug)]
struct Blocking<T> {
    state: State<T>,
    pos: usize,
    /// The error of a write that finished after its `poll_write` returned.
    pending_error: Option<io::Error>,
}

impl<T: Send + 'static> Blocking<T> {
    fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle(Some((inner, Vec::new()))),
            pos: 0,
            pending_error: None,
        }
    }

    /// Waits for the operation in flight, if any; returns its result.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        match &mut self.state {
            State::Idle(_) => Poll::Ready(Ok(0)),
            State::Gone => Poll::Ready(Err(crate::blocking::cancelled())),
            State::Busy(rx) => {
                let done = ready!(Pin::new(rx).poll(cx));
                match done {
                    Ok((res, buf, inner)) => {
                        self.state = State::Idle(Some((inner, buf)));
                        Poll::Ready(res)
                    }
                    Err(_) => {
                        self.state = State::Gone;
                        Poll::Ready(Err(crate::blocking::cancelled()))
                    }
                }
            }
        }
    }

    /// Starts `f` with the stream; fails at once if the runtime's pool has shut down.
    fn start(&mut self, f: impl FnOnce() -> Done<T> + Send + 'static) -> io::Result<()> {
        match crate::blocking::try_spawn(f) {
            Ok(rx) => {
                self.state = State::Busy(rx);
                Ok(())
            }
            Err(crate::blocking::ShutDown) => {
                self.state = State::Gone;
                Err(crate::blocking::cancelled())
            }
        }
    }

    fn take(&mut self) -> (T, Vec<u8>) {
        match &mut self.state {
            State::Idle(idle) => idle.take().expect("stdio handle lost its stream"),
            State::Busy(_) | State::Gone => {
                unreachable!("taking a stdio stream while an operation is in flight")
            }
        }
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, out: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            match &self.state {
                State::Busy(_) | State::Gone => match ready!(self.poll_idle(cx)) {
                    // End of input: nothing filled.
                    Ok(0) => return Poll::Ready(Ok(())),
                    Ok(_) => {}
                    Err(e) => return Poll::Ready(Err(e)),
                },
                State::Idle(Some((_, buf))) if self.pos < buf.len() => {
                    let n = (buf.len() - self.pos).min(out.remaining());
                    out.put_slice(&buf[self.pos..self.pos + n]);
                    self.pos += n;
                    return Poll::Ready(Ok(()));
                }
                State::Idle(_) => {
                    let want = out.remaining().clamp(1, MAX_BUF);
                    let (mut inner, mut buf) = self.take();
                    self.pos = 0;
                    if let Err(e) = self.start(move || {
                        buf.clear();
                        buf.resize(want, 0);
                        let res = inner.read(&mut buf);
                        buf.truncate(*res.as_ref().unwrap_or(&0));
                        (res, buf, inner)
                    }) {
                        return Poll::Ready(Err(e));
                    }
                }
            }
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_idle(cx)).map_err(|e| self.pending_error.take().unwrap_or(e))?;
        if let Some(e) = self.pending_error.take() {
            return Poll::Ready(Err(e));
        }
        let n = data.len().min(MAX_BUF);
        let (mut inner, mut buf) = self.take();
        buf.clear();
        buf.extend_from_slice(&data[..n]);
        self.start(move || {
            let res = inner.write_all(&buf).map(|()| buf.len());
            (res, buf, inner)
        })?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_idle(cx))?;
        let (mut inner, buf) = self.take();
        self.start(move || {
            let res = inner.flush().map(|()| 0);
            (res, buf, inner)
        })?;
        ready!(self.poll_idle(cx))?;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_read(cx, buf)
    }
}

macro_rules! stdio_write {
    ($($t:ty),*) => {$(
        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().inner.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().inner.poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().inner.poll_flush(cx)
            }
        }
    )*};
}

stdio_write!(Stdout, Stderr);
