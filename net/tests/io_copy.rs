//! copy, copy_buf, copy_bidirectional.

mod support;

use std::io::ErrorKind;
use std::thread;

use runtime_net::io::{self, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use support::{block_on, Trickle, TrickleWriter};

#[test]
fn copy_moves_every_byte_through_short_ops() {
    block_on(async {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let mut r = Trickle::new(&data, 1500);
        let mut w = TrickleWriter::new(700);
        let n = io::copy(&mut r, &mut w).await.unwrap();
        assert_eq!(n, 50_000);
        assert_eq!(w.data, data);
        assert!(w.flushes >= 1, "flushed at the end");
        assert_eq!(w.shutdowns, 0, "copy does not shut down");
    });
}

#[test]
fn copy_reports_write_zero() {
    block_on(async {
        let mut r: &[u8] = b"0123456789";
        let mut w = TrickleWriter::with_limit(4, 5);
        let err = io::copy(&mut r, &mut w).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    });
}

#[test]
fn copy_propagates_read_errors() {
    block_on(async {
        let mut r = support::Failing(ErrorKind::ConnectionAborted);
        let mut w = Vec::new();
        let err = io::copy(&mut r, &mut w).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionAborted);
    });
}

#[test]
fn copy_buf_writes_from_the_readers_buffer() {
    block_on(async {
        let mut r = BufReader::with_capacity(5, Trickle::new(b"hello buffered world", 100));
        let mut w = Vec::new();
        assert_eq!(io::copy_buf(&mut r, &mut w).await.unwrap(), 20);
        assert_eq!(w, b"hello buffered world");
    });
}

#[test]
fn copy_flushes_while_the_reader_waits() {
    // A buffered writer must not sit on data while the reader has nothing to give.
    let (mut src_tx, mut src_rx) = io::duplex(64);
    let (dst_tx, mut dst_rx) = io::duplex(64);
    let copier = thread::spawn(move || {
        let mut w = io::BufWriter::new(dst_tx);
        block_on(io::copy(&mut src_rx, &mut w)).unwrap()
    });
    block_on(async {
        src_tx.write_all(b"early").await.unwrap();
        let mut got = [0u8; 5];
        dst_rx.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"early");
        drop(src_tx);
    });
    assert_eq!(copier.join().unwrap(), 5);
}

#[test]
fn copy_bidirectional_counts_and_propagates_shutdown() {
    let (mut client, mut left) = io::duplex(32);
    let (mut right, mut server) = io::duplex(32);
    let proxy = thread::spawn(move || block_on(io::copy_bidirectional(&mut left, &mut right)));
    let client_side = thread::spawn(move || {
        block_on(async {
            let request = vec![b'q'; 1000];
            client.write_all(&request).await.unwrap();
            client.shutdown().await.unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            reply
        })
    });
    block_on(async {
        let mut request = Vec::new();
        // Ends only because the proxy shut its write side down after the client's EOF.
        server.read_to_end(&mut request).await.unwrap();
        assert_eq!(request.len(), 1000);
        server.write_all(&[b'r'; 300]).await.unwrap();
        server.shutdown().await.unwrap();
    });
    let (a_to_b, b_to_a) = proxy.join().unwrap().unwrap();
    assert_eq!((a_to_b, b_to_a), (1000, 300));
    assert_eq!(client_side.join().unwrap(), vec![b'r'; 300]);
}

#[test]
fn copy_bidirectional_with_small_buffers() {
    block_on(async {
        let (mut a_peer, mut a) = io::duplex(1024);
        let (mut b, mut b_peer) = io::duplex(1024);
        a_peer.write_all(b"from a").await.unwrap();
        a_peer.shutdown().await.unwrap();
        b_peer.write_all(b"from b!").await.unwrap();
        b_peer.shutdown().await.unwrap();
        let counts = io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 2)
            .await
            .unwrap();
        assert_eq!(counts, (6, 7));
        let mut s = String::new();
        b_peer.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "from a");
        s.clear();
        a_peer.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "from b!");
    });
}

#[test]
fn copies_retry_interrupted_reads_and_writes() {
    block_on(async {
        let data: Vec<u8> = (0..=255).cycle().take(20_000).collect();
        let mut r = support::Interrupting::new(&data[..]);
        let mut w = support::Interrupting::new(Vec::new());
        assert_eq!(io::copy(&mut r, &mut w).await.unwrap(), 20_000);
        assert_eq!(w.inner, data);
        assert!(r.interrupts > 0 && w.interrupts > 0);

        let mut r = support::Interrupting::new(BufReader::with_capacity(100, &data[..]));
        let mut w = support::Interrupting::new(Vec::new());
        assert_eq!(io::copy_buf(&mut r, &mut w).await.unwrap(), 20_000);
        assert_eq!(w.inner, data);

        let mut a = io::join(
            support::Interrupting::new(&b"from a"[..]),
            support::Interrupting::new(Vec::new()),
        );
        let mut b = io::join(
            support::Interrupting::new(&b"from b!"[..]),
            support::Interrupting::new(Vec::new()),
        );
        let counts = io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 1)
            .await
            .unwrap();
        assert_eq!(counts, (6, 7));
        assert_eq!(b.writer().inner, b"from a");
        assert_eq!(a.writer().inner, b"from b!");
    });
}

#[test]
fn copy_tops_up_the_buffer_while_the_writer_waits() {
    block_on(async {
        // The reader hands out 3 bytes at a time, the writer takes everything it is offered
        // but only every other poll: while it waits, the buffer fills up, so the writes are
        // larger than the reads.
        let data = vec![7u8; 60];
        let mut r = support::Chunked::new(&data, 3);
        let mut w = TrickleWriter::new(usize::MAX);
        assert_eq!(io::copy(&mut r, &mut w).await.unwrap(), 60);
        assert_eq!(w.data, data);
        assert!(w.writes < 20, "{} writes for 20 reads", w.writes);
    });
}

#[test]
fn copy_buf_flushes_while_the_reader_waits() {
    block_on(async {
        let mut r = BufReader::new(Trickle::new(b"abcdef", 2));
        let mut w = TrickleWriter::new(8);
        io::copy_buf(&mut r, &mut w).await.unwrap();
        assert_eq!(w.data, b"abcdef");
        // Every pending read after a write flushes, then the end flushes once more.
        assert!(w.flushes >= 3, "{} flushes", w.flushes);
    });
}

#[test]
#[should_panic(expected = "`b_to_a_buf_size` must be greater than 0")]
fn copy_bidirectional_with_a_zero_buffer_panics() {
    let mut a = io::join(io::empty(), io::sink());
    let mut b = io::join(io::empty(), io::sink());
    let _ = block_on(io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 0));
}

#[test]
fn join_delegates_each_direction() {
    block_on(async {
        let mut rw = io::join(BufReader::new(&b"line\nrest"[..]), Vec::new());
        let mut line = String::new();
        use runtime_net::io::AsyncBufReadExt;
        rw.read_line(&mut line).await.unwrap();
        assert_eq!(line, "line\n");
        rw.write_all(b"out").await.unwrap();
        assert!(rw.is_write_vectored(), "as the writer");
        rw.shutdown().await.unwrap();
        assert_eq!(rw.writer(), b"out");
        let (mut r, w) = rw.into_inner();
        let mut rest = String::new();
        r.read_to_string(&mut rest).await.unwrap();
        assert_eq!((rest.as_str(), w.as_slice()), ("rest", &b"out"[..]));
    });
}
