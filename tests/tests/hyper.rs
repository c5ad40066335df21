//! hyper 1.x on this runtime: a server (as in `examples/hello_http.rs`) driven by hyper's own
//! client, both on this runtime, through `runtime::compat::hyper`.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use runtime::compat::hyper::{HyperExecutor, HyperIo, HyperTimer};
use runtime::net::{TcpListener, TcpStream};
use runtime_tests::{both_flavors, within};

async fn hello(
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<std::io::Cursor<Vec<u8>>>>, Infallible> {
    let body = format!("Hello, {}!", req.uri().path().trim_start_matches('/'));
    Ok(Response::new(Full::new(std::io::Cursor::new(
        body.into_bytes(),
    ))))
}

both_flavors! {
    fn hyper_client_and_server_on_this_runtime() {
        let rt = rt();
        within(Duration::from_secs(60), move || rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            runtime::spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    runtime::spawn(async move {
                        hyper::server::conn::http1::Builder::new()
                            .timer(HyperTimer)
                            .serve_connection(HyperIo::new(stream), service_fn(hello))
                            .await
                            .unwrap();
                    });
                }
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
                .handshake::<_, Full<&'static [u8]>>(HyperIo::new(stream))
                .await
                .unwrap();
            hyper::rt::Executor::execute(&HyperExecutor, async move {
                let _ = conn.await;
            });
            for name in ["world", "runtime", "hyper"] {
                let req = Request::get(format!("http://{addr}/{name}"))
                    .body(Full::new(&b""[..]))
                    .unwrap();
                // HTTP/1: one request at a time; wait until the connection can take the next.
                sender.ready().await.unwrap();
                let res = sender.send_request(req).await.unwrap();
                assert_eq!(res.status(), 200);
                let body = res.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(&body[..], format!("Hello, {name}!").as_bytes());
            }
        }));
    }

    fn hyper_timer_sleeps_and_resets() {
        let rt = rt();
        rt.block_on(async {
            use hyper::rt::Timer;
            let start = std::time::Instant::now();
            let mut sleep = HyperTimer.sleep(Duration::from_secs(3600));
            HyperTimer.reset(&mut sleep, std::time::Instant::now() + Duration::from_millis(5));
            sleep.await;
            assert!(start.elapsed() >= Duration::from_millis(5));
            assert!(start.elapsed() < Duration::from_secs(60));
        });
    }
}

/// `futures_io` interop: the sockets are `futures_io::AsyncRead + AsyncWrite`.
#[test]
fn sockets_implement_futures_io() {
    fn assert_futures_io<T: futures_io::AsyncRead + futures_io::AsyncWrite>() {}
    assert_futures_io::<TcpStream>();
    assert_futures_io::<runtime::net::UnixStream>();
    assert_futures_io::<runtime::io::DuplexStream>();
    let rt = runtime_tests::Flavor::CurrentThread.rt();
    rt.block_on(async {
        let (a, b) = runtime::io::duplex(64);
        let mut a = Box::pin(a);
        let mut b = Box::pin(b);
        let n =
            std::future::poll_fn(|cx| futures_io::AsyncWrite::poll_write(a.as_mut(), cx, b"hi"))
                .await
                .unwrap();
        assert_eq!(n, 2);
        let mut buf = [0; 2];
        let n =
            std::future::poll_fn(|cx| futures_io::AsyncRead::poll_read(b.as_mut(), cx, &mut buf))
                .await
                .unwrap();
        assert_eq!(&buf[..n], b"hi");
        std::future::poll_fn(|cx| futures_io::AsyncWrite::poll_close(a.as_mut(), cx))
            .await
            .unwrap();
        let n =
            std::future::poll_fn(|cx| futures_io::AsyncRead::poll_read(b.as_mut(), cx, &mut buf))
                .await
                .unwrap();
        assert_eq!(n, 0);
    });
}
