//! The `bytes` integration (`read_buf` / `write_buf` / `write_all_buf`, `ReadBuf` as a
//! `BufMut`), retries on `ErrorKind::Interrupted`, `read_to_end`'s growth, the UTF-8 error
//! reporting of the string readers, and the `!Unpin` futures.

mod support;

use std::io::{ErrorKind, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::str::Utf8Error;
use std::string::FromUtf8Error;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use runtime_net::io::{
    self, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf,
};
use support::{block_on, Interrupting, TrickleWriter};

#[test]
fn read_buf_fills_any_buf_mut_without_zeroing() {
    block_on(async {
        let mut r: &[u8] = b"hello world";
        let mut buf = BytesMut::with_capacity(4);
        let n = r.read_buf(&mut buf).await.unwrap();
        assert_eq!(&buf[..], &b"hello world"[..n]);

        // A `ReadBuf` is a `BufMut` too: `read_buf` fills its unfilled part.
        let mut storage = [0u8; 8];
        let mut rb = ReadBuf::new(&mut storage);
        rb.put_slice(b"ab");
        let mut r: &[u8] = b"cdefghijk";
        assert_eq!(r.read_buf(&mut rb).await.unwrap(), 6);
        assert_eq!(rb.filled(), b"abcdefgh");
        // No room left: `Ok(0)` at once, the reader is not touched.
        assert_eq!(r.read_buf(&mut rb).await.unwrap(), 0);
        assert_eq!(r, b"ijk");
    });
}

#[test]
fn read_buf_grows_a_full_vec() {
    block_on(async {
        let mut r: &[u8] = b"xyz";
        let mut v = Vec::new();
        assert_eq!(r.read_buf(&mut v).await.unwrap(), 3);
        assert_eq!(v, b"xyz");
        assert_eq!(r.read_buf(&mut v).await.unwrap(), 0, "end of file");
    });
}

#[test]
fn read_buf_is_a_buf_mut() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    let mut rb = ReadBuf::uninit(&mut storage);
    assert_eq!(rb.remaining_mut(), 8);
    assert_eq!(rb.chunk_mut().len(), 8);
    rb.put_u16(0x0102);
    rb.put_u8(3);
    assert_eq!(rb.filled(), &[1, 2, 3]);
    assert_eq!(rb.chunk_mut().len(), 5);
    rb.chunk_mut().write_byte(0, 9);
    // SAFETY: the first byte of the chunk was just written.
    unsafe { rb.advance_mut(1) };
    assert_eq!(rb.filled(), &[1, 2, 3, 9]);
    assert_eq!(rb.initialized().len(), 4, "advance_mut also initializes");
    assert_eq!(rb.remaining_mut(), 4);
}

#[test]
#[should_panic(expected = "overflows the remaining space")]
fn read_buf_advance_mut_past_the_end_panics() {
    let mut storage = [0u8; 2];
    let mut rb = ReadBuf::new(&mut storage);
    // SAFETY: the whole buffer is initialized; the call panics before filling anything.
    unsafe { rb.advance_mut(3) };
}

/// A writer that takes everything and records how it was called.
#[derive(Default)]
struct Recorder {
    data: Vec<u8>,
    vectored: bool,
    writes: usize,
}

impl AsyncWrite for Recorder {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        assert!(!self.vectored, "a vectored writer is given vectored writes");
        self.writes += 1;
        self.data.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.writes += 1;
        let mut n = 0;
        for b in bufs {
            self.data.extend_from_slice(b);
            n += b.len();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.vectored
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn write_buf_takes_one_chunk_or_all_chunks_vectored() {
    block_on(async {
        let mut w = Recorder::default();
        let mut src = Bytes::from_static(b"hello ").chain(Bytes::from_static(b"world"));
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 6, "the first chunk");
        assert_eq!(src.remaining(), 5);

        let mut w = Recorder {
            vectored: true,
            ..Recorder::default()
        };
        let mut src = Bytes::from_static(b"hello ").chain(Bytes::from_static(b"world"));
        assert_eq!(
            w.write_buf(&mut src).await.unwrap(),
            11,
            "both chunks at once"
        );
        assert!(!src.has_remaining());
        assert_eq!(w.writes, 1);
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 0, "nothing left");
    });
}

#[test]
fn write_all_buf_advances_past_what_was_written() {
    block_on(async {
        let mut w = TrickleWriter::with_limit(4, 6);
        let mut src = Bytes::from_static(b"hello").chain(Bytes::from_static(b"world"));
        let err = w.write_all_buf(&mut src).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        assert_eq!(src.copy_to_bytes(src.remaining()), &b"orld"[..]);
    });
}

#[test]
fn loops_retry_interrupted_operations() {
    block_on(async {
        let mut r = Interrupting::new(&b"0123456789abcdef"[..]);
        let mut buf = [0; 4];
        r.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"0123");
        assert_eq!(r.read_u32().await.unwrap(), u32::from_be_bytes(*b"4567"));
        let mut rest = Vec::new();
        assert_eq!(r.read_to_end(&mut rest).await.unwrap(), 8);
        assert_eq!(rest, b"89abcdef");
        assert!(r.interrupts >= 3);

        let mut r = Interrupting::new(&b"caf\xc3\xa9"[..]);
        let mut s = String::new();
        assert_eq!(r.read_to_string(&mut s).await.unwrap(), 5);
        assert_eq!(s, "café");

        let mut r = Interrupting::new(BufReader::new(&b"one\ntwo\n"[..]));
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "one\n");
        let mut seg = Vec::new();
        r.read_until(b'\n', &mut seg).await.unwrap();
        assert_eq!(seg, b"two\n");

        let mut w = Interrupting::new(Vec::new());
        w.write_all(b"abc").await.unwrap();
        w.write_u16(0x6465).await.unwrap();
        w.write_all_buf(&mut &b"fg"[..]).await.unwrap();
        assert_eq!(w.inner, b"abcdefg");
    });
}

#[test]
fn single_operations_return_interrupted() {
    block_on(async {
        let mut r = Interrupting::new(&b"abc"[..]);
        let err = r.read(&mut [0; 3]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Interrupted);
        let mut w = Interrupting::new(Vec::new());
        let err = w.write(b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Interrupted);
    });
}

/// Hands out `data` in reads of at most `chunk` bytes.
struct Chunks<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl AsyncRead for Chunks<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = self.chunk.min(buf.remaining()).min(self.data.len());
        buf.put_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(()))
    }
}

#[test]
fn read_to_end_keeps_a_capacity_that_fits() {
    block_on(async {
        let data: Vec<u8> = (0..100).collect();
        for len in [32, 50, 99] {
            for chunk in [1, 7, 100] {
                let mut v = Vec::with_capacity(len);
                let mut r = Chunks {
                    data: &data[..len],
                    chunk,
                };
                r.read_to_end(&mut v).await.unwrap();
                assert_eq!(v, &data[..len]);
                assert_eq!(v.capacity(), len, "len {len}, chunk {chunk}");
            }
        }
        // Too small a capacity grows (amortized: at least doubling).
        let mut v = Vec::with_capacity(34);
        let mut r: &[u8] = &data[..38];
        r.read_to_end(&mut v).await.unwrap();
        assert_eq!(v, &data[..38]);
        assert!(v.capacity() >= 68);
    });
}

/// Initializes more than it fills, and checks that the next read sees that.
struct InitsAhead {
    expect_initialized: usize,
    reads: usize,
}

impl AsyncRead for InitsAhead {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let ahead = buf.initialized().len() - buf.filled().len();
        assert_eq!(ahead, self.expect_initialized, "read {}", self.reads);
        self.reads += 1;
        if self.reads <= 10 {
            buf.initialize_unfilled_to(ahead + 3);
            buf.advance(1);
            self.expect_initialized = ahead + 2;
        }
        Poll::Ready(Ok(()))
    }
}

#[test]
fn read_to_end_remembers_what_the_reader_initialized() {
    block_on(async {
        let mut v = Vec::with_capacity(256);
        let mut r = InitsAhead {
            expect_initialized: 0,
            reads: 0,
        };
        assert_eq!(r.read_to_end(&mut v).await.unwrap(), 10);
        assert_eq!(v, [0; 10]);
    });
}

#[test]
fn string_readers_report_utf8_errors_as_tokio() {
    block_on(async {
        let mut s = "abc".to_string();
        let err = (&b"d\xff"[..]).read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        let utf8 = err.into_inner().unwrap().downcast::<Utf8Error>().unwrap();
        assert_eq!(utf8.valid_up_to(), 4, "counted over the whole string");
        assert_eq!(s, "abc");

        let mut s = "abc".to_string();
        let mut r = BufReader::new(&b"de\xfff\n"[..]);
        let err = r.read_line(&mut s).await.unwrap_err();
        let utf8 = err.into_inner().unwrap().downcast::<Utf8Error>().unwrap();
        assert_eq!(utf8.valid_up_to(), 5);
        assert_eq!(s, "abc");

        let mut lines = (&b"ok\n\xff\xfe\r\nnext"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ok"));
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        let bad = err
            .into_inner()
            .unwrap()
            .downcast::<FromUtf8Error>()
            .unwrap();
        assert_eq!(bad.into_bytes(), b"\xff\xfe");
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("next"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

/// Fails with `Other` after handing out `data`.
struct ThenFail<'a>(&'a [u8]);

impl AsyncRead for ThenFail<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.0.is_empty() {
            return Poll::Ready(Err(std::io::Error::other("boom")));
        }
        buf.put_slice(self.0);
        self.0 = &[];
        Poll::Ready(Ok(()))
    }
}

#[test]
fn on_io_error_read_line_keeps_and_read_to_string_restores() {
    block_on(async {
        let mut s = "abc".to_string();
        let err = ThenFail(b"def").read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(s, "abc");

        let mut s = "abc".to_string();
        let mut r = BufReader::new(ThenFail(b"def"));
        let err = r.read_line(&mut s).await.unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(s, "abcdef");

        let mut s = "abc".to_string();
        let mut r = BufReader::new(ThenFail(b"d\xff"));
        r.read_line(&mut s).await.unwrap_err();
        assert_eq!(s, "abc", "invalid bytes before the error are dropped");
    });
}

// The extension futures are `!Unpin`, as tokio's: the same probe as tokio's
// `async_send_sync` test (it only compiles if the type is `!Unpin`).
#[allow(dead_code)]
trait AmbiguousIfUnpin<A> {
    fn some_item(&self) {}
}
impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}

// Never called: it only has to compile.
#[allow(dead_code)]
fn futures_are_not_unpin(r: &mut io::Empty) {
    AmbiguousIfUnpin::some_item(&r.read(&mut []));
    AmbiguousIfUnpin::some_item(&r.read_buf(&mut Vec::new()));
    AmbiguousIfUnpin::some_item(&r.read_u32());
    AmbiguousIfUnpin::some_item(&r.write_all(&[]));
    AmbiguousIfUnpin::some_item(&r.write_all_buf(&mut Bytes::new()));
    AmbiguousIfUnpin::some_item(&r.flush());
}
