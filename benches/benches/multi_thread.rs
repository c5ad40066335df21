//! The multi-thread scheduler against tokio's, workload for workload.
//!
//! Every runtime is built with `new_multi_thread().worker_threads(2).enable_all()`, so a driver
//! that lands later cannot silently change the figures. Each group has a `runtime` and a
//! `tokio` member running the same code; `mt_ping_pong` and `mt_chained_spawn` also have a
//! `runtime_no_lifo_steal` member, `runtime` built with `.lifo_slot_stealing(false)`, to
//! measure what stealing from a stuck worker's LIFO slot costs on message passing.
//! `benches/report.py` turns the results into ratios against tokio, one per other member.
//!
//! The workloads are written once, in `workloads!`, and instantiated for each crate, so the
//! members cannot drift apart.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};

/// Tasks spawned per iteration of `mt_spawn_many_local` and `mt_spawn_many_remote`.
const SPAWN_COUNT: usize = 10_000;
/// Tasks in `mt_yield_many`.
const YIELD_TASKS: usize = 200;
/// `yield_now` calls per task in `mt_yield_many`.
const YIELDS_PER_TASK: usize = 1_000;
/// Tasks in `mt_ping_pong`.
const PING_TASKS: usize = 1_000;
/// Round trips per task in `mt_ping_pong`.
const ROUND_TRIPS: usize = 10;
/// Length of the spawn chain in `mt_chained_spawn`.
const CHAIN_LENGTH: usize = 2_000;
/// Batches in `mt_spawn_blocking`.
const BLOCKING_BATCHES: usize = 20;
/// `spawn_blocking` calls per batch in `mt_spawn_blocking`.
const BLOCKING_BATCH: usize = 500;

/// Worker threads of every runtime under test.
const WORKERS: usize = 2;

/// Defines module `$module` with one function per workload, each taking a runtime of crate
/// `$krate` (`runtime` or `tokio`) and running one iteration on it.
macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::hint::black_box;

            use $krate::sync::oneshot;
            use $krate::task::yield_now;

            pub type Runtime = $krate::runtime::Runtime;

            /// One task spawns `SPAWN_COUNT` tasks from a worker and awaits them all.
            pub fn spawn_many_local(rt: &Runtime) {
                rt.block_on(async {
                    $krate::spawn(async {
                        let handles: Vec<_> = (0..super::SPAWN_COUNT)
                            .map(|i| $krate::spawn(async move { black_box(i) }))
                            .collect();
                        for handle in handles {
                            black_box(handle.await.unwrap());
                        }
                    })
                    .await
                    .unwrap();
                })
            }

            /// `SPAWN_COUNT` calls of `Runtime::spawn` from the bench thread, then `block_on`
            /// awaits every handle.
            pub fn spawn_many_remote(rt: &Runtime) {
                let handles: Vec<_> = (0..super::SPAWN_COUNT)
                    .map(|i| rt.spawn(async move { black_box(i) }))
                    .collect();
                rt.block_on(async {
                    for handle in handles {
                        black_box(handle.await.unwrap());
                    }
                })
            }

            /// `YIELD_TASKS` tasks, each calling `yield_now` `YIELDS_PER_TASK` times.
            pub fn yield_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..super::YIELD_TASKS)
                        .map(|_| {
                            $krate::spawn(async {
                                for _ in 0..super::YIELDS_PER_TASK {
                                    yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.unwrap();
                    }
                })
            }

            /// `PING_TASKS` tasks, each doing `ROUND_TRIPS` round trips: it spawns a responder
            /// that receives on oneshot A and replies on oneshot B, sends on A, awaits B.
            pub fn ping_pong(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..super::PING_TASKS)
                        .map(|task| {
                            $krate::spawn(async move {
                                let mut sum = 0;
                                for trip in 0..super::ROUND_TRIPS {
                                    let (a_tx, a_rx) = oneshot::channel::<usize>();
                                    let (b_tx, b_rx) = oneshot::channel::<usize>();
                                    $krate::spawn(async move {
                                        let v = a_rx.await.unwrap();
                                        b_tx.send(v + 1).unwrap();
                                    });
                                    a_tx.send(task ^ trip).unwrap();
                                    sum += b_rx.await.unwrap();
                                }
                                sum
                            })
                        })
                        .collect();
                    for handle in handles {
                        black_box(handle.await.unwrap());
                    }
                })
            }

            /// Spawns a task that, while `remaining > 1`, spawns the next link; the last link
            /// sends on `done`. `chain(done, n)` makes `n` spawns in all.
            fn chain(done: oneshot::Sender<usize>, remaining: usize) {
                $krate::spawn(async move {
                    if remaining > 1 {
                        chain(done, remaining - 1);
                    } else {
                        done.send(black_box(remaining)).unwrap();
                    }
                });
            }

            /// A chain of `CHAIN_LENGTH` nested spawns, each task spawning the next; the last
            /// one signals completion through a oneshot.
            pub fn chained_spawn(rt: &Runtime) {
                rt.block_on(async {
                    let (done_tx, done_rx) = oneshot::channel();
                    chain(done_tx, super::CHAIN_LENGTH);
                    black_box(done_rx.await.unwrap());
                })
            }

            /// `BLOCKING_BATCHES` batches of `BLOCKING_BATCH` `spawn_blocking` calls, each
            /// batch awaited before the next starts.
            pub fn spawn_blocking(rt: &Runtime) {
                rt.block_on(async {
                    for _ in 0..super::BLOCKING_BATCHES {
                        let handles: Vec<_> = (0..super::BLOCKING_BATCH)
                            .map(|i| $krate::task::spawn_blocking(move || black_box(i)))
                            .collect();
                        for handle in handles {
                            black_box(handle.await.unwrap());
                        }
                    }
                })
            }
        }
    };
}

workloads!(ours, runtime);
workloads!(theirs, tokio);

fn runtime_with(lifo_slot_stealing: bool) -> ours::Runtime {
    runtime::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .lifo_slot_stealing(lifo_slot_stealing)
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

/// Runs `group` with a `runtime` and a `tokio` member, and with `runtime_no_lifo_steal` too
/// when `no_lifo_steal` is set. Each member gets a fresh runtime, dropped when it is done.
fn bench(
    c: &mut Criterion,
    group: &str,
    no_lifo_steal: bool,
    ours: fn(&ours::Runtime),
    theirs: fn(&theirs::Runtime),
) {
    let mut group = c.benchmark_group(group);
    {
        let rt = runtime_with(true);
        group.bench_function("runtime", |b| b.iter(|| ours(&rt)));
    }
    if no_lifo_steal {
        let rt = runtime_with(false);
        group.bench_function("runtime_no_lifo_steal", |b| b.iter(|| ours(&rt)));
    }
    {
        let rt = tokio_rt();
        group.bench_function("tokio", |b| b.iter(|| theirs(&rt)));
    }
    group.finish();
}

fn spawn_many_local(c: &mut Criterion) {
    bench(
        c,
        "mt_spawn_many_local",
        false,
        ours::spawn_many_local,
        theirs::spawn_many_local,
    );
}

fn spawn_many_remote(c: &mut Criterion) {
    bench(
        c,
        "mt_spawn_many_remote",
        false,
        ours::spawn_many_remote,
        theirs::spawn_many_remote,
    );
}

fn yield_many(c: &mut Criterion) {
    bench(
        c,
        "mt_yield_many",
        false,
        ours::yield_many,
        theirs::yield_many,
    );
}

fn ping_pong(c: &mut Criterion) {
    bench(c, "mt_ping_pong", true, ours::ping_pong, theirs::ping_pong);
}

fn chained_spawn(c: &mut Criterion) {
    bench(
        c,
        "mt_chained_spawn",
        true,
        ours::chained_spawn,
        theirs::chained_spawn,
    );
}

fn spawn_blocking(c: &mut Criterion) {
    bench(
        c,
        "mt_spawn_blocking",
        false,
        ours::spawn_blocking,
        theirs::spawn_blocking,
    );
}

criterion_group!(
    benches,
    spawn_many_local,
    spawn_many_remote,
    yield_many,
    ping_pong,
    chained_spawn,
    spawn_blocking
);
criterion_main!(benches);
