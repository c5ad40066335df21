//! Canary 2c: hyper-util's legacy `Client` with its `HttpConnector` (on `TokioExecutor` and
//! `TokioTimer`) fetching from the hyper-util servers of canaries 2a and 2b, over HTTP/1 and
//! (with the `hyper-http2` feature) HTTP/2.

#[path = "support/hyper_server.rs"]
mod hyper_server;

use std::time::Duration;

use bytes::Bytes;
use canaries::within;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode, Version};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

async fn body_of(res: hyper::Response<hyper::body::Incoming>) -> Bytes {
    within("body", res.into_body().collect())
        .await
        .unwrap()
        .to_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_http1() {
    let addr = hyper_server::spawn_http1_server().await;
    let client = Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http::<Full<Bytes>>();

    let res = within(
        "GET /hello",
        client.get(format!("http://{addr}/hello").parse().unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.version(), Version::HTTP_11);
    assert_eq!(body_of(res).await, "hello from hyper");

    let payload = Bytes::from(vec![7u8; 100_000]);
    let req = Request::post(format!("http://{addr}/echo"))
        .body(Full::new(payload.clone()))
        .unwrap();
    let res = within("POST /echo", client.request(req)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_of(res).await, payload);

    // Concurrent requests through the pool.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..16u32 {
        let client = client.clone();
        calls.spawn(async move {
            let req = Request::post(format!("http://{addr}/echo"))
                .body(Full::from(format!("call {i}")))
                .unwrap();
            let res = client.request(req).await.unwrap();
            (i, res.into_body().collect().await.unwrap().to_bytes())
        });
    }
    let mut seen = 0;
    while let Some(joined) = within("pooled calls", calls.join_next()).await {
        let (i, body) = joined.unwrap();
        assert_eq!(body, format!("call {i}"));
        seen += 1;
    }
    assert_eq!(seen, 16);
}

#[cfg(feature = "hyper-http2")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_http2_prior_knowledge() {
    let addr = hyper_server::spawn_auto_server().await;
    let client = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .timer(TokioTimer::new())
        .http2_keep_alive_interval(Duration::from_secs(5))
        .build_http::<Full<Bytes>>();
    for _ in 0..3 {
        let res = within(
            "HTTP/2 GET /slow",
            client.get(format!("http://{addr}/slow").parse().unwrap()),
        )
        .await
        .unwrap();
        assert_eq!(res.version(), Version::HTTP_2);
        assert_eq!(res.headers()["x-request-version"], "HTTP/2.0");
        assert_eq!(body_of(res).await, "slept");
    }
}

#[tokio::test]
async fn http_connector_reports_refused_connection() {
    // A port that was just bound and released: nothing listens on it.
    let addr = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let err = within(
        "GET to a closed port",
        client.get(format!("http://{addr}/").parse().unwrap()),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "expected a connect error, got {err:?}");
}
