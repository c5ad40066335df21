//! Canary 3: tokio-util's `Framed` (and `FramedRead`/`FramedWrite`) with `LinesCodec` and
//! `LengthDelimitedCodec`, echoing frames over `tokio::net` TCP.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use canaries::within;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;
use tokio_util::codec::{
    FramedRead, FramedWrite, LengthDelimitedCodec, LinesCodec, LinesCodecError,
};

/// A line server: answers every line with `echo: <line>` and a line that is too long with
/// `error: too long`, then goes on with the next line (the codec discards the rest of the long
/// one).
async fn spawn_line_server(max_length: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(max_length));
                let mut just_failed = false;
                loop {
                    let line = match lines.next().await {
                        Some(line) => line,
                        // After a decoder error, `Framed` ends the stream once, then reads on.
                        None if just_failed => {
                            just_failed = false;
                            continue;
                        }
                        None => break,
                    };
                    just_failed = line.is_err();
                    let reply = match line {
                        Ok(line) => format!("echo: {line}"),
                        Err(LinesCodecError::MaxLineLengthExceeded) => "error: too long".into(),
                        Err(LinesCodecError::Io(e)) => panic!("line server: {e}"),
                    };
                    lines.send(reply).await.unwrap();
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_codec_echo() {
    let addr = spawn_line_server(64).await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut lines = Framed::new(stream, LinesCodec::new());

    for line in ["hello", "", "wörld ✓", "tabs\tand spaces "] {
        within("send line", lines.send(line)).await.unwrap();
        let reply = within("echoed line", lines.next()).await.unwrap().unwrap();
        assert_eq!(reply, format!("echo: {line}"));
    }

    // Several lines in one write, and one line split over writes with a pause between: the
    // codec frames them by '\n' alone.
    let stream = lines.get_mut();
    stream.write_all(b"one\ntwo\r\nthree\nfo").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    stream.write_all(b"ur\n").await.unwrap();
    for expected in ["one", "two", "three", "four"] {
        let reply = within("batched line", lines.next()).await.unwrap().unwrap();
        assert_eq!(
            reply,
            format!("echo: {expected}"),
            "'\\r\\n' is stripped too"
        );
    }

    // Over the server's limit: the server's codec reports it and recovers at the next line.
    within("send long line", lines.send("x".repeat(100)))
        .await
        .unwrap();
    within("send short line", lines.send("short"))
        .await
        .unwrap();
    assert_eq!(
        within("long reply", lines.next()).await.unwrap().unwrap(),
        "error: too long"
    );
    assert_eq!(
        within("short reply", lines.next()).await.unwrap().unwrap(),
        "echo: short"
    );

    // Closing our write half ends the server's stream of lines, so it closes too.
    let mut stream = lines.into_inner();
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    within("server close", stream.read_to_end(&mut rest))
        .await
        .unwrap();
    assert!(rest.is_empty());
}

/// A frame server: answers every length-delimited frame with the same bytes reversed.
async fn spawn_frame_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut frames = LengthDelimitedCodec::builder()
                    .max_frame_length(1 << 20)
                    .new_framed(stream);
                while let Some(frame) = frames.next().await {
                    let mut frame: BytesMut = match frame {
                        Ok(frame) => frame,
                        // Over the limit: the codec gives an error; hang up.
                        Err(_) => return,
                    };
                    frame.reverse();
                    frames.send(frame.freeze()).await.unwrap();
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn length_delimited_codec_echo() {
    let addr = spawn_frame_server().await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut frames = Framed::new(stream, LengthDelimitedCodec::new());

    let sizes = [0usize, 1, 7, 4096, 300_000];
    for &size in &sizes {
        let frame: Vec<u8> = (0..size).map(|i| (i * 31 % 256) as u8).collect();
        within("send frame", frames.send(Bytes::from(frame.clone())))
            .await
            .unwrap();
        let reply = within("echoed frame", frames.next())
            .await
            .unwrap()
            .unwrap();
        let mut expected = frame;
        expected.reverse();
        assert_eq!(reply.len(), size);
        assert_eq!(&reply[..], &expected[..]);
    }

    // Pipelined: many frames sent before any reply is read, answered in order.
    for i in 0..100u32 {
        frames
            .feed(Bytes::from(i.to_be_bytes().to_vec()))
            .await
            .unwrap();
    }
    within("flush", SinkExt::<Bytes>::flush(&mut frames))
        .await
        .unwrap();
    for i in 0..100u32 {
        let reply = within("pipelined frame", frames.next())
            .await
            .unwrap()
            .unwrap();
        let mut expected = i.to_be_bytes();
        expected.reverse();
        assert_eq!(&reply[..], &expected[..]);
    }
}

/// The wire format is a 4-byte big-endian length then the payload, read here with the raw
/// `AsyncReadExt`/`AsyncWriteExt` methods, and a frame over the limit is refused.
#[tokio::test]
async fn length_delimited_wire_format_and_limit() {
    let addr = spawn_frame_server().await;
    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(&[0, 0, 0, 5]).await.unwrap();
    raw.write_all(b"hello").await.unwrap();
    let len = within("length prefix", raw.read_u32()).await.unwrap();
    assert_eq!(len, 5);
    let mut payload = [0u8; 5];
    within("payload", raw.read_exact(&mut payload))
        .await
        .unwrap();
    assert_eq!(&payload, b"olleh");

    // 2 MiB announced, over the server's 1 MiB limit: it hangs up.
    raw.write_u32(2 << 20).await.unwrap();
    let mut rest = Vec::new();
    let n = within("hang-up", raw.read_to_end(&mut rest))
        .await
        .unwrap_or(0);
    assert_eq!(n, 0, "no reply to a frame over the limit");
}

/// `FramedRead` and `FramedWrite` over the owned halves of a split `TcpStream`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framed_read_write_over_split_halves() {
    let addr = spawn_line_server(64).await;
    let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
    let mut sink = FramedWrite::new(write, LinesCodec::new());
    let mut source = FramedRead::new(read, LinesCodec::new());
    let writer = tokio::spawn(async move {
        for i in 0..50 {
            sink.send(format!("line {i}")).await.unwrap();
        }
        sink
    });
    for i in 0..50 {
        let reply = within("split reply", source.next()).await.unwrap().unwrap();
        assert_eq!(reply, format!("echo: line {i}"));
    }
    let sink = writer.await.unwrap();
    // Reunite the halves: they came from one stream.
    let stream = source.into_inner().reunite(sink.into_inner()).unwrap();
    assert_eq!(stream.peer_addr().unwrap(), addr);
}
