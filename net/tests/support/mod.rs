//! A minimal executor and scripted io types for the io tests: the io utilities need no
//! runtime.

#![allow(dead_code)]

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use runtime_net::io::{AsyncRead, AsyncWrite, ReadBuf};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, parking while it is pending.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `future` once with `waker`.
pub fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// A reader that hands out at most `chunk` bytes per read and returns `Pending` (waking at
/// once) before every read: exercises partial progress and resumption.
pub struct Trickle {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    ready: bool,
    pub reads: usize,
}

impl Trickle {
    pub fn new(data: &[u8], chunk: usize) -> Trickle {
        Trickle {
            data: data.to_vec(),
            pos: 0,
            chunk,
            ready: false,
            reads: 0,
        }
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        self.reads += 1;
        let n = self
            .chunk
            .min(buf.remaining())
            .min(self.data.len() - self.pos);
        let pos = self.pos;
        buf.put_slice(&self.data[pos..pos + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

/// A writer that takes at most `chunk` bytes per write, returns `Pending` (waking at once)
/// before every write, and accepts nothing (`Ok(0)`) once `limit` bytes were written.
pub struct TrickleWriter {
    pub data: Vec<u8>,
    chunk: usize,
    limit: usize,
    ready: bool,
    pub writes: usize,
    pub flushes: usize,
    pub shutdowns: usize,
}

impl TrickleWriter {
    pub fn new(chunk: usize) -> TrickleWriter {
        TrickleWriter::with_limit(chunk, usize::MAX)
    }

    pub fn with_limit(chunk: usize, limit: usize) -> TrickleWriter {
        TrickleWriter {
            data: Vec::new(),
            chunk,
            limit,
            ready: false,
            writes: 0,
            flushes: 0,
            shutdowns: 0,
        }
    }
}

impl AsyncWrite for TrickleWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        self.writes += 1;
        let room = self.limit - self.data.len();
        let n = self.chunk.min(buf.len()).min(room);
        self.data.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

/// A reader that fails with `kind` on every read.
pub struct Failing(pub io::ErrorKind);

impl AsyncRead for Failing {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Err(self.0.into()))
    }
}

/// Wraps a reader or writer so that every other operation fails with
/// `ErrorKind::Interrupted` (the first one included), doing nothing.
pub struct Interrupting<T> {
    pub inner: T,
    interrupt_next: bool,
    pub interrupts: usize,
}

impl<T> Interrupting<T> {
    pub fn new(inner: T) -> Interrupting<T> {
        Interrupting {
            inner,
            interrupt_next: true,
            interrupts: 0,
        }
    }

    fn interrupt(&mut self) -> bool {
        let now = self.interrupt_next;
        self.interrupt_next = !now;
        if now {
            self.interrupts += 1;
        }
        now
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Interrupting<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.interrupt() {
            return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: runtime_net::io::AsyncBufRead + Unpin> runtime_net::io::AsyncBufRead for Interrupting<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.interrupt() {
            return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
        }
        Pin::new(&mut this.inner).poll_fill_buf(cx)
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut self.inner).consume(amt)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Interrupting<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.interrupt() {
            return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A reader that is always ready and hands out at most `chunk` bytes per read.
pub struct Chunked {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    pub reads: usize,
}

impl Chunked {
    pub fn new(data: &[u8], chunk: usize) -> Chunked {
        Chunked {
            data: data.to_vec(),
            pos: 0,
            chunk,
            reads: 0,
        }
    }
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.reads += 1;
        let n = self
            .chunk
            .min(buf.remaining())
            .min(self.data.len() - self.pos);
        let pos = self.pos;
        buf.put_slice(&self.data[pos..pos + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

/// Runs `f`, which must panic, and returns the file the panic reports as its location.
pub fn panic_location(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let file = Arc::new(std::sync::Mutex::new(String::new()));
    let prev = std::panic::take_hook();
    {
        let file = file.clone();
        std::panic::set_hook(Box::new(move |info| {
            *file.lock().unwrap() = info.location().unwrap().file().to_string();
        }));
    }
    let res = std::panic::catch_unwind(f);
    std::panic::set_hook(prev);
    assert!(res.is_err(), "did not panic");
    let file = file.lock().unwrap().clone();
    file
}
