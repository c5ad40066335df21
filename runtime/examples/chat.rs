//! A broadcast chat server: every line a client sends goes to every other client.
//!
//! ```text
//! cargo run --release --example chat                  # server plus three scripted clients
//! cargo run --release --example chat -- server 127.0.0.1:7001   # then: nc 127.0.0.1 7001
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use runtime::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::broadcast;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("server") {
        let listener =
            TcpListener::bind(args.get(1).map_or("127.0.0.1:7001", String::as_str)).await?;
        println!("chat server on {}", listener.local_addr()?);
        return serve(listener).await;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("chat server on {addr}");
    runtime::spawn(serve(listener));
    demo(addr).await
}

/// Accepts clients; each gets a name, and its lines are broadcast to the others.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let (tx, _) = broadcast::channel::<(SocketAddr, String)>(1024);
    loop {
        let (socket, peer) = listener.accept().await?;
        let tx = tx.clone();
        let mut rx = tx.subscribe();
        runtime::spawn(async move {
            let (reader, mut writer) = socket.into_split();
            let mut lines = BufReader::new(reader).lines();
            loop {
                runtime::select! {
                    line = lines.next_line() => match line {
                        Ok(Some(line)) => { let _ = tx.send((peer, line)); }
                        _ => break,
                    },
                    msg = rx.recv() => match msg {
                        Ok((from, line)) if from != peer => {
                            if writer.write_all(format!("{from}: {line}\n").as_bytes()).await.is_err() {
                                break;
                            }
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            let _ = writer.write_all(format!("(missed {n} messages)\n").as_bytes()).await;
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                }
            }
        });
    }
}

/// Three clients talk; each prints what it heard.
async fn demo(addr: SocketAddr) -> std::io::Result<()> {
    let mut clients = Vec::new();
    for name in ["ada", "brian", "grace"] {
        clients.push(runtime::spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            let (reader, mut writer) = stream.into_split();
            // Let everyone connect before talking.
            runtime::time::sleep(Duration::from_millis(100)).await;
            writer
                .write_all(format!("hello from {name}\n").as_bytes())
                .await?;
            let mut lines = BufReader::new(reader).lines();
            let mut heard = Vec::new();
            while heard.len() < 2 {
                match runtime::time::timeout(Duration::from_secs(5), lines.next_line()).await {
                    Ok(Ok(Some(line))) => heard.push(line),
                    _ => break,
                }
            }
            Ok::<_, std::io::Error>((name, heard))
        }));
    }
    for client in clients {
        let (name, heard) = client.await.expect("client panicked")?;
        println!("{name} heard {} messages: {heard:?}", heard.len());
    }
    Ok(())
}
