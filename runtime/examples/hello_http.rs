//! HTTP/1.1 "Hello, World!" with hyper 1.x on this runtime.
//!
//! ```text
//! cargo run --release --features hyper --example hello_http            # on 127.0.0.1:3000
//! cargo run --release --features hyper --example hello_http -- 127.0.0.1:8080
//! curl http://127.0.0.1:3000/
//! ```
//!
//! With `--requests N` it serves N requests and exits (what CI uses).

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use runtime::compat::hyper::{HyperIo, HyperTimer};
use runtime::net::TcpListener;

async fn hello(
    _: Request<hyper::body::Incoming>,
) -> Result<Response<Full<&'static [u8]>>, Infallible> {
    Ok(Response::new(Full::new(&b"Hello, World!"[..])))
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:3000".to_string();
    let mut limit = None;
    while let Some(arg) = args.next() {
        if arg == "--requests" {
            limit = args.next().and_then(|n| n.parse::<usize>().ok());
        } else {
            addr = arg;
        }
    }
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let served = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(runtime::sync::Notify::new());
    loop {
        let (stream, _) = runtime::select! {
            accepted = listener.accept() => accepted?,
            _ = done.notified() => break,
        };
        let (served, done) = (served.clone(), done.clone());
        runtime::spawn(async move {
            let service = service_fn(move |req| {
                let n = served.fetch_add(1, Ordering::SeqCst) + 1;
                if limit.is_some_and(|limit| n >= limit) {
                    done.notify_one();
                }
                hello(req)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(HyperTimer)
                .serve_connection(HyperIo::new(stream), service)
                .await;
        });
    }
    println!("served {} requests", served.load(Ordering::SeqCst));
    Ok(())
}
