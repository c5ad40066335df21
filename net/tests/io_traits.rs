//! The io traits and their impls for std types and pointers.

mod support;

use std::io::{Cursor, IoSlice, SeekFrom};
use std::mem::MaybeUninit;
use std::pin::Pin;

use runtime_net::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt, ReadBuf,
};
use support::block_on;

#[test]
fn read_buf_put_slice_and_regions() {
    let mut storage = [MaybeUninit::uninit(); 6];
    let mut buf = ReadBuf::uninit(&mut storage);
    buf.put_slice(b"ab");
    assert_eq!(buf.filled(), b"ab");
    assert_eq!(buf.remaining(), 4);
    buf.initialize_unfilled_to(2).copy_from_slice(b"cd");
    buf.advance(2);
    assert_eq!(buf.filled(), b"abcd");
    buf.filled_mut()[0] = b'A';
    assert_eq!(buf.initialized(), b"Abcd");
    buf.set_filled(1);
    assert_eq!(buf.filled(), b"A");
    assert_eq!(buf.initialized().len(), 4);
}

#[test]
fn slice_reads_shrink_it() {
    block_on(async {
        let mut reader: &[u8] = b"hello";
        let mut buf = [0; 3];
        assert_eq!(reader.read(&mut buf).await.unwrap(), 3);
        assert_eq!(&buf, b"hel");
        assert_eq!(reader, b"lo");
        assert_eq!(reader.read(&mut buf).await.unwrap(), 2);
        assert_eq!(reader.read(&mut buf).await.unwrap(), 0, "end of file");
    });
}

#[test]
fn slice_is_buf_read() {
    block_on(async {
        let mut reader: &[u8] = b"abc";
        assert_eq!(reader.fill_buf().await.unwrap(), b"abc");
        reader.consume(2);
        assert_eq!(reader.fill_buf().await.unwrap(), b"c");
        reader.consume(10); // clamped
        assert_eq!(reader.fill_buf().await.unwrap(), b"");
    });
}

#[test]
fn vec_write_appends() {
    block_on(async {
        let mut out = b"x".to_vec();
        assert_eq!(out.write(b"yz").await.unwrap(), 2);
        let n = out
            .write_vectored(&[IoSlice::new(b"1"), IoSlice::new(b"23")])
            .await
            .unwrap();
        assert_eq!(n, 3);
        assert!(out.is_write_vectored());
        out.flush().await.unwrap();
        out.shutdown().await.unwrap();
        assert_eq!(out, b"xyz123");
    });
}

#[test]
fn cursor_reads_writes_and_seeks() {
    block_on(async {
        let mut c = Cursor::new(Vec::new());
        c.write_all(b"hello world").await.unwrap();
        assert_eq!(c.stream_position().await.unwrap(), 11);
        assert_eq!(c.seek(SeekFrom::Start(6)).await.unwrap(), 6);
        let mut s = String::new();
        c.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "world");
        assert_eq!(c.seek(SeekFrom::End(-5)).await.unwrap(), 6);
        c.write_all(b"there").await.unwrap();
        assert_eq!(c.rewind().await.unwrap(), 0);
        let mut line = String::new();
        c.read_line(&mut line).await.unwrap();
        assert_eq!(line, "hello there");
        let err = c.seek(SeekFrom::Current(-100)).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

#[test]
fn cursor_past_end_reads_eof() {
    block_on(async {
        let mut c = Cursor::new(&b"ab"[..]);
        c.set_position(10);
        let mut buf = [0; 4];
        assert_eq!(c.read(&mut buf).await.unwrap(), 0);
        assert_eq!(c.fill_buf().await.unwrap(), b"");
    });
}

#[test]
fn cursor_over_fixed_slice_writes_short() {
    block_on(async {
        let mut storage = [0u8; 4];
        let mut c = Cursor::new(&mut storage[..]);
        assert_eq!(c.write(b"abcdef").await.unwrap(), 4);
        assert_eq!(c.write(b"g").await.unwrap(), 0);
        let err = c.write_all(b"g").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
        assert_eq!(&storage, b"abcd");
    });
}

#[test]
fn box_mut_ref_and_pin_forward() {
    block_on(async {
        let mut boxed: Box<dyn AsyncRead + Unpin> = Box::new(&b"boxed"[..]);
        let mut s = String::new();
        boxed.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "boxed");

        let mut out: Vec<u8> = Vec::new();
        {
            let by_ref = &mut out;
            by_ref.write_all(b"ref").await.unwrap();
            assert!(AsyncWrite::is_write_vectored(&by_ref));
        }
        let mut pinned = Box::pin(Vec::new());
        pinned.write_all(b"pin").await.unwrap();
        assert_eq!(out, b"ref");
        assert_eq!(*pinned, b"pin");

        let mut boxed_w: Box<dyn AsyncWrite + Unpin> = Box::new(Vec::new());
        boxed_w.write_all(b"dyn").await.unwrap();
    });
}

/// A writer with only `poll_write`, to exercise the default vectored write.
struct OnlyWrite(Vec<u8>);

impl AsyncWrite for OnlyWrite {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn default_vectored_write_takes_first_nonempty_buffer() {
    block_on(async {
        let mut w = OnlyWrite(Vec::new());
        assert!(!w.is_write_vectored());
        let bufs = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cd")];
        assert_eq!(w.write_vectored(&bufs).await.unwrap(), 2);
        assert_eq!(w.0, b"ab");
    });
}

/// The auto traits tokio's io types have (what its `async_send_sync` test checks, and unwind
/// safety): code that relies on them compiles here too.
#[test]
fn io_types_have_tokios_auto_traits() {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    fn all<T: Send + Sync + Unpin + UnwindSafe + RefUnwindSafe>() {}
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    type D = runtime_net::io::DuplexStream;
    all::<runtime_net::io::Stdin>();
    all::<runtime_net::io::Stdout>();
    all::<runtime_net::io::Stderr>();
    all::<runtime_net::io::Empty>();
    all::<runtime_net::io::Sink>();
    all::<runtime_net::io::Repeat>();
    all::<runtime_net::io::SimplexStream>();
    all::<runtime_net::io::ReadHalf<D>>();
    all::<runtime_net::io::WriteHalf<D>>();
    all::<runtime_net::io::Interest>();
    all::<runtime_net::io::Ready>();
    send_sync_unpin::<D>();
    send_sync_unpin::<runtime_net::io::BufReader<D>>();
    send_sync_unpin::<runtime_net::io::BufWriter<D>>();
    send_sync_unpin::<runtime_net::io::BufStream<D>>();
    send_sync_unpin::<runtime_net::io::Lines<runtime_net::io::BufReader<D>>>();
    send_sync_unpin::<runtime_net::io::Split<runtime_net::io::BufReader<D>>>();
    send_sync_unpin::<runtime_net::io::Take<D>>();
    send_sync_unpin::<runtime_net::io::Chain<D, D>>();
    send_sync_unpin::<runtime_net::io::Join<D, D>>();
    send_sync_unpin::<runtime_net::io::ReadBuf<'static>>();
}
