//! Canary 1: an axum server answering reqwest (no TLS), both on `runtime` through the `tokio`
//! compat package.

use std::net::SocketAddr;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use canaries::within;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    item: String,
    quantity: u32,
    unit_cents: u64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Receipt {
    item: String,
    quantity: u32,
    total_cents: u64,
}

fn app() -> Router {
    Router::new()
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { format!("hello, {name}") }),
        )
        .route(
            "/orders",
            post(|Json(order): Json<Order>| async move {
                (
                    StatusCode::CREATED,
                    Json(Receipt {
                        total_cents: u64::from(order.quantity) * order.unit_cents,
                        item: order.item,
                        quantity: order.quantity,
                    }),
                )
            }),
        )
}

/// Serves `app()` on an ephemeral loopback port until `stop` fires; returns the address and
/// the server task.
async fn serve() -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    (addr, stop, server)
}

async fn get_and_post(addr: SocketAddr) {
    let client = reqwest::Client::new();

    let res = within(
        "GET",
        client.get(format!("http://{addr}/hello/canary")).send(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; charset=utf-8",
        "axum's String response"
    );
    assert_eq!(
        within("GET body", res.text()).await.unwrap(),
        "hello, canary"
    );

    let order = Order {
        item: "widget".into(),
        quantity: 3,
        unit_cents: 250,
    };
    let res = within(
        "POST",
        client
            .post(format!("http://{addr}/orders"))
            .json(&order)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let receipt: Receipt = within("POST body", res.json()).await.unwrap();
    assert_eq!(
        receipt,
        Receipt {
            item: "widget".into(),
            quantity: 3,
            total_cents: 750,
        }
    );

    // axum's own rejections travel back intact.
    let res = within(
        "POST bad JSON",
        client
            .post(format!("http://{addr}/orders"))
            .header("content-type", "application/json")
            .body("{\"item\": 1}")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let res = within(
        "GET unknown route",
        client.get(format!("http://{addr}/nowhere")).send(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::NOT_FOUND);

    // Many requests at once through one pooled client.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..32 {
        let client = client.clone();
        calls.spawn(async move {
            let res = client
                .get(format!("http://{addr}/hello/n{i}"))
                .send()
                .await
                .unwrap();
            (i, res.text().await.unwrap())
        });
    }
    let mut seen = 0;
    while let Some(joined) = within("concurrent GETs", calls.join_next()).await {
        let (i, body) = joined.unwrap();
        assert_eq!(body, format!("hello, n{i}"));
        seen += 1;
    }
    assert_eq!(seen, 32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_answers_reqwest_multi_thread() {
    let (addr, stop, server) = serve().await;
    get_and_post(addr).await;
    stop.send(()).unwrap();
    within("graceful shutdown", server).await.unwrap().unwrap();
}

#[tokio::test]
async fn axum_answers_reqwest_current_thread() {
    let (addr, stop, server) = serve().await;
    get_and_post(addr).await;
    stop.send(()).unwrap();
    within("graceful shutdown", server).await.unwrap().unwrap();
}
