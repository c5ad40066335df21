//! The current-thread scheduler against tokio's, workload for workload.
//!
//! Both runtimes are built with `new_current_thread().enable_all()`, so a driver that lands
//! later cannot silently change the figures. Each group has a `runtime` and a `tokio` member
//! running the same code; `benches/report.py` turns the results into ratios.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

const SPAWN_COUNT: usize = 1_000;
const YIELDS_PER_TASK: usize = 1_000;
const ROUND_TRIPS: usize = 1_000;
const BLOCKING_BATCH: usize = 100;

fn ours() -> runtime::runtime::Runtime {
    runtime::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn theirs() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Spawn 1,000 tasks from inside the runtime and await them all.
fn spawn_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("ct_spawn_1000");
    let rt = ours();
    group.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..SPAWN_COUNT)
                    .map(|i| runtime::spawn(async move { black_box(i) }))
                    .collect();
                for handle in handles {
                    black_box(handle.await.unwrap());
                }
            })
        })
    });
    let rt = theirs();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..SPAWN_COUNT)
                    .map(|i| tokio::spawn(async move { black_box(i) }))
                    .collect();
                for handle in handles {
                    black_box(handle.await.unwrap());
                }
            })
        })
    });
    group.finish();
}

/// Two tasks that each `yield_now` 1,000 times, taking turns on the one thread.
fn yield_ping(c: &mut Criterion) {
    let mut group = c.benchmark_group("ct_yield_ping");
    let rt = ours();
    group.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(async {
                let a = runtime::spawn(async {
                    for _ in 0..YIELDS_PER_TASK {
                        runtime::task::yield_now().await;
                    }
                });
                let b = runtime::spawn(async {
                    for _ in 0..YIELDS_PER_TASK {
                        runtime::task::yield_now().await;
                    }
                });
                a.await.unwrap();
                b.await.unwrap();
            })
        })
    });
    let rt = theirs();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let a = tokio::spawn(async {
                    for _ in 0..YIELDS_PER_TASK {
                        tokio::task::yield_now().await;
                    }
                });
                let b = tokio::spawn(async {
                    for _ in 0..YIELDS_PER_TASK {
                        tokio::task::yield_now().await;
                    }
                });
                a.await.unwrap();
                b.await.unwrap();
            })
        })
    });
    group.finish();
}

/// 1,000 round trips: a oneshot to a spawned responder, and a oneshot back.
fn oneshot_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("ct_oneshot_round_trip");
    let rt = ours();
    group.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(async {
                for i in 0..ROUND_TRIPS {
                    let (tx, rx) = runtime::sync::oneshot::channel();
                    let (back_tx, back_rx) = runtime::sync::oneshot::channel();
                    runtime::spawn(async move {
                        let v: usize = rx.await.unwrap();
                        back_tx.send(v + 1).unwrap();
                    });
                    tx.send(i).unwrap();
                    black_box(back_rx.await.unwrap());
                }
            })
        })
    });
    let rt = theirs();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                for i in 0..ROUND_TRIPS {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    let (back_tx, back_rx) = tokio::sync::oneshot::channel();
                    tokio::spawn(async move {
                        let v: usize = rx.await.unwrap();
                        back_tx.send(v + 1).unwrap();
                    });
                    tx.send(i).unwrap();
                    black_box(back_rx.await.unwrap());
                }
            })
        })
    });
    group.finish();
}

/// A batch of 100 `spawn_blocking` calls, awaited together.
fn spawn_blocking_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("ct_spawn_blocking_100");
    let rt = ours();
    group.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..BLOCKING_BATCH)
                    .map(|i| runtime::task::spawn_blocking(move || black_box(i)))
                    .collect();
                for handle in handles {
                    black_box(handle.await.unwrap());
                }
            })
        })
    });
    let rt = theirs();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..BLOCKING_BATCH)
                    .map(|i| tokio::task::spawn_blocking(move || black_box(i)))
                    .collect();
                for handle in handles {
                    black_box(handle.await.unwrap());
                }
            })
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    spawn_many,
    yield_ping,
    oneshot_round_trip,
    spawn_blocking_batch
);
criterion_main!(benches);
