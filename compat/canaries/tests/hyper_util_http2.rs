//! Canary 2b: hyper-util's auto-detecting server (HTTP/1 and HTTP/2 on one port) on
//! `TokioIo`, `TokioExecutor` and `TokioTimer`, fetched through hyper's HTTP/2 client
//! connection on the same glue.

#[path = "support/hyper_server.rs"]
mod hyper_server;

use std::time::Duration;

use bytes::Bytes;
use canaries::within;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Version};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;

async fn body_of(res: hyper::Response<hyper::body::Incoming>) -> Bytes {
    within("body", res.into_body().collect())
        .await
        .unwrap()
        .to_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_over_tokio_io_with_executor_and_timer() {
    let addr = hyper_server::spawn_auto_server().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = within(
        "HTTP/2 handshake",
        hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .keep_alive_interval(Duration::from_secs(5))
            .handshake::<_, Full<Bytes>>(TokioIo::new(tcp)),
    )
    .await
    .unwrap();
    let conn = tokio::spawn(conn);

    // Sixteen streams at once on one connection: the server's executor runs each stream.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..16u32 {
        let mut sender = sender.clone();
        calls.spawn(async move {
            let path = if i % 2 == 0 { "/slow" } else { "/echo" };
            let req = Request::builder()
                .method(if i % 2 == 0 { "GET" } else { "POST" })
                .uri(format!("http://{addr}{path}"))
                .body(Full::from(format!("stream {i}")))
                .unwrap();
            let res = sender.send_request(req).await.unwrap();
            assert_eq!(res.version(), Version::HTTP_2);
            assert_eq!(res.headers()["x-request-version"], "HTTP/2.0");
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (i, body)
        });
    }
    let mut seen = 0;
    while let Some(joined) = within("HTTP/2 streams", calls.join_next()).await {
        let (i, body) = joined.unwrap();
        if i % 2 == 0 {
            assert_eq!(body, "slept");
        } else {
            assert_eq!(body, format!("stream {i}"));
        }
        seen += 1;
    }
    assert_eq!(seen, 16);

    drop(sender);
    within("HTTP/2 connection end", conn)
        .await
        .unwrap()
        .unwrap();
}

/// The auto-detecting server also speaks HTTP/1 on the same port.
#[tokio::test]
async fn auto_server_answers_http1_too() {
    let addr = hyper_server::spawn_auto_server().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = within(
        "HTTP/1 handshake",
        hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(tcp)),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let req = Request::get("/hello")
        .header("host", addr.to_string())
        .body(Full::default())
        .unwrap();
    let res = within("GET /hello", sender.send_request(req))
        .await
        .unwrap();
    assert_eq!(res.version(), Version::HTTP_11);
    assert_eq!(res.headers()["x-request-version"], "HTTP/1.1");
    assert_eq!(body_of(res).await, "hello from hyper");
}
