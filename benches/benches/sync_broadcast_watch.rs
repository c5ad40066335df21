//! `broadcast` and `watch` fan-out against tokio's, workload for workload.
//!
//! Both runtimes are built with `new_multi_thread().worker_threads(2).enable_all()`. Each
//! group has a `runtime` and a `tokio` member running the same code, written once in
//! `workloads!` and instantiated for each crate.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};

/// Receiver tasks in both workloads.
const RECEIVERS: usize = 100;
/// Values sent per iteration.
const VALUES: usize = 1_000;
/// Worker threads of every runtime under test.
const WORKERS: usize = 2;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::hint::black_box;

            use $krate::sync::{broadcast, watch};

            pub type Runtime = $krate::runtime::Runtime;

            /// One sender, `RECEIVERS` receiver tasks, `VALUES` values through a buffer that
            /// holds them all (no lag); every task counts what it got.
            pub fn broadcast_fanout(rt: &Runtime) {
                rt.block_on(async {
                    let (tx, rx) = broadcast::channel::<usize>(super::VALUES.next_power_of_two());
                    let handles: Vec<_> = (0..super::RECEIVERS)
                        .map(|_| {
                            let mut rx = rx.resubscribe();
                            $krate::spawn(async move {
                                let mut got = 0;
                                while let Ok(v) = rx.recv().await {
                                    black_box(v);
                                    got += 1;
                                }
                                got
                            })
                        })
                        .collect();
                    drop(rx);
                    for v in 0..super::VALUES {
                        tx.send(v).unwrap();
                    }
                    drop(tx);
                    for handle in handles {
                        assert_eq!(handle.await.unwrap(), super::VALUES);
                    }
                })
            }

            /// One sender updating `VALUES` times, `RECEIVERS` tasks awaiting `changed` until
            /// they see the last value.
            pub fn watch_receivers(rt: &Runtime) {
                rt.block_on(async {
                    let (tx, rx) = watch::channel(0usize);
                    let handles: Vec<_> = (0..super::RECEIVERS)
                        .map(|_| {
                            let mut rx = rx.clone();
                            $krate::spawn(async move {
                                loop {
                                    if *rx.borrow_and_update() == super::VALUES {
                                        return;
                                    }
                                    rx.changed().await.unwrap();
                                }
                            })
                        })
                        .collect();
                    for v in 1..=super::VALUES {
                        tx.send(v).unwrap();
                        if v % 64 == 0 {
                            $krate::task::yield_now().await;
                        }
                    }
                    for handle in handles {
                        handle.await.unwrap();
                    }
                    drop(tx);
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

fn tokio_rt() -> theirs::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `group` with a `runtime` and a `tokio` member, each on a fresh runtime.
fn bench(c: &mut Criterion, group: &str, ours: fn(&ours::Runtime), theirs: fn(&theirs::Runtime)) {
    let mut group = c.benchmark_group(group);
    {
        let rt = runtime_rt();
        group.bench_function("runtime", |b| b.iter(|| ours(&rt)));
    }
    {
        let rt = tokio_rt();
        group.bench_function("tokio", |b| b.iter(|| theirs(&rt)));
    }
    group.finish();
}

fn broadcast_fanout_100(c: &mut Criterion) {
    bench(
        c,
        "broadcast_fanout_100",
        ours::broadcast_fanout,
        theirs::broadcast_fanout,
    );
}

fn watch_100_receivers(c: &mut Criterion) {
    bench(
        c,
        "watch_100_receivers",
        ours::watch_receivers,
        theirs::watch_receivers,
    );
}

criterion_group!(benches, broadcast_fanout_100, watch_100_receivers);
criterion_main!(benches);
