//! The HTTP servers of the hyper-util canaries, over `TokioIo`-wrapped `tokio::net::TcpStream`s
//! with each connection spawned through `TokioExecutor`:
//! * [`spawn_http1_server`]: hyper's HTTP/1 connection builder, with `TokioTimer` driving its
//!   header read timeout;
//! * [`spawn_auto_server`] (with HTTP/2): hyper-util's auto-detecting builder, HTTP/1 and
//!   HTTP/2 on one port, `TokioExecutor` running HTTP/2's streams and `TokioTimer` driving
//!   both protocols' timers.

#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::rt::Executor;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};

/// How long the server waits for a request's head before it closes the connection.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_millis(200);

/// `GET /hello`, `POST /echo` (the body back), `GET /slow` (after 50 ms on the runtime's
/// timer); every answer carries the request's HTTP version in `x-request-version`.
pub async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let version = format!("{:?}", req.version());
    let mut res = match (req.method(), req.uri().path()) {
        (&Method::GET, "/hello") => Response::new(Full::from("hello from hyper")),
        (&Method::POST, "/echo") => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            Response::new(Full::new(body))
        }
        (&Method::GET, "/slow") => {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Response::new(Full::from("slept"))
        }
        _ => {
            let mut res = Response::new(Full::from("not found"));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res
        }
    };
    res.headers_mut()
        .insert("x-request-version", version.parse().unwrap());
    Ok(res)
}

/// Binds an ephemeral loopback port and serves HTTP/1 on every connection.
pub async fn spawn_http1_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let executor = TokioExecutor::new();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let conn =
                builder.serve_connection(TokioIo::new(stream), hyper::service::service_fn(handle));
            executor.execute(async move {
                // Errors here are the client's doing (the header read timeout test hangs up
                // half-way); the tests assert what the client sees.
                let _ = conn.await;
            });
        }
    });
    addr
}

/// Binds an ephemeral loopback port and serves HTTP/1 or HTTP/2 (prior knowledge), whichever
/// each connection speaks.
#[cfg(feature = "hyper-http2")]
pub async fn spawn_auto_server() -> SocketAddr {
    use hyper_util::server::conn::auto;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let executor = TokioExecutor::new();
    let mut builder = auto::Builder::new(executor.clone());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(5));
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let builder = builder.clone();
            executor.execute(async move {
                let _ = builder
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(handle))
                    .await;
            });
        }
    });
    addr
}
