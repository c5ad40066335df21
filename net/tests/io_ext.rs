//! The extension traits: readers, writers, line and delimiter reading, seeking.

mod support;

use std::io::{ErrorKind, IoSlice};
use std::task::Poll;

use runtime_net::io::{self, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use support::{block_on, poll_once, CountingWaker, Trickle, TrickleWriter};

#[test]
fn read_exact_assembles_short_reads() {
    block_on(async {
        let mut r = Trickle::new(b"0123456789", 3);
        let mut buf = [0; 7];
        assert_eq!(r.read_exact(&mut buf).await.unwrap(), 7);
        assert_eq!(&buf, b"0123456");
        assert_eq!(r.reads, 3);
    });
}

#[test]
fn read_exact_fails_with_unexpected_eof() {
    block_on(async {
        let mut r: &[u8] = b"abc";
        let mut buf = [0; 4];
        let err = r.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn read_to_end_appends_and_counts() {
    block_on(async {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut r = Trickle::new(&data, 777);
        let mut out = b"prefix".to_vec();
        assert_eq!(r.read_to_end(&mut out).await.unwrap(), 10_000);
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(&out[6..], &data[..]);
    });
}

#[test]
fn read_to_end_keeps_bytes_read_before_an_error() {
    block_on(async {
        let mut r = (&b"abc"[..]).chain(support::Failing(ErrorKind::ConnectionReset));
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(out, b"abc");
    });
}

#[test]
fn read_to_string_rejects_invalid_utf8_and_leaves_buf_unchanged() {
    block_on(async {
        let mut r: &[u8] = b"ok \xff\xfe bad";
        let mut s = String::from("before");
        let err = r.read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s, "before");

        let mut r: &[u8] = "h\u{e9}llo".as_bytes();
        let n = r.read_to_string(&mut s).await.unwrap();
        assert_eq!(n, 6);
        assert_eq!(s, "beforeh\u{e9}llo");
    });
}

#[test]
fn read_to_string_handles_chars_split_across_reads() {
    block_on(async {
        let text = "\u{1F600}\u{e9}\u{4e2d}";
        let mut r = Trickle::new(text.as_bytes(), 1);
        let mut s = String::new();
        r.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, text);
    });
}

#[test]
fn read_buf_appends_into_spare_capacity() {
    block_on(async {
        let mut r: &[u8] = b"abcdef";
        let mut v = Vec::with_capacity(4);
        v.push(b'>');
        assert_eq!(r.read_buf(&mut v).await.unwrap(), 3);
        assert_eq!(v, b">abc");
        // Full: grows, then reads the rest.
        assert_eq!(r.read_buf(&mut v).await.unwrap(), 3);
        assert_eq!(v, b">abcdef");
        assert_eq!(r.read_buf(&mut v).await.unwrap(), 0);
    });
}

#[test]
fn integers_round_trip_in_both_byte_orders() {
    block_on(async {
        let mut out = Vec::new();
        out.write_u8(1).await.unwrap();
        out.write_i8(-2).await.unwrap();
        out.write_u16(0x0102).await.unwrap();
        out.write_u16_le(0x0102).await.unwrap();
        out.write_i32(-3).await.unwrap();
        out.write_u64_le(u64::MAX - 1).await.unwrap();
        out.write_i128(i128::MIN).await.unwrap();
        out.write_u128_le(7).await.unwrap();
        out.write_f32(1.5).await.unwrap();
        out.write_f64_le(-2.25).await.unwrap();
        out.write_i16_le(-300).await.unwrap();
        out.write_u32(0xdead_beef).await.unwrap();
        out.write_i64(-1).await.unwrap();
        assert_eq!(&out[2..6], &[1, 2, 2, 1]);

        let mut r = Trickle::new(&out, 1);
        assert_eq!(r.read_u8().await.unwrap(), 1);
        assert_eq!(r.read_i8().await.unwrap(), -2);
        assert_eq!(r.read_u16().await.unwrap(), 0x0102);
        assert_eq!(r.read_u16_le().await.unwrap(), 0x0102);
        assert_eq!(r.read_i32().await.unwrap(), -3);
        assert_eq!(r.read_u64_le().await.unwrap(), u64::MAX - 1);
        assert_eq!(r.read_i128().await.unwrap(), i128::MIN);
        assert_eq!(r.read_u128_le().await.unwrap(), 7);
        assert_eq!(r.read_f32().await.unwrap(), 1.5);
        assert_eq!(r.read_f64_le().await.unwrap(), -2.25);
        assert_eq!(r.read_i16_le().await.unwrap(), -300);
        assert_eq!(r.read_u32().await.unwrap(), 0xdead_beef);
        assert_eq!(r.read_i64().await.unwrap(), -1);
        let err = r.read_u16().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn take_limits_reads_and_can_be_reset() {
    block_on(async {
        let mut t = (&b"hello world"[..]).take(5);
        let mut s = String::new();
        t.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "hello");
        assert_eq!(t.limit(), 0);
        t.set_limit(100);
        s.clear();
        t.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, " world");
        assert_eq!(t.limit(), 94);
        assert_eq!(t.into_inner(), b"");
    });
}

#[test]
fn take_as_buf_read() {
    block_on(async {
        let mut t = BufReader::new(&b"line one\nline two\n"[..]).take(6);
        let mut line = String::new();
        t.read_line(&mut line).await.unwrap();
        assert_eq!(line, "line o");
    });
}

#[test]
fn chain_reads_both_in_order() {
    block_on(async {
        let mut c = Trickle::new(b"abc", 2).chain(&b"def"[..]);
        let mut out = Vec::new();
        c.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"abcdef");
        let mut lines = BufReader::new(&b"a\nb"[..]).chain(&b"c\nd"[..]).lines();
        let mut all = Vec::new();
        while let Some(l) = lines.next_line().await.unwrap() {
            all.push(l);
        }
        assert_eq!(all, ["a", "bc", "d"]);
    });
}

#[test]
fn write_all_survives_short_writes() {
    block_on(async {
        let mut w = TrickleWriter::new(3);
        w.write_all(b"0123456789").await.unwrap();
        assert_eq!(w.data, b"0123456789");
        assert_eq!(w.writes, 4);
    });
}

#[test]
fn write_all_reports_write_zero() {
    block_on(async {
        let mut w = TrickleWriter::with_limit(4, 6);
        let err = w.write_all(b"0123456789").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        assert_eq!(w.data, b"012345");
        let err = w.write_u32(1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    });
}

#[test]
fn write_buf_advances_the_slice() {
    block_on(async {
        let mut w = TrickleWriter::new(2);
        let mut src: &[u8] = b"abcde";
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 2);
        assert_eq!(src, b"cde");
        w.write_all_buf(&mut src).await.unwrap();
        assert!(src.is_empty());
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 0);
        assert_eq!(w.data, b"abcde");
    });
}

#[test]
fn write_all_buf_dropped_midway_leaves_exactly_the_rest() {
    let (_counter, waker) = CountingWaker::new();
    let (mut a, mut b) = io::duplex(4);
    let mut src: &[u8] = b"0123456789";
    {
        let mut fut = Box::pin(a.write_all_buf(&mut src));
        assert!(poll_once(&mut fut, &waker).is_pending());
    }
    assert_eq!(src, b"456789");
    block_on(async {
        let mut got = [0; 4];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"0123");
    });
}

#[test]
fn write_vectored_to_duplex_is_one_write() {
    block_on(async {
        let (mut a, mut b) = io::duplex(5);
        let n = a
            .write_vectored(&[IoSlice::new(b"abc"), IoSlice::new(b"defg")])
            .await
            .unwrap();
        assert_eq!(n, 5, "fills the pipe across both buffers");
        let mut got = [0; 5];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"abcde");
    });
}

#[test]
fn read_line_keeps_newline_and_appends() {
    block_on(async {
        let mut r = BufReader::with_capacity(3, Trickle::new(b"one\ntwo\r\nthree", 2));
        let mut s = String::from(">");
        assert_eq!(r.read_line(&mut s).await.unwrap(), 4);
        assert_eq!(s, ">one\n");
        assert_eq!(r.read_line(&mut s).await.unwrap(), 5);
        assert_eq!(s, ">one\ntwo\r\n");
        assert_eq!(r.read_line(&mut s).await.unwrap(), 5);
        assert_eq!(r.read_line(&mut s).await.unwrap(), 0);
        assert_eq!(s, ">one\ntwo\r\nthree");
    });
}

#[test]
fn read_line_invalid_utf8_leaves_buf_unchanged_and_next_line_reads() {
    block_on(async {
        let mut r: &[u8] = b"bad \xc3\x28\nnext\n";
        let mut s = String::from("kept");
        let err = r.read_line(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s, "kept");
        s.clear();
        r.read_line(&mut s).await.unwrap();
        assert_eq!(s, "next\n");
    });
}

#[test]
fn read_until_includes_delimiter() {
    block_on(async {
        let mut r = BufReader::with_capacity(2, &b"a,bb,ccc"[..]);
        let mut v = Vec::new();
        assert_eq!(r.read_until(b',', &mut v).await.unwrap(), 2);
        assert_eq!(r.read_until(b',', &mut v).await.unwrap(), 3);
        assert_eq!(r.read_until(b',', &mut v).await.unwrap(), 3);
        assert_eq!(r.read_until(b',', &mut v).await.unwrap(), 0);
        assert_eq!(v, b"a,bb,ccc");
    });
}

#[test]
fn lines_strip_endings_and_reject_invalid_utf8() {
    block_on(async {
        let mut lines = BufReader::new(&b"a\r\n\nb\xff\nc"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some(""));
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("c"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn next_line_is_cancel_safe() {
    let (_counter, waker) = CountingWaker::new();
    let (mut tx, rx) = io::duplex(64);
    let mut lines = BufReader::new(rx).lines();
    block_on(tx.write_all(b"hel")).unwrap();
    {
        let mut fut = Box::pin(lines.next_line());
        assert!(poll_once(&mut fut, &waker).is_pending());
    } // dropped with "hel" consumed from the pipe
    block_on(tx.write_all(b"lo\nworld\n")).unwrap();
    block_on(async {
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("hello"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("world"));
    });
}

#[test]
fn split_yields_segments_without_delimiter() {
    block_on(async {
        let mut parts = BufReader::with_capacity(1, &b"x;;yz;"[..]).split(b';');
        let mut all = Vec::new();
        while let Some(p) = parts.next_segment().await.unwrap() {
            all.push(p);
        }
        assert_eq!(all, [b"x".to_vec(), vec![], b"yz".to_vec()]);
    });
}

#[test]
fn dropping_a_pending_read_loses_no_bytes() {
    let (counter, waker) = CountingWaker::new();
    let (mut a, mut b) = io::duplex(16);
    let mut buf = [0; 8];
    {
        let mut fut = Box::pin(b.read(&mut buf));
        assert!(poll_once(&mut fut, &waker).is_pending());
    }
    block_on(a.write_all(b"data")).unwrap();
    assert_eq!(
        counter.count(),
        1,
        "the dropped read's waker was still woken"
    );
    let n = block_on(b.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"data");
}

#[test]
fn read_into_empty_buffer_is_ready_with_zero() {
    let (_counter, waker) = CountingWaker::new();
    let (_a, mut b) = io::duplex(16);
    let mut empty = [0u8; 0];
    let mut fut = Box::pin(b.read(&mut empty));
    assert!(matches!(poll_once(&mut fut, &waker), Poll::Ready(Ok(0))));
}

#[test]
fn dropped_read_line_keeps_previous_contents_and_complete_chars() {
    let (_counter, waker) = CountingWaker::new();
    let (mut tx, rx) = io::duplex(64);
    let mut rx = BufReader::new(rx);
    // "ab" then the first byte of a two-byte character.
    block_on(tx.write_all(b"ab\xc3")).unwrap();
    let mut s = String::from("old|");
    {
        let mut fut = Box::pin(rx.read_line(&mut s));
        assert!(poll_once(&mut fut, &waker).is_pending());
    }
    assert_eq!(s, "old|ab", "never invalid UTF-8, previous contents kept");
}

#[test]
fn fill_buf_output_outlives_the_future() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, &b"abcdef"[..]);
        let head: &[u8] = r.fill_buf().await.unwrap();
        assert_eq!(head, b"abcd");
        let n = head.len();
        r.consume(n);
        assert_eq!(r.fill_buf().await.unwrap(), b"ef");
    });
}
