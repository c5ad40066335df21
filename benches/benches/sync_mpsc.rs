//! `mpsc` against tokio's, workload for workload, plus the memory a channel keeps after a
//! burst.
//!
//! Timed groups (criterion; each has a `runtime` and a `tokio` member running the same code on
//! a `new_multi_thread().worker_threads(2).enable_all()` runtime):
//!
//! * `mpsc_contended`: 4 producer tasks × 50,000 messages into `channel(1024)`, one consumer
//!   task.
//! * `mpsc_uncontended`: one producer task, 100,000 messages, `channel(1024)`, one consumer.
//! * `oneshot_request_reply`: a server task answers 10,000 requests that arrive through an
//!   `mpsc` channel, each carrying a `oneshot::Sender` for the reply.
//!
//! Then, untimed, `mpsc_memory`: a counting allocator measures the bytes that stay allocated
//! per idle unbounded channel after a burst of 100 messages of 64 bytes was pushed and drained
//! (300,000 channels; tokio issue 7355 is about exactly this). It prints one line per crate.
//!
//! The workloads are written once, in `workloads!`, and instantiated for each crate.
//! Run with `cargo bench -p runtime-benches --bench sync_mpsc`; `-- --test` runs everything
//! once (and the memory measurement on 1,000 channels).

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

use criterion::{criterion_group, Criterion};

/// Producers in `mpsc_contended`.
const PRODUCERS: usize = 4;
/// Messages per producer in `mpsc_contended`.
const PER_PRODUCER: usize = 50_000;
/// Messages in `mpsc_uncontended`.
const UNCONTENDED: usize = 100_000;
/// Capacity of the bounded channels.
const BUFFER: usize = 1024;
/// Requests in `oneshot_request_reply`.
const REQUESTS: usize = 10_000;
/// Worker threads of every runtime under test.
const WORKERS: usize = 2;

/// Channels in the memory measurement.
const MEMORY_CHANNELS: usize = 300_000;
/// Messages per channel in the burst of the memory measurement.
const BURST: usize = 100;

/// Defines module `$module` with one function per workload, each taking a runtime of crate
/// `$krate` (`runtime` or `tokio`) and running one iteration on it.
macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::hint::black_box;

            use $krate::sync::{mpsc, oneshot};

            pub type Runtime = $krate::runtime::Runtime;

            /// `PRODUCERS` tasks send `PER_PRODUCER` messages each; one task receives them.
            pub fn contended(rt: &Runtime) {
                rt.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<usize>(super::BUFFER);
                    let consumer = $krate::spawn(async move {
                        let mut n = 0;
                        while let Some(v) = rx.recv().await {
                            black_box(v);
                            n += 1;
                        }
                        n
                    });
                    for _ in 0..super::PRODUCERS {
                        let tx = tx.clone();
                        $krate::spawn(async move {
                            for i in 0..super::PER_PRODUCER {
                                tx.send(i).await.unwrap();
                            }
                        });
                    }
                    drop(tx);
                    let n = consumer.await.unwrap();
                    assert_eq!(n, super::PRODUCERS * super::PER_PRODUCER);
                })
            }

            /// One task sends `UNCONTENDED` messages; another receives them.
            pub fn uncontended(rt: &Runtime) {
                rt.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<usize>(super::BUFFER);
                    let consumer = $krate::spawn(async move {
                        let mut n = 0;
                        while let Some(v) = rx.recv().await {
                            black_box(v);
                            n += 1;
                        }
                        n
                    });
                    $krate::spawn(async move {
                        for i in 0..super::UNCONTENDED {
                            tx.send(i).await.unwrap();
                        }
                    });
                    assert_eq!(consumer.await.unwrap(), super::UNCONTENDED);
                })
            }

            /// A client task sends `REQUESTS` requests one after another to a server task and
            /// awaits each reply on a oneshot.
            pub fn request_reply(rt: &Runtime) {
                rt.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<(usize, oneshot::Sender<usize>)>(64);
                    let server = $krate::spawn(async move {
                        while let Some((n, reply)) = rx.recv().await {
                            let _ = reply.send(n + 1);
                        }
                    });
                    $krate::spawn(async move {
                        for i in 0..super::REQUESTS {
                            let (reply_tx, reply_rx) = oneshot::channel();
                            tx.send((i, reply_tx)).await.unwrap();
                            assert_eq!(reply_rx.await.unwrap(), i + 1);
                        }
                    })
                    .await
                    .unwrap();
                    server.await.unwrap();
                })
            }

            /// Creates `channels` unbounded channels, pushes a burst of `burst` 64-byte
            /// messages through each (all queued, then all drained) and keeps the idle
            /// channels. Returns them, so the caller can measure and then drop them.
            pub fn idle_after_burst(
                channels: usize,
                burst: usize,
                keep: &mut Vec<(
                    mpsc::UnboundedSender<[u8; 64]>,
                    mpsc::UnboundedReceiver<[u8; 64]>,
                )>,
            ) {
                for _ in 0..channels {
                    let (tx, mut rx) = mpsc::unbounded_channel::<[u8; 64]>();
                    for i in 0..burst {
                        tx.send([i as u8; 64]).unwrap();
                    }
                    for _ in 0..burst {
                        black_box(rx.try_recv().unwrap());
                    }
                    assert!(rx.try_recv().is_err());
                    keep.push((tx, rx));
                }
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

fn contended(c: &mut Criterion) {
    bench(c, "mpsc_contended", ours::contended, theirs::contended);
}

fn uncontended(c: &mut Criterion) {
    bench(
        c,
        "mpsc_uncontended",
        ours::uncontended,
        theirs::uncontended,
    );
}

fn request_reply(c: &mut Criterion) {
    bench(
        c,
        "oneshot_request_reply",
        ours::request_reply,
        theirs::request_reply,
    );
}

criterion_group!(benches, contended, uncontended, request_reply);

// ---------------------------------------------------------------------------------------------
// Memory.
// ---------------------------------------------------------------------------------------------

/// Counts live heap bytes while `COUNTING` is on (off during the timed groups, so they pay one
/// relaxed load per allocation and no shared write).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(new_size, Relaxed);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes per idle channel after a burst, measured by `run` (which fills `keep`).
fn idle_bytes_per_channel<K>(channels: usize, run: impl FnOnce(&mut Vec<K>)) -> f64 {
    // The vector of handles is allocated before counting starts, so it is not measured.
    let mut keep: Vec<K> = Vec::with_capacity(channels);
    // Only this thread allocates while counting (no runtime runs): the difference is the
    // channels' memory. Counting starts from zero so frees of earlier memory cannot underflow.
    LIVE.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    run(&mut keep);
    let live = LIVE.load(Relaxed) as isize;
    COUNTING.store(false, Relaxed);
    drop(keep);
    live as f64 / channels as f64
}

fn memory(channels: usize) {
    let ours = idle_bytes_per_channel(channels, |keep| {
        ours::idle_after_burst(channels, BURST, keep)
    });
    let theirs = idle_bytes_per_channel(channels, |keep| {
        theirs::idle_after_burst(channels, BURST, keep)
    });
    println!(
        "mpsc_memory: {channels} unbounded channels, after a burst of {BURST} x 64-byte \
         messages, drained"
    );
    println!(
        "mpsc_memory/runtime  {ours:>10.0} bytes per idle channel ({:.1} MiB total)",
        ours * channels as f64 / (1024.0 * 1024.0)
    );
    println!(
        "mpsc_memory/tokio    {theirs:>10.0} bytes per idle channel ({:.1} MiB total)",
        theirs * channels as f64 / (1024.0 * 1024.0)
    );
    println!("mpsc_memory ratio runtime/tokio: {:.2}", ours / theirs);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let test_mode = args.iter().any(|a| a == "--test");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();

    benches();
    Criterion::default().configure_from_args().final_summary();

    if filters.is_empty() || filters.iter().any(|f| "mpsc_memory".contains(f.as_str())) {
        memory(if test_mode { 1_000 } else { MEMORY_CHANNELS });
    }
}
