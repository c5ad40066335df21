//! Canary 6: a tonic unary call, server and client, over `tonic::transport` (hyper, h2 and
//! hyper-util underneath) on `runtime` through the `tokio` compat package.
//!
//! No protoc and no build script: the messages are hand-written prost structs (what
//! `prost-build` would generate for the `.proto` below) and the service glue is written by hand
//! in the shape `tonic-build` generates, on tonic's public `client::Grpc` and `server::Grpc`.
//!
//! ```proto
//! syntax = "proto3";
//! package canary;
//! service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
//! message HelloRequest { string name = 1; uint32 delay_ms = 2; }
//! message HelloReply { string message = 1; repeated uint64 lengths = 2; }
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use canaries::within;
use prost::Message;
use tokio::sync::oneshot;
use tonic::{Code, Request};

#[derive(Clone, PartialEq, Message)]
pub struct HelloRequest {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(uint32, tag = "2")]
    pub delay_ms: u32,
}

#[derive(Clone, PartialEq, Message)]
pub struct HelloReply {
    #[prost(string, tag = "1")]
    pub message: String,
    #[prost(uint64, repeated, tag = "2")]
    pub lengths: Vec<u64>,
}

/// The service glue `tonic-build` would generate for `canary.Greeter`, written by hand.
mod greeter {
    use std::convert::Infallible;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use tonic::{Request, Response, Status};
    use tonic_prost::ProstCodec;

    use super::{HelloReply, HelloRequest};

    pub const SERVICE: &str = "canary.Greeter";
    pub const SAY_HELLO: &str = "/canary.Greeter/SayHello";

    type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

    /// The client stub.
    #[derive(Clone)]
    pub struct GreeterClient {
        inner: tonic::client::Grpc<tonic::transport::Channel>,
    }

    impl GreeterClient {
        pub async fn connect(dst: String) -> Result<Self, tonic::transport::Error> {
            let channel = tonic::transport::Endpoint::from_shared(dst)?
                .connect()
                .await?;
            Ok(GreeterClient {
                inner: tonic::client::Grpc::new(channel),
            })
        }

        pub async fn say_hello(
            &mut self,
            request: impl tonic::IntoRequest<HelloRequest>,
        ) -> Result<Response<HelloReply>, Status> {
            self.call(request, SAY_HELLO, "SayHello").await
        }

        /// Any method of the service by path: the canary calls one the server lacks.
        pub async fn call(
            &mut self,
            request: impl tonic::IntoRequest<HelloRequest>,
            path: &'static str,
            method: &'static str,
        ) -> Result<Response<HelloReply>, Status> {
            self.inner
                .ready()
                .await
                .map_err(|e| Status::unknown(format!("service was not ready: {e}")))?;
            let mut request = request.into_request();
            request
                .extensions_mut()
                .insert(tonic::GrpcMethod::new(SERVICE, method));
            let path = http::uri::PathAndQuery::from_static(path);
            self.inner.unary(request, path, ProstCodec::default()).await
        }
    }

    /// The server: routes `SayHello` to [`say_hello`], anything else to `Unimplemented`.
    #[derive(Clone, Default)]
    pub struct GreeterServer;

    impl tonic::server::NamedService for GreeterServer {
        const NAME: &'static str = SERVICE;
    }

    impl<B> tower::Service<http::Request<B>> for GreeterServer
    where
        B: http_body::Body + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    {
        type Response = http::Response<tonic::body::Body>;
        type Error = Infallible;
        type Future = BoxFuture<Result<Self::Response, Infallible>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: http::Request<B>) -> Self::Future {
            match req.uri().path() {
                SAY_HELLO => Box::pin(async move {
                    let mut grpc = tonic::server::Grpc::new(ProstCodec::default());
                    Ok(grpc.unary(SayHello, req).await)
                }),
                _ => {
                    Box::pin(async move { Ok(Status::unimplemented("no such method").into_http()) })
                }
            }
        }
    }

    struct SayHello;

    impl tonic::server::UnaryService<HelloRequest> for SayHello {
        type Response = HelloReply;
        type Future = BoxFuture<Result<Response<HelloReply>, Status>>;

        fn call(&mut self, request: Request<HelloRequest>) -> Self::Future {
            Box::pin(say_hello(request))
        }
    }

    /// The handler: greets `name` after `delay_ms`, echoing the `x-canary` metadata entry.
    async fn say_hello(request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let tag = request.metadata().get("x-canary").cloned();
        let HelloRequest { name, delay_ms } = request.into_inner();
        if name.is_empty() {
            return Err(Status::invalid_argument("name must not be empty"));
        }
        tokio::time::sleep(Duration::from_millis(delay_ms.into())).await;
        let mut res = Response::new(HelloReply {
            message: format!("hello, {name}"),
            lengths: name.split(' ').map(|w| w.len() as u64).collect(),
        });
        if let Some(tag) = tag {
            res.metadata_mut().insert("x-canary-echo", tag);
        }
        Ok(res)
    }
}

use greeter::{GreeterClient, GreeterServer};

/// Serves the greeter on an ephemeral loopback port until `stop` fires.
async fn serve() -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(GreeterServer)
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async move {
                    let _ = stopped.await;
                },
            ),
    );
    (addr, stop, server)
}

#[test]
fn hand_written_messages_match_the_proto_wire_format() {
    let req = HelloRequest {
        name: "ab".into(),
        delay_ms: 300,
    };
    // field 1, length-delimited; field 2, varint 300.
    assert_eq!(req.encode_to_vec(), [0x0a, 2, b'a', b'b', 0x10, 0xac, 0x02]);
    let reply = HelloReply {
        message: String::new(),
        lengths: vec![1, 2],
    };
    // proto3 packs repeated scalars: field 2, length-delimited, two varints.
    assert_eq!(reply.encode_to_vec(), [0x12, 2, 1, 2]);
    assert_eq!(HelloReply::decode(&[0x12, 2, 1, 2][..]).unwrap(), reply);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_call() {
    let (addr, stop, server) = serve().await;
    let mut client = within("connect", GreeterClient::connect(format!("http://{addr}")))
        .await
        .unwrap();

    let mut req = Request::new(HelloRequest {
        name: "tonic on runtime".into(),
        delay_ms: 0,
    });
    req.metadata_mut().insert("x-canary", "42".parse().unwrap());
    let res = within("SayHello", client.say_hello(req)).await.unwrap();
    assert_eq!(res.metadata().get("x-canary-echo").unwrap(), "42");
    assert_eq!(
        res.into_inner(),
        HelloReply {
            message: "hello, tonic on runtime".into(),
            lengths: vec![5, 2, 7],
        }
    );

    // A handler's error status reaches the caller with its code and message.
    let status = within(
        "SayHello with no name",
        client.say_hello(HelloRequest::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "name must not be empty");

    // A method the server lacks.
    let status = within(
        "unknown method",
        client.call(
            HelloRequest {
                name: "x".into(),
                delay_ms: 0,
            },
            "/canary.Greeter/Nope",
            "Nope",
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);

    // The request's deadline (the grpc-timeout header) is enforced on the runtime's timer.
    let mut req = Request::new(HelloRequest {
        name: "late".into(),
        delay_ms: 5_000,
    });
    req.set_timeout(Duration::from_millis(100));
    let start = Instant::now();
    let status = within("SayHello past its deadline", client.say_hello(req))
        .await
        .unwrap_err();
    let waited = start.elapsed();
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    assert!(
        waited >= Duration::from_millis(100),
        "gave up after {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "gave up after {waited:?}");

    // Many calls at once over the one HTTP/2 connection.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..20u32 {
        let mut client = client.clone();
        calls.spawn(async move {
            let res = client
                .say_hello(HelloRequest {
                    name: format!("caller {i}"),
                    delay_ms: 10,
                })
                .await
                .unwrap();
            (i, res.into_inner().message)
        });
    }
    let mut seen = 0;
    while let Some(joined) = within("concurrent calls", calls.join_next()).await {
        let (i, message) = joined.unwrap();
        assert_eq!(message, format!("hello, caller {i}"));
        seen += 1;
    }
    assert_eq!(seen, 20);

    drop(client);
    stop.send(()).unwrap();
    within("graceful shutdown", server).await.unwrap().unwrap();
}
