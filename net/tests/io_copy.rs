//! copy, copy_buf, copy_bidirectional.

mod support;

use std::io::ErrorKind;
use std::thread;

use runtime_net::io::{self, AsyncReadExt, AsyncWriteExt, BufReader};
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
