//! Canary 2a: hyper-util's `TokioIo`, `TokioExecutor` and `TokioTimer` serving HTTP/1, fetched
//! through hyper's HTTP/1 client connection over the same `TokioIo` glue.

#[path = "support/hyper_server.rs"]
mod hyper_server;

use std::time::{Duration, Instant};

use bytes::Bytes;
use canaries::within;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode, Version};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn body_of(res: hyper::Response<hyper::body::Incoming>) -> Bytes {
    within("body", res.into_body().collect())
        .await
        .unwrap()
        .to_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_over_tokio_io() {
    let addr = hyper_server::spawn_http1_server().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = within(
        "HTTP/1 handshake",
        hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(tcp)),
    )
    .await
    .unwrap();
    let conn = tokio::spawn(conn);

    let req = Request::get("/hello")
        .header("host", addr.to_string())
        .body(Full::default())
        .unwrap();
    let res = within("GET /hello", sender.send_request(req))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.version(), Version::HTTP_11);
    assert_eq!(res.headers()["x-request-version"], "HTTP/1.1");
    assert_eq!(body_of(res).await, "hello from hyper");

    // A large body, sent and echoed back on the same keep-alive connection.
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let req = Request::post("/echo")
        .header("host", addr.to_string())
        .body(Full::from(payload.clone()))
        .unwrap();
    // hyper takes the next request once the connection is ready for it.
    within("ready", sender.ready()).await.unwrap();
    let res = within("POST /echo", sender.send_request(req))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_of(res).await, payload);

    // The handler sleeps on the runtime's timer.
    let req = Request::get("/slow")
        .header("host", addr.to_string())
        .body(Full::default())
        .unwrap();
    within("ready", sender.ready()).await.unwrap();
    let start = Instant::now();
    let res = within("GET /slow", sender.send_request(req)).await.unwrap();
    assert_eq!(body_of(res).await, "slept");
    assert!(start.elapsed() >= Duration::from_millis(50));

    let req = Request::get("/missing")
        .header("host", addr.to_string())
        .body(Full::default())
        .unwrap();
    within("ready", sender.ready()).await.unwrap();
    let res = within("GET /missing", sender.send_request(req))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Dropping the sender ends the connection task cleanly.
    drop(sender);
    within("HTTP/1 connection end", conn)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn http1_many_connections_current_thread() {
    let addr = hyper_server::spawn_http1_server().await;
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..20u32 {
        calls.spawn(async move {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
                .await
                .unwrap();
            tokio::spawn(conn);
            let req = Request::post("/echo")
                .header("host", addr.to_string())
                .body(Full::<Bytes>::from(format!("connection {i}")))
                .unwrap();
            let res = sender.send_request(req).await.unwrap();
            (i, res.into_body().collect().await.unwrap().to_bytes())
        });
    }
    let mut seen = 0;
    while let Some(joined) = within("connections", calls.join_next()).await {
        let (i, body) = joined.unwrap();
        assert_eq!(body, format!("connection {i}"));
        seen += 1;
    }
    assert_eq!(seen, 20);
}

/// `TokioTimer` drives hyper's HTTP/1 header read timeout: a client that sends half a request
/// head is hung up on once the timeout passes.
#[tokio::test]
async fn tokio_timer_enforces_header_read_timeout() {
    let addr = hyper_server::spawn_http1_server().await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    // The server closes the connection (possibly after a 408); either way no 200 arrives.
    let _ = within("server hang-up", tcp.read_to_end(&mut got)).await;
    let waited = start.elapsed();
    let got = String::from_utf8_lossy(&got);
    assert!(!got.contains("200 OK"), "answered a half request: {got}");
    assert!(
        waited >= hyper_server::HEADER_READ_TIMEOUT - Duration::from_millis(20),
        "hung up after {waited:?}, before the header read timeout"
    );
    assert!(
        waited < Duration::from_secs(5),
        "header read timeout ignored"
    );
}
