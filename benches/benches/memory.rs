//! Memory per idle task: 200,000 tasks, each parked on a oneshot receiver, on each runtime.
//!
//! A counting global allocator measures the bytes that stay allocated once every task has
//! been polled once and is waiting: the task itself, its oneshot, and whatever the runtime
//! keeps per task (queues, lists). The vector of senders is allocated before the first
//! reading so it is not counted. Run with `cargo bench -p runtime-benches --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

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

fn ours() -> f64 {
    let rt = runtime::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut senders = Vec::with_capacity(TASKS);
        let parked = Arc::new(AtomicUsize::new(0));
        let before = LIVE.load(Relaxed);
        for _ in 0..TASKS {
            let (tx, rx) = runtime::sync::oneshot::channel::<()>();
            let parked = parked.clone();
            drop(runtime::spawn(async move {
                parked.fetch_add(1, Relaxed);
                let _ = rx.await;
            }));
            senders.push(tx);
        }
        while parked.load(Relaxed) < TASKS {
            runtime::task::yield_now().await;
        }
        let after = LIVE.load(Relaxed);
        drop(senders);
        (after - before) as f64 / TASKS as f64
    })
}

fn theirs() -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut senders = Vec::with_capacity(TASKS);
        let parked = Arc::new(AtomicUsize::new(0));
        let before = LIVE.load(Relaxed);
        for _ in 0..TASKS {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let parked = parked.clone();
            drop(tokio::spawn(async move {
                parked.fetch_add(1, Relaxed);
                let _ = rx.await;
            }));
            senders.push(tx);
        }
        while parked.load(Relaxed) < TASKS {
            tokio::task::yield_now().await;
        }
        let after = LIVE.load(Relaxed);
        drop(senders);
        (after - before) as f64 / TASKS as f64
    })
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent; keep that run cheap.
    if !std::env::args().any(|a| a == "--bench") {
        println!("memory: skipped (run with `cargo bench --bench memory`)");
        return;
    }
    let ours = ours();
    let theirs = theirs();
    println!("memory per idle task, current_thread, {TASKS} tasks parked on a oneshot:");
    println!("  runtime: {ours:.1} bytes");
    println!("  tokio:   {theirs:.1} bytes");
    println!("  ratio:   {:.3}", ours / theirs);
}
