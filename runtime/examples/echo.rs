//! A TCP echo server and a client that measures it.
//!
//! ```text
//! cargo run --release --example echo                 # server and client in one process
//! cargo run --release --example echo -- server 127.0.0.1:7000
//! cargo run --release --example echo -- client 127.0.0.1:7000
//! ```
//!
//! The client opens 32 connections, each sends 1,000 messages of 64 bytes and waits for each
//! echo (round trips), then streams 64 MiB through one connection and checks every byte came
//! back.

use std::net::SocketAddr;
use std::time::Instant;

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};

const CONNECTIONS: usize = 32;
const ROUND_TRIPS: usize = 1_000;
const MESSAGE: usize = 64;
const STREAM_BYTES: usize = 64 << 20;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("server") => {
            let addr = args.get(1).map_or("127.0.0.1:7000", String::as_str);
            let listener = TcpListener::bind(addr).await?;
            println!("echo server listening on {}", listener.local_addr()?);
            serve(listener).await
        }
        Some("client") => {
            let addr: SocketAddr = args
                .get(1)
                .map_or("127.0.0.1:7000", String::as_str)
                .parse()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            client(addr).await
        }
        _ => {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            println!("echo server listening on {addr}");
            runtime::spawn(serve(listener));
            client(addr).await
        }
    }
}

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (mut socket, _) = listener.accept().await?;
        runtime::spawn(async move {
            let (mut reader, mut writer) = socket.split();
            // Echo until the client closes its side, then close ours.
            let _ = runtime::io::copy(&mut reader, &mut writer).await;
            let _ = writer.shutdown().await;
        });
    }
}

async fn client(addr: SocketAddr) -> std::io::Result<()> {
    let start = Instant::now();
    let mut connections = Vec::new();
    for _ in 0..CONNECTIONS {
        connections.push(runtime::spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let message = [7u8; MESSAGE];
            let mut reply = [0u8; MESSAGE];
            for _ in 0..ROUND_TRIPS {
                stream.write_all(&message).await?;
                stream.read_exact(&mut reply).await?;
                assert_eq!(reply, message, "the echo changed the bytes");
            }
            Ok::<_, std::io::Error>(())
        }));
    }
    for connection in connections {
        connection.await.expect("client task panicked")?;
    }
    let elapsed = start.elapsed();
    let trips = CONNECTIONS * ROUND_TRIPS;
    println!(
        "{CONNECTIONS} connections x {ROUND_TRIPS} round trips of {MESSAGE} bytes: {trips} round \
         trips in {elapsed:.1?} ({:.0} per second)",
        trips as f64 / elapsed.as_secs_f64()
    );

    let start = Instant::now();
    let stream = TcpStream::connect(addr).await?;
    let (mut reader, mut writer) = stream.into_split();
    let sender = runtime::spawn(async move {
        let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        let mut sent = 0;
        while sent < STREAM_BYTES {
            writer.write_all(&chunk).await?;
            sent += chunk.len();
        }
        writer.shutdown().await
    });
    let mut buf = vec![0u8; 64 * 1024];
    let mut received = 0usize;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        for (i, b) in buf[..n].iter().enumerate() {
            assert_eq!(
                *b,
                ((received + i) % (64 * 1024) % 251) as u8,
                "corrupted stream"
            );
        }
        received += n;
    }
    sender.await.expect("sender panicked")?;
    let elapsed = start.elapsed();
    println!(
        "streamed {} MiB through the echo and back, every byte checked, in {elapsed:.1?} \
         ({:.0} MiB/s each way)",
        received >> 20,
        (received >> 20) as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
