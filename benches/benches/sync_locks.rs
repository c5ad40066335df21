//! The locks and `Notify` against tokio's, workload for workload, on multi-thread runtimes
//! with 2 workers (`enable_all()`).
//!
//! The workloads are written once, in `workloads!`, and instantiated for each crate.
//! `benches/report.py` turns the results into ratios against tokio.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};

/// Tasks and iterations of `mutex_contended`.
const MUTEX_TASKS: usize = 16;
const MUTEX_ITERS: usize = 5_000;
/// Readers, writers and iterations of `rwlock_read_heavy`.
const RW_READERS: usize = 15;
const RW_WRITERS: usize = 1;
const RW_ITERS: usize = 2_000;
/// Tasks, permits and iterations of `semaphore_contended`.
const SEM_TASKS: usize = 16;
const SEM_PERMITS: usize = 4;
const SEM_ITERS: usize = 2_000;
/// Waiters and rounds of `notify_one_many_waiters`.
const NOTIFY_WAITERS: usize = 1_000;

const WORKERS: usize = 2;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::hint::black_box;
            use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
            use std::sync::Arc;

            use $krate::sync::{Mutex, Notify, RwLock, Semaphore};

            pub type Runtime = $krate::runtime::Runtime;

            async fn join_all(handles: Vec<$krate::task::JoinHandle<()>>) {
                for handle in handles {
                    handle.await.unwrap();
                }
            }

            /// `MUTEX_TASKS` tasks each lock-and-increment `MUTEX_ITERS` times.
            pub fn mutex_contended(rt: &Runtime) {
                rt.block_on(async {
                    let counter = Arc::new(Mutex::new(0usize));
                    let handles = (0..super::MUTEX_TASKS)
                        .map(|_| {
                            let counter = counter.clone();
                            $krate::spawn(async move {
                                for _ in 0..super::MUTEX_ITERS {
                                    *counter.lock().await += 1;
                                }
                            })
                        })
                        .collect();
                    join_all(handles).await;
                    assert_eq!(
                        *counter.lock().await,
                        super::MUTEX_TASKS * super::MUTEX_ITERS
                    );
                })
            }

            /// `RW_READERS` reader tasks and `RW_WRITERS` writer tasks, `RW_ITERS` each.
            pub fn rwlock_read_heavy(rt: &Runtime) {
                rt.block_on(async {
                    let lock = Arc::new(RwLock::new(0usize));
                    let mut handles = Vec::new();
                    for _ in 0..super::RW_WRITERS {
                        let lock = lock.clone();
                        handles.push($krate::spawn(async move {
                            for _ in 0..super::RW_ITERS {
                                *lock.write().await += 1;
                            }
                        }));
                    }
                    for _ in 0..super::RW_READERS {
                        let lock = lock.clone();
                        handles.push($krate::spawn(async move {
                            for _ in 0..super::RW_ITERS {
                                black_box(*lock.read().await);
                            }
                        }));
                    }
                    join_all(handles).await;
                })
            }

            /// `SEM_TASKS` tasks share `SEM_PERMITS` permits, `SEM_ITERS` acquisitions each,
            /// yielding while they hold one.
            pub fn semaphore_contended(rt: &Runtime) {
                rt.block_on(async {
                    let sem = Arc::new(Semaphore::new(super::SEM_PERMITS));
                    let handles = (0..super::SEM_TASKS)
                        .map(|_| {
                            let sem = sem.clone();
                            $krate::spawn(async move {
                                for _ in 0..super::SEM_ITERS {
                                    let permit = sem.acquire().await.unwrap();
                                    $krate::task::yield_now().await;
                                    drop(permit);
                                }
                            })
                        })
                        .collect();
                    join_all(handles).await;
                })
            }

            /// `NOTIFY_WAITERS` tasks wait on one `Notify`; the bench thread wakes them one
            /// at a time with `notify_one`.
            pub fn notify_one_many_waiters(rt: &Runtime) {
                rt.block_on(async {
                    let notify = Arc::new(Notify::new());
                    let started = Arc::new(AtomicUsize::new(0));
                    let handles: Vec<_> = (0..super::NOTIFY_WAITERS)
                        .map(|_| {
                            let (notify, started) = (notify.clone(), started.clone());
                            $krate::spawn(async move {
                                let notified = notify.notified();
                                let mut notified = std::pin::pin!(notified);
                                notified.as_mut().enable();
                                started.fetch_add(1, SeqCst);
                                notified.await;
                            })
                        })
                        .collect();
                    while started.load(SeqCst) < super::NOTIFY_WAITERS {
                        $krate::task::yield_now().await;
                    }
                    for _ in 0..super::NOTIFY_WAITERS {
                        notify.notify_one();
                    }
                    join_all(handles).await;
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

fn bench(c: &mut Criterion, group: &str, ours: fn(&ours::Runtime), theirs: fn(&theirs::Runtime)) {
    let mut group = c.benchmark_group(group);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| b.iter(|| ours(&rt)));
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| theirs(&rt)));
    group.finish();
}

fn mutex_contended(c: &mut Criterion) {
    bench(
        c,
        "mutex_contended",
        ours::mutex_contended,
        theirs::mutex_contended,
    );
}

fn rwlock_read_heavy(c: &mut Criterion) {
    bench(
        c,
        "rwlock_read_heavy",
        ours::rwlock_read_heavy,
        theirs::rwlock_read_heavy,
    );
}

fn semaphore_contended(c: &mut Criterion) {
    bench(
        c,
        "semaphore_contended",
        ours::semaphore_contended,
        theirs::semaphore_contended,
    );
}

fn notify_one_many_waiters(c: &mut Criterion) {
    bench(
        c,
        "notify_one_many_waiters",
        ours::notify_one_many_waiters,
        theirs::notify_one_many_waiters,
    );
}

criterion_group!(
    benches,
    mutex_contended,
    rwlock_read_heavy,
    semaphore_contended,
    notify_one_many_waiters
);
criterion_main!(benches);
