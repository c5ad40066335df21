//! Networking against tokio, workload for workload, on multi-thread runtimes with 2 workers
//! (`enable_all()`), server and clients in the same runtime, over loopback.
//!
//! * `tcp_echo`: 32 connections × 1,000 round trips of 64 bytes.
//! * `tcp_stream`: one connection, 1 GiB copied through (client writes, server reads and
//!   discards).
//!
//! `benches/report.py` turns the results into ratios against tokio.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};

const WORKERS: usize = 2;
const CONNECTIONS: usize = 32;
const ROUND_TRIPS: usize = 1_000;
const MESSAGE: usize = 64;
const STREAM_BYTES: usize = 1 << 30;
const CHUNK: usize = 256 * 1024;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use $krate::io::{AsyncReadExt, AsyncWriteExt};
            use $krate::net::{TcpListener, TcpStream};

            pub type Runtime = $krate::runtime::Runtime;

            pub fn tcp_echo(rt: &Runtime) {
                rt.block_on(async {
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    let server = $krate::spawn(async move {
                        let mut conns = Vec::new();
                        for _ in 0..super::CONNECTIONS {
                            let (mut s, _) = listener.accept().await.unwrap();
                            conns.push($krate::spawn(async move {
                                let mut buf = [0u8; super::MESSAGE];
                                loop {
                                    match s.read(&mut buf).await {
                                        Ok(0) | Err(_) => return,
                                        Ok(n) => s.write_all(&buf[..n]).await.unwrap(),
                                    }
                                }
                            }));
                        }
                        for c in conns {
                            c.await.unwrap();
                        }
                    });
                    let mut clients = Vec::new();
                    for _ in 0..super::CONNECTIONS {
                        clients.push($krate::spawn(async move {
                            let mut s = TcpStream::connect(addr).await.unwrap();
                            s.set_nodelay(true).unwrap();
                            let msg = [1u8; super::MESSAGE];
                            let mut back = [0u8; super::MESSAGE];
                            for _ in 0..super::ROUND_TRIPS {
                                s.write_all(&msg).await.unwrap();
                                s.read_exact(&mut back).await.unwrap();
                            }
                        }));
                    }
                    for c in clients {
                        c.await.unwrap();
                    }
                    server.await.unwrap();
                })
            }

            pub fn tcp_stream(rt: &Runtime) {
                rt.block_on(async {
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    let server = $krate::spawn(async move {
                        let (mut s, _) = listener.accept().await.unwrap();
                        let mut buf = vec![0u8; super::CHUNK];
                        let mut total = 0usize;
                        loop {
                            let n = s.read(&mut buf).await.unwrap();
                            if n == 0 {
                                return total;
                            }
                            total += n;
                        }
                    });
                    let mut s = TcpStream::connect(addr).await.unwrap();
                    let chunk = vec![7u8; super::CHUNK];
                    let mut sent = 0;
                    while sent < super::STREAM_BYTES {
                        s.write_all(&chunk).await.unwrap();
                        sent += chunk.len();
                    }
                    s.shutdown().await.unwrap();
                    assert_eq!(server.await.unwrap(), super::STREAM_BYTES);
                })
            }
        }
    };
}

workloads!(ours, runtime);
workloads!(theirs, tokio);

fn runtime_rt() -> ours::Runtime {
    runtime::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

/// Driving-path variants: without the busy workers' periodic turns (an `event_interval` no
/// tick count reaches), and without the monitor's turns.
fn runtime_rt_no_busy_turns() -> ours::Runtime {
    runtime::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .event_interval(u32::MAX)
        .build()
        .unwrap()
}

fn runtime_rt_no_monitor_turns() -> ours::Runtime {
    runtime::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .monitor_turns_driver(false)
        .build()
        .unwrap()
}

fn tokio_rt() -> theirs::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

fn tcp_echo(c: &mut Criterion) {
    let mut group = c.benchmark_group("tcp_echo");
    group.sample_size(20);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| b.iter(|| ours::tcp_echo(&rt)));
    drop(rt);
    let rt = runtime_rt_no_busy_turns();
    group.bench_function("runtime_no_busy_turns", |b| b.iter(|| ours::tcp_echo(&rt)));
    drop(rt);
    let rt = runtime_rt_no_monitor_turns();
    group.bench_function("runtime_no_monitor_turns", |b| {
        b.iter(|| ours::tcp_echo(&rt))
    });
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| theirs::tcp_echo(&rt)));
    group.finish();
}

fn tcp_stream(c: &mut Criterion) {
    let mut group = c.benchmark_group("tcp_stream");
    group.sample_size(10);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| b.iter(|| ours::tcp_stream(&rt)));
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| theirs::tcp_stream(&rt)));
    group.finish();
}

criterion_group!(benches, tcp_echo, tcp_stream);
criterion_main!(benches);
