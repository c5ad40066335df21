//! Memory per idle task: 200,000 tasks, each parked on a oneshot receiver, on each runtime, in
//! both flavors (current-thread, and multi-thread with two workers).
//!
//! A counting global allocator measures the bytes that stay allocated once every task has
//! been polled once and is waiting: the task itself, its oneshot, and whatever the runtime
//! keeps per task (queues, lists). The vector of senders is allocated before the first
//! reading so it is not counted. On the multi-thread runtimes the tasks are spawned from
//! `block_on` (through the injector) and the reading is taken once every task has run once,
//! so it also counts what the workers allocate meanwhile (queue blocks, per-worker state).
//! Run with `cargo bench -p runtime-benches --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

const TASKS: usize = 200_000;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The two flavors every runtime is measured on.
#[derive(Clone, Copy)]
enum Flavor {
    CurrentThread,
    MultiThread,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "current_thread",
            Flavor::MultiThread => "multi_thread",
        }
    }
}

/// Worker threads of the multi-thread runtimes.
const WORKERS: usize = 2;

/// Waits for every task to have been polled once. On the current-thread runtime the tasks
/// only run while `block_on`'s future yields; on the multi-thread one the workers run them
/// and this thread, which is not a worker, sleeps rather than take a core from them.
macro_rules! wait_parked {
    ($krate:ident, $flavor:expr, $parked:expr) => {
        while $parked.load(Relaxed) < TASKS {
            match $flavor {
                Flavor::CurrentThread => $krate::task::yield_now().await,
                Flavor::MultiThread => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    };
}

/// Defines `$name(flavor)`, the measurement on crate `$krate` (`runtime` or `tokio`): one
/// body for both, so they cannot drift apart.
macro_rules! measure {
    ($name:ident, $krate:ident) => {
        fn $name(flavor: Flavor) -> f64 {
            let rt = match flavor {
                Flavor::CurrentThread => $krate::runtime::Builder::new_current_thread(),
                Flavor::MultiThread => {
                    let mut builder = $krate::runtime::Builder::new_multi_thread();
                    builder.worker_threads(WORKERS);
                    builder
                }
            }
            .enable_all()
            .build()
            .unwrap();
            rt.block_on(async {
                let mut senders = Vec::with_capacity(TASKS);
                let parked = Arc::new(AtomicUsize::new(0));
                let before = LIVE.load(Relaxed);
                for _ in 0..TASKS {
                    let (tx, rx) = $krate::sync::oneshot::channel::<()>();
                    let parked = parked.clone();
                    drop($krate::spawn(async move {
                        parked.fetch_add(1, Relaxed);
                        let _ = rx.await;
                    }));
                    senders.push(tx);
                }
                wait_parked!($krate, flavor, parked);
                let after = LIVE.load(Relaxed);
                drop(senders);
                (after - before) as f64 / TASKS as f64
            })
        }
    };
}

measure!(ours, runtime);
measure!(theirs, tokio);

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent; keep that run cheap.
    if !std::env::args().any(|a| a == "--bench") {
        println!("memory: skipped (run with `cargo bench --bench memory`)");
        return;
    }
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let ours = ours(flavor);
        let theirs = theirs(flavor);
        let name = flavor.name();
        println!("memory per idle task, {name}, {TASKS} tasks parked on a oneshot:");
        println!("  runtime: {ours:.1} bytes");
        println!("  tokio:   {theirs:.1} bytes");
        println!("  ratio:   {:.3}", ours / theirs);
    }
}
