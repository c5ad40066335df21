//! Timers against tokio's, workload for workload, on multi-thread runtimes with 2 workers
//! (`enable_all()`).
//!
//! * `timer_churn`: 4 tasks × 50,000 `timeout(10 s, yield_now())`: each iteration registers a
//!   timer (the first poll of the timeout, after the inner future returned pending) and
//!   cancels it (the timeout is dropped once `yield_now` completes). `runtime_one_shard` is
//!   the same with the timer wheel in one shard (tokio's layout), to measure what sharding
//!   buys.
//! * `sleep_many`: 20,000 tasks × 5 sleeps of 1–10 ms each: total time to all done.
//! * `sleep_create_drop`: creating and dropping a `Sleep` that is never polled.
//!
//! `benches/report.py` turns the results into ratios against tokio.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

const WORKERS: usize = 2;
const CHURN_TASKS: usize = 4;
const CHURN_ITERS: usize = 50_000;
const SLEEP_TASKS: usize = 20_000;
const SLEEPS_PER_TASK: u64 = 5;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::time::Duration;

            use $krate::time::{sleep, timeout};

            pub type Runtime = $krate::runtime::Runtime;

            pub fn timer_churn(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..super::CHURN_TASKS)
                        .map(|_| {
                            $krate::spawn(async {
                                for _ in 0..super::CHURN_ITERS {
                                    let res =
                                        timeout(Duration::from_secs(10), $krate::task::yield_now())
                                            .await;
                                    assert!(res.is_ok());
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                })
            }

            pub fn sleep_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..super::SLEEP_TASKS)
                        .map(|i| {
                            $krate::spawn(async move {
                                for j in 0..super::SLEEPS_PER_TASK {
                                    let ms = 1 + (i as u64 * 7 + j * 3) % 10;
                                    sleep(Duration::from_millis(ms)).await;
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                })
            }

            pub fn create_drop(d: Duration) {
                drop(std::hint::black_box(sleep(d)));
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

fn runtime_rt_one_shard() -> ours::Runtime {
    runtime::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .timer_shards(1)
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

fn timer_churn(c: &mut Criterion) {
    let mut group = c.benchmark_group("timer_churn");
    group.sample_size(20);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| b.iter(|| ours::timer_churn(&rt)));
    drop(rt);
    let rt = runtime_rt_one_shard();
    group.bench_function("runtime_one_shard", |b| b.iter(|| ours::timer_churn(&rt)));
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| theirs::timer_churn(&rt)));
    group.finish();
}

fn sleep_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("sleep_many");
    group.sample_size(10);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| b.iter(|| ours::sleep_many(&rt)));
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| theirs::sleep_many(&rt)));
    group.finish();
}

fn sleep_create_drop(c: &mut Criterion) {
    let mut group = c.benchmark_group("sleep_create_drop");
    let d = black_box(Duration::from_millis(10));
    let rt = runtime_rt();
    {
        let _enter = rt.enter();
        group.bench_function("runtime", |b| b.iter(|| ours::create_drop(d)));
    }
    drop(rt);
    let rt = tokio_rt();
    {
        let _enter = rt.enter();
        group.bench_function("tokio", |b| b.iter(|| theirs::create_drop(d)));
    }
    group.finish();
}

criterion_group!(benches, timer_churn, sleep_many, sleep_create_drop);
criterion_main!(benches);
