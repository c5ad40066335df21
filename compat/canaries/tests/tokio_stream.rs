//! Canary 4: tokio-stream's wrappers (`ReceiverStream`, `UnboundedReceiverStream`,
//! `IntervalStream`, `TcpListenerStream`) driven through its `StreamExt`.

use std::time::{Duration, Instant};

use canaries::within;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_stream::wrappers::{
    IntervalStream, ReceiverStream, TcpListenerStream, UnboundedReceiverStream,
};
use tokio_stream::StreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_stream_with_combinators() {
    let (tx, rx) = mpsc::channel::<u32>(4);
    let producer = tokio::spawn(async move {
        for i in 0..100 {
            if tx.send(i).await.is_err() {
                return i;
            }
        }
        100
    });
    let evens_doubled: Vec<u32> = within(
        "collect",
        ReceiverStream::new(rx)
            .filter(|i| i % 2 == 0)
            .map(|i| i * 2)
            .take(10)
            .collect(),
    )
    .await;
    assert_eq!(evens_doubled, (0..10).map(|i| i * 4).collect::<Vec<_>>());
    // The stream (and with it the receiver) was dropped after item 18 was taken: the producer
    // sees the channel closed once the four buffered slots are used up.
    let refused = within("producer", producer).await.unwrap();
    assert!(
        (19..=23).contains(&refused),
        "first refused send: {refused}"
    );

    // Runs to the end when the sender goes away, and `into_inner` gives the receiver back.
    let (tx, rx) = mpsc::channel::<&str>(8);
    tx.send("a").await.unwrap();
    tx.send("b").await.unwrap();
    let mut stream = ReceiverStream::new(rx);
    assert_eq!(stream.next().await, Some("a"));
    let mut rx = stream.into_inner();
    assert_eq!(rx.recv().await, Some("b"));
    drop(tx);
    let mut stream = ReceiverStream::new(rx);
    assert_eq!(within("end", stream.next()).await, None);
}

#[tokio::test]
async fn merged_unbounded_streams_and_timeout() {
    let (tx_a, rx_a) = mpsc::unbounded_channel::<u32>();
    let (tx_b, rx_b) = mpsc::unbounded_channel::<u32>();
    for i in 0..5 {
        tx_a.send(i).unwrap();
        tx_b.send(100 + i).unwrap();
    }
    drop(tx_a);
    let merged = UnboundedReceiverStream::new(rx_a).merge(UnboundedReceiverStream::new(rx_b));
    tokio::pin!(merged);
    let mut got = Vec::new();
    for _ in 0..10 {
        got.push(within("merged item", merged.next()).await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, vec![0, 1, 2, 3, 4, 100, 101, 102, 103, 104]);

    // `tx_b` is still alive, so the merged stream stalls: `timeout` reports it and the stream
    // goes on afterwards.
    let timed = merged.timeout(Duration::from_millis(30));
    tokio::pin!(timed);
    let start = Instant::now();
    assert!(within("stalled", timed.next()).await.unwrap().is_err());
    assert!(start.elapsed() >= Duration::from_millis(30));
    tx_b.send(7).unwrap();
    assert_eq!(
        within("after timeout", timed.next())
            .await
            .unwrap()
            .unwrap(),
        7
    );
    drop(tx_b);
    assert!(within("closed", timed.next()).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interval_stream_ticks_in_time() {
    let period = Duration::from_millis(20);
    let start = Instant::now();
    let ticks: Vec<tokio::time::Instant> = within(
        "ticks",
        IntervalStream::new(tokio::time::interval(period))
            .take(4)
            .collect(),
    )
    .await;
    let elapsed = start.elapsed();
    assert_eq!(ticks.len(), 4);
    // The first tick is immediate, then one per period, on the period's schedule.
    for pair in ticks.windows(2) {
        assert_eq!(pair[1] - pair[0], period);
    }
    assert!(elapsed >= period * 3, "four ticks in {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(2),
        "four ticks in {elapsed:?}"
    );

    // `throttle` and `chunks_timeout` are built on the same timer.
    let start = Instant::now();
    let throttled: Vec<u32> = within(
        "throttle",
        tokio_stream::iter(0..3u32)
            .throttle(Duration::from_millis(15))
            .collect(),
    )
    .await;
    assert_eq!(throttled, vec![0, 1, 2]);
    assert!(start.elapsed() >= Duration::from_millis(30));

    let chunks: Vec<Vec<u32>> = within(
        "chunks_timeout",
        tokio_stream::iter(0..7u32)
            .chunks_timeout(3, Duration::from_secs(5))
            .collect(),
    )
    .await;
    assert_eq!(chunks, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_listener_stream_accepts() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let clients = tokio::spawn(async move {
        for i in 0..5u8 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(&[i; 3]).await.unwrap();
            let mut ack = [0u8; 1];
            stream.read_exact(&mut ack).await.unwrap();
            assert_eq!(ack[0], i + 1);
        }
    });

    let mut incoming = TcpListenerStream::new(listener);
    let mut seen = Vec::new();
    while seen.len() < 5 {
        let stream = within("accept", incoming.next()).await.unwrap();
        let mut stream = stream.unwrap();
        assert_eq!(stream.peer_addr().unwrap().ip(), addr.ip());
        let mut msg = [0u8; 3];
        within("read", stream.read_exact(&mut msg)).await.unwrap();
        assert!(msg.iter().all(|b| *b == msg[0]));
        stream.write_all(&[msg[0] + 1]).await.unwrap();
        seen.push(msg[0]);
    }
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    within("clients", clients).await.unwrap();

    // The listener comes back out of the wrapper, still bound to the same address.
    let listener = incoming.into_inner();
    assert_eq!(listener.local_addr().unwrap(), addr);
}
