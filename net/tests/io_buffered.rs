//! BufReader, BufWriter, BufStream.

mod support;

use std::io::{Cursor, ErrorKind, SeekFrom};

use runtime_net::io::{
    self, AsyncBufReadExt, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWriteExt, BufReader,
    BufStream, BufWriter,
};
use support::{block_on, Trickle, TrickleWriter};

#[test]
fn buf_reader_batches_small_reads() {
    block_on(async {
        let data: Vec<u8> = (0..100).collect();
        let mut r = BufReader::with_capacity(64, Trickle::new(&data, 1000));
        let mut out = Vec::new();
        let mut one = [0u8; 1];
        while r.read(&mut one).await.unwrap() == 1 {
            out.push(one[0]);
        }
        assert_eq!(out, data);
        // 100 bytes through a 64-byte buffer: two reads plus the one that saw end of file.
        assert_eq!(r.get_ref().reads, 3);
    });
}

#[test]
fn buf_reader_large_read_bypasses_the_buffer() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, &b"0123456789"[..]);
        let mut big = [0u8; 8];
        assert_eq!(r.read(&mut big).await.unwrap(), 8);
        assert!(r.buffer().is_empty());
        let mut small = [0u8; 1];
        assert_eq!(r.read(&mut small).await.unwrap(), 1);
        assert_eq!(r.buffer(), b"9");
    });
}

#[test]
fn buf_reader_fill_buf_and_consume() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, &b"abcdef"[..]);
        assert_eq!(r.fill_buf().await.unwrap(), b"abcd");
        assert_eq!(
            r.fill_buf().await.unwrap(),
            b"abcd",
            "not consumed: same bytes"
        );
        r.consume(3);
        assert_eq!(r.fill_buf().await.unwrap(), b"d");
        r.consume(1);
        assert_eq!(r.fill_buf().await.unwrap(), b"ef");
        r.consume(2);
        assert_eq!(r.fill_buf().await.unwrap(), b"");
        assert_eq!(r.into_inner(), b"");
    });
}

#[test]
fn buf_reader_seek_accounts_for_buffered_bytes() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, Cursor::new(b"0123456789".to_vec()));
        let mut b = [0u8; 1];
        r.read_exact(&mut b).await.unwrap(); // buffer holds "123", inner at 4
        assert_eq!(r.buffer(), b"123");
        assert_eq!(r.stream_position().await.unwrap(), 1);
        assert_eq!(r.seek(SeekFrom::Current(2)).await.unwrap(), 3);
        assert!(r.buffer().is_empty());
        r.read_exact(&mut b).await.unwrap();
        assert_eq!(&b, b"3");
        assert_eq!(r.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        r.read_exact(&mut b).await.unwrap();
        assert_eq!(&b, b"9");
    });
}

#[test]
fn buf_writer_buffers_until_flush() {
    block_on(async {
        let mut w = BufWriter::with_capacity(8, TrickleWriter::new(3));
        w.write_all(b"abc").await.unwrap();
        w.write_all(b"de").await.unwrap();
        assert_eq!(w.buffer(), b"abcde");
        assert_eq!(w.get_ref().writes, 0);
        w.flush().await.unwrap();
        assert!(w.buffer().is_empty());
        assert_eq!(w.get_ref().data, b"abcde");
        assert_eq!(w.get_ref().flushes, 1);
    });
}

#[test]
fn buf_writer_flushes_when_full_and_bypasses_large_writes() {
    block_on(async {
        let mut w = BufWriter::with_capacity(4, Vec::new());
        w.write_all(b"ab").await.unwrap();
        w.write_all(b"cde").await.unwrap(); // does not fit: "ab" goes out first
        assert_eq!(w.get_ref(), b"ab");
        assert_eq!(w.buffer(), b"cde");
        w.write_all(b"0123456789").await.unwrap(); // large: straight through after "cde"
        assert_eq!(w.get_ref(), b"abcde0123456789");
        assert!(w.buffer().is_empty());
    });
}

#[test]
fn buf_writer_shutdown_flushes_then_shuts_down() {
    block_on(async {
        let mut w = BufWriter::new(TrickleWriter::new(2));
        w.write_all(b"hello").await.unwrap();
        w.shutdown().await.unwrap();
        assert_eq!(w.get_ref().data, b"hello");
        assert_eq!(w.get_ref().shutdowns, 1);
    });
}

#[test]
fn buf_writer_reports_write_zero_from_flush() {
    block_on(async {
        let mut w = BufWriter::new(TrickleWriter::with_limit(2, 3));
        w.write_all(b"hello").await.unwrap();
        let err = w.flush().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        assert_eq!(w.get_ref().data, b"hel");
        assert_eq!(w.buffer(), b"lo", "unwritten bytes stay buffered");
    });
}

#[test]
fn buf_writer_seek_writes_out_first() {
    block_on(async {
        let mut w = BufWriter::new(Cursor::new(Vec::new()));
        w.write_all(b"hello").await.unwrap();
        assert_eq!(w.seek(SeekFrom::Start(1)).await.unwrap(), 1);
        w.write_all(b"E").await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().get_ref(), b"hEllo");
    });
}

#[test]
fn buf_writer_not_flushed_on_drop() {
    block_on(async {
        let mut out = Vec::new();
        {
            let mut w = BufWriter::new(&mut out);
            w.write_all(b"lost").await.unwrap();
        }
        assert!(out.is_empty());
    });
}

#[test]
fn buf_stream_buffers_both_directions() {
    block_on(async {
        let (a, mut b) = io::duplex(64);
        let mut s = BufStream::with_capacity(16, 16, a);
        s.write_all(b"question\n").await.unwrap();
        s.flush().await.unwrap();
        let mut line = String::new();
        BufReader::new(&mut b).read_line(&mut line).await.unwrap();
        assert_eq!(line, "question\n");
        b.write_all(b"answer\nrest").await.unwrap();
        drop(b);
        line.clear();
        s.read_line(&mut line).await.unwrap();
        assert_eq!(line, "answer\n");
        line.clear();
        s.read_to_string(&mut line).await.unwrap();
        assert_eq!(line, "rest");
    });
}

/// A seekable reader over positions `0..u64::MAX` whose every byte is its position's low
/// byte; each seek completes only on the second poll.
struct Positions {
    pos: u64,
    seek_pending: bool,
    seeks: usize,
}

impl io::AsyncRead for Positions {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        while buf.remaining() > 0 {
            buf.put_slice(&[self.pos as u8]);
            self.pos = self.pos.wrapping_add(1);
        }
        std::task::Poll::Ready(Ok(()))
    }
}

impl io::AsyncSeek for Positions {
    fn start_seek(mut self: std::pin::Pin<&mut Self>, pos: SeekFrom) -> std::io::Result<()> {
        assert!(!self.seek_pending, "a seek is still in flight");
        self.pos = match pos {
            SeekFrom::Start(n) => n,
            SeekFrom::Current(n) => self.pos.wrapping_add(n as u64),
            SeekFrom::End(n) => u64::MAX.wrapping_add(n as u64),
        };
        self.seek_pending = true;
        self.seeks += 1;
        Ok(())
    }

    fn poll_complete(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<u64>> {
        if self.seek_pending {
            self.seek_pending = false;
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        std::task::Poll::Ready(Ok(self.pos))
    }
}

#[test]
fn buf_reader_seek_too_far_back_takes_two_inner_seeks() {
    block_on(async {
        let inner = Positions {
            pos: 0,
            seek_pending: false,
            seeks: 0,
        };
        let mut r = BufReader::with_capacity(5, inner);
        assert_eq!(r.fill_buf().await.unwrap(), [0, 1, 2, 3, 4]);
        r.consume(1);
        // Back by `i64::MIN` from position 1 (4 bytes buffered): correcting the offset for
        // the buffered bytes would overflow, so the reader first seeks back over them.
        let expected = 1u64.wrapping_add(i64::MIN as u64);
        assert_eq!(r.seek(SeekFrom::Current(i64::MIN)).await.unwrap(), expected);
        assert_eq!(r.get_ref().seeks, 2);
        assert!(r.buffer().is_empty());
        assert_eq!(r.fill_buf().await.unwrap()[0], expected as u8);
    });
}

#[test]
fn buf_reader_keeps_its_buffer_until_the_seek_completes() {
    block_on(async {
        let inner = Positions {
            pos: 0,
            seek_pending: false,
            seeks: 0,
        };
        let mut r = BufReader::with_capacity(4, inner);
        assert_eq!(r.fill_buf().await.unwrap(), [0, 1, 2, 3]);
        // An inner seek is in flight (started behind the reader's back): `poll_complete`
        // with no seek of its own waits for it and keeps the buffer.
        std::pin::Pin::new(r.get_mut())
            .start_seek(SeekFrom::Start(4))
            .unwrap();
        let pos = std::future::poll_fn(|cx| std::pin::Pin::new(&mut r).poll_complete(cx))
            .await
            .unwrap();
        assert_eq!(pos, 4);
        assert_eq!(r.buffer(), [0, 1, 2, 3]);
    });
}

#[test]
fn buf_writer_flush_retries_interrupted_writes() {
    block_on(async {
        let mut w = BufWriter::with_capacity(8, support::Interrupting::new(Vec::new()));
        w.write_all(b"hello").await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().inner, b"hello");
        assert!(w.get_ref().interrupts > 0);
    });
}

#[test]
fn buf_writer_buffers_whole_slices_for_a_non_vectored_writer() {
    block_on(async {
        let mut w = BufWriter::with_capacity(8, TrickleWriter::new(4));
        let bufs = [
            std::io::IoSlice::new(b"foo "),
            std::io::IoSlice::new(b"bar "),
            std::io::IoSlice::new(b"baz"),
        ];
        // Two slices fit the buffer; the third waits for the next call.
        assert_eq!(w.write_vectored(&bufs).await.unwrap(), 8);
        assert_eq!(w.buffer(), b"foo bar ");
        assert_eq!(w.write_vectored(&bufs[2..]).await.unwrap(), 3);
        assert_eq!(w.get_ref().data, b"foo bar ");
        assert_eq!(w.buffer(), b"baz");
    });
}

#[test]
fn zero_capacity_buf_readers_panic_at_the_callers_line() {
    let location = support::panic_location(|| drop(BufReader::with_capacity(0, io::empty())));
    assert_eq!(location, file!());
    let location =
        support::panic_location(|| drop(BufStream::with_capacity(0, 1, io::duplex(1).0)));
    assert_eq!(location, file!());
}
