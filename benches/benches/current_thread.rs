//! The current-thread scheduler against tokio's, workload for workload.
//!
//! Both runtimes are built with `new_current_thread().enable_all()`, so a driver that lands
//! later cannot silently change the figures. Each group has a `runtime` and a `tokio` member
//! running the same code; `benches/report.py` turns the results into ratios.
//!
//! The workloads are written once, in `workloads!`, and instantiated for each crate, so the
//! members cannot drift apart.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};

/// Tasks spawned per iteration of `ct_spawn_1000`.
const SPAWN_COUNT: usize = 1_000;
/// `yield_now` calls per task in `ct_yield_ping`.
const YIELDS_PER_TASK: usize = 1_000;
/// Round trips per iteration of `ct_oneshot_round_trip`.
const ROUND_TRIPS: usize = 1_000;
/// `spawn_blocking` calls per iteration of `ct_spawn_blocking_100`.
const BLOCKING_BATCH: usize = 100;

/// Defines module `$module` with a runtime constructor and one function per workload for
/// crate `$krate` (`runtime` or `tokio`).
macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::hint::black_box;

            pub type Runtime = $krate::runtime::Runtime;

            pub fn runtime() -> Runtime {
                $krate::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
            }

            /// Spawn `SPAWN_COUNT` tasks from inside the runtime and await them all.
            pub fn spawn_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..super::SPAWN_COUNT)
                        .map(|i| $krate::spawn(async move { black_box(i) }))
                        .collect();
                    for handle in handles {
                        black_box(handle.await.unwrap());
                    }
                })
            }

            /// Two tasks that each `yield_now` `YIELDS_PER_TASK` times, taking turns.
            pub fn yield_ping(rt: &Runtime) {
                rt.block_on(async {
                    let yielder = || async {
                        for _ in 0..super::YIELDS_PER_TASK {
                            $krate::task::yield_now().await;
                        }
                    };
                    let a = $krate::spawn(yielder());
                    let b = $krate::spawn(yielder());
                    a.await.unwrap();
                    b.await.unwrap();
                })
            }

            /// `ROUND_TRIPS` round trips: a oneshot to a spawned responder, a oneshot back.
            pub fn oneshot_round_trip(rt: &Runtime) {
                rt.block_on(async {
                    for i in 0..super::ROUND_TRIPS {
                        let (tx, rx) = $krate::sync::oneshot::channel();
                        let (back_tx, back_rx) = $krate::sync::oneshot::channel();
                        $krate::spawn(async move {
                            let v: usize = rx.await.unwrap();
                            back_tx.send(v + 1).unwrap();
                        });
                        tx.send(i).unwrap();
                        black_box(back_rx.await.unwrap());
                    }
                })
            }

            /// A batch of `BLOCKING_BATCH` `spawn_blocking` calls, awaited together.
            pub fn spawn_blocking_batch(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..super::BLOCKING_BATCH)
                        .map(|i| $krate::task::spawn_blocking(move || black_box(i)))
                        .collect();
                    for handle in handles {
                        black_box(handle.await.unwrap());
                    }
                })
            }
        }
    };
}

workloads!(ours, runtime);
workloads!(theirs, tokio);

/// Runs `group` with a `runtime` and a `tokio` member, each on a fresh runtime that is
/// dropped when its member is done.
fn bench(c: &mut Criterion, group: &str, ours: fn(&ours::Runtime), theirs: fn(&theirs::Runtime)) {
    let mut group = c.benchmark_group(group);
    {
        let rt = ours::runtime();
        group.bench_function("runtime", |b| b.iter(|| ours(&rt)));
    }
    {
        let rt = theirs::runtime();
        group.bench_function("tokio", |b| b.iter(|| theirs(&rt)));
    }
    group.finish();
}

fn spawn_many(c: &mut Criterion) {
    bench(c, "ct_spawn_1000", ours::spawn_many, theirs::spawn_many);
}

fn yield_ping(c: &mut Criterion) {
    bench(c, "ct_yield_ping", ours::yield_ping, theirs::yield_ping);
}

fn oneshot_round_trip(c: &mut Criterion) {
    bench(
        c,
        "ct_oneshot_round_trip",
        ours::oneshot_round_trip,
        theirs::oneshot_round_trip,
    );
}

fn spawn_blocking_batch(c: &mut Criterion) {
    bench(
        c,
        "ct_spawn_blocking_100",
        ours::spawn_blocking_batch,
        theirs::spawn_blocking_batch,
    );
}

criterion_group!(
    benches,
    spawn_many,
    yield_ping,
    oneshot_round_trip,
    spawn_blocking_batch
);
criterion_main!(benches);
