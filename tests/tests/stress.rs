//! Stress: a million tasks from several threads, abort and wake storms, panics in futures and
//! in their destructors, spawns racing shutdown. Counts are exact; time bounds are generous
//! (debug build, 2 loaded cores).
//!
//! Every test runs on both flavors (`both_flavors!`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::{pending, Future};
use std::pin::Pin;
use std::sync::atomic::{
    AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst,
};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use runtime::task::{yield_now, JoinHandle};
use runtime_tests::{
    both_flavors, current_thread_rt, quiet_expected_panics, within, yield_n, yield_until,
    CountDrops, Counter, Flavor, Signal, EXPECTED_PANIC,
};

/// Flags, when dropped on a thread other than the expected one.
struct OwnerCheck(thread::ThreadId, Arc<AtomicBool>);

impl Drop for OwnerCheck {
    fn drop(&mut self) {
        if thread::current().id() != self.0 {
            self.1.store(true, SeqCst);
        }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = usize> + Send>>;

/// Counts the bytes this test binary has allocated and not yet freed, for the leak check.
struct CountingAlloc;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counter is only bookkeeping.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as isize, Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("{EXPECTED_PANIC} destructor");
    }
}

/// One round of every way a task can end, on a fresh runtime that is dropped at the end.
fn leak_workload(flavor: Flavor) {
    const N: usize = 300;
    quiet_expected_panics();
    let rt = flavor.rt();
    let handle = rt.handle().clone();
    let (held, stray_wakers) = rt.block_on(async {
        let stray_wakers: Arc<std::sync::Mutex<Vec<std::task::Waker>>> = Default::default();
        for i in 0..N {
            // Awaited.
            assert_eq!(runtime::spawn(async move { i }).await.unwrap(), i);
            // Detached before it ran.
            drop(runtime::spawn(async move { vec![i; 4] }));
            // Output never read: the handle is dropped after completion.
            let h = runtime::spawn(async move { vec![i; 4] });
            yield_now().await;
            drop(h);
            // Aborted while pending.
            let h = runtime::spawn(pending::<Vec<usize>>());
            yield_now().await;
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            // Panicked.
            let h = runtime::spawn(async move {
                if i < usize::MAX {
                    panic!("{EXPECTED_PANIC} leak check");
                }
                vec![i]
            });
            assert!(h.await.unwrap_err().is_panic());
            // A handle polled once (its waker registered) and then dropped.
            let mut h = runtime::spawn(async {
                yield_n(2).await;
                vec![1u8; 16]
            });
            let first = runtime_tests::poll_once(&mut h).await;
            // (On the multi-thread runtime a worker may have finished it already.)
            if flavor == Flavor::CurrentThread {
                assert!(first.is_pending());
            }
            drop(h);
            // A waker kept past the runtime's end.
            let wakers = stray_wakers.clone();
            drop(runtime::spawn(std::future::poll_fn(move |cx| {
                wakers.lock().unwrap().push(cx.waker().clone());
                std::task::Poll::<()>::Ready(())
            })));
        }
        // A set dropped with tasks in it; a set drained.
        let mut set = runtime::task::JoinSet::new();
        for i in 0..N {
            set.spawn(async move {
                yield_n(i % 3).await;
                i
            });
        }
        let mut dropped_set = runtime::task::JoinSet::new();
        for _ in 0..N {
            dropped_set.spawn(pending::<usize>());
        }
        drop(dropped_set);
        while set.join_next().await.is_some() {}
        // Blocking tasks, awaited and detached.
        for i in 0..20 {
            assert_eq!(runtime::task::spawn_blocking(move || i).await.unwrap(), i);
            drop(runtime::task::spawn_blocking(move || vec![i; 8]));
        }
        // Left pending for shutdown: handles kept, handles dropped.
        let held: Vec<_> = (0..N)
            .map(|_| runtime::spawn(pending::<Vec<u8>>()))
            .collect();
        for _ in 0..N {
            drop(runtime::spawn(pending::<Vec<u8>>()));
        }
        yield_n(3).await;
        (held, stray_wakers)
    });
    // Spawned from another thread, some after the runtime is gone.
    let remote = {
        let handle = handle.clone();
        thread::spawn(move || {
            (0..N)
                .map(|_| handle.spawn(pending::<Vec<u8>>()))
                .collect::<Vec<_>>()
        })
        .join()
        .unwrap()
    };
    drop(rt);
    let late: Vec<_> = (0..N).map(|_| handle.spawn(pending::<Vec<u8>>())).collect();
    drop(handle);
    for w in stray_wakers.lock().unwrap().drain(..) {
        w.wake();
    }
    drop(stray_wakers);
    drop(remote);
    drop(late);
    drop(held);
}

const LEAK_CHILD_ENV: &str = "RUNTIME_TESTS_LEAK_CHILD";

both_flavors! {
    fn a_million_tasks_spawned_from_four_threads_all_complete() {
        const THREADS: usize = 4;
        const PER_THREAD: usize = 250_000;
        const BATCH: usize = 10_000;
        within(Duration::from_secs(120), || {
            let rt = rt();
            let ran = Arc::new(AtomicUsize::new(0));
            let finished_threads = Arc::new(AtomicUsize::new(0));
            let all_done = Signal::new();
            let spawners: Vec<_> = (0..THREADS)
                .map(|t| {
                    let handle = rt.handle().clone();
                    let ran = ran.clone();
                    let finished_threads = finished_threads.clone();
                    let all_done = all_done.clone();
                    thread::spawn(move || {
                        let mut sum = 0usize;
                        for batch in 0..PER_THREAD / BATCH {
                            let handles: Vec<JoinHandle<usize>> = (0..BATCH)
                                .map(|i| {
                                    let ran = ran.clone();
                                    let value = t * PER_THREAD + batch * BATCH + i;
                                    handle.spawn(async move {
                                        ran.fetch_add(1, SeqCst);
                                        value
                                    })
                                })
                                .collect();
                            // Await the batch from this plain thread; the tasks run on the thread
                            // in `Runtime::block_on` (or on the workers).
                            sum += handle.block_on(async move {
                                let mut sum = 0;
                                for h in handles {
                                    sum += h.await.unwrap();
                                }
                                sum
                            });
                        }
                        if finished_threads.fetch_add(1, SeqCst) + 1 == THREADS {
                            all_done.fire();
                        }
                        sum
                    })
                })
                .collect();
            rt.block_on(all_done.wait());
            let total: usize = spawners.into_iter().map(|t| t.join().unwrap()).sum();
            let n = THREADS * PER_THREAD;
            assert_eq!(ran.load(SeqCst), n);
            assert_eq!(total, n * (n - 1) / 2);
        });
    }

    fn abort_storm_from_another_thread() {
        const N: usize = 100_000;
        within(Duration::from_secs(120), || {
            let rt = rt();
            let drops = Counter::new();
            let (completed, cancelled) = rt.block_on({
                let drops = drops.clone();
                async move {
                    let mut handles = Vec::with_capacity(N);
                    let mut aborts = Vec::with_capacity(N);
                    let mut signals = Vec::new();
                    for i in 0..N {
                        let fut: BoxFuture = match i % 10 {
                            // Finishes on its own (it may still lose the race with the abort).
                            0 => Box::pin(async move {
                                yield_n(i % 3).await;
                                i
                            }),
                            // Always in the run queue.
                            1..=5 => Box::pin(async {
                                loop {
                                    yield_now().await;
                                }
                            }),
                            // Waits for a wake from a third thread, racing the abort.
                            6 | 7 => {
                                let signal = Signal::new();
                                signals.push(signal.clone());
                                Box::pin(async move {
                                    signal.wait().await;
                                    pending::<usize>().await
                                })
                            }
                            // Idle until aborted.
                            _ => Box::pin(pending()),
                        };
                        let h = runtime::spawn(CountDrops::new(fut, &drops));
                        aborts.push(h.abort_handle());
                        handles.push(h);
                    }
                    // Let them start before the storm.
                    yield_n(2).await;
                    let waker_thread = thread::spawn(move || {
                        for s in signals {
                            s.fire();
                        }
                    });
                    let aborter = thread::spawn(move || {
                        for chunk in aborts.rchunks(1000) {
                            for a in chunk {
                                a.abort();
                            }
                            thread::yield_now();
                        }
                    });
                    let (mut completed, mut cancelled) = (0, 0);
                    for (i, h) in handles.into_iter().enumerate() {
                        match h.await {
                            Ok(v) => {
                                assert_eq!(v, i);
                                assert_eq!(i % 10, 0, "only finite tasks can complete");
                                completed += 1;
                            }
                            Err(e) => {
                                assert!(e.is_cancelled(), "{e:?}");
                                cancelled += 1;
                            }
                        }
                    }
                    aborter.join().unwrap();
                    waker_thread.join().unwrap();
                    (completed, cancelled)
                }
            });
            assert_eq!(completed + cancelled, N);
            assert!(cancelled >= N * 9 / 10);
            assert_eq!(drops.get(), N, "every future dropped exactly once");
        });
    }

    fn panics_in_futures_and_destructors_leave_the_runtime_usable() {
        const N: usize = 10_000;
        quiet_expected_panics();
        within(Duration::from_secs(120), || {
            let rt = rt();
            let (handles, left_at_shutdown) = rt.block_on(async {
                let mut handles = Vec::new();
                let mut left = Vec::new();
                for i in 0..N {
                    let kind = i % 5;
                    let fut: BoxFuture = match kind {
                        0 => Box::pin(async move {
                            yield_n(i % 2).await;
                            panic!("{EXPECTED_PANIC} in poll {i}");
                        }),
                        1 => {
                            let guard = PanicOnDrop;
                            Box::pin(async move {
                                let _guard = guard;
                                yield_n(i % 2).await;
                                i
                            })
                        }
                        2 | 3 => {
                            let guard = PanicOnDrop;
                            Box::pin(async move {
                                let _guard = guard;
                                pending::<usize>().await
                            })
                        }
                        _ => Box::pin(async move {
                            yield_n(i % 3).await;
                            i
                        }),
                    };
                    let h = runtime::spawn(fut);
                    if kind == 3 {
                        left.push(h);
                    } else {
                        handles.push((kind, i, h));
                    }
                }
                yield_n(2).await;
                let mut results = Vec::new();
                for (kind, i, h) in handles {
                    if kind == 2 {
                        h.abort();
                    }
                    results.push((kind, i, h.await));
                }
                (results, left)
            });
            for (kind, i, res) in handles {
                match (kind, res) {
                    (4, Ok(v)) => assert_eq!(v, i),
                    (0..=2, Err(e)) => assert!(e.is_panic(), "task {i}: {e:?}"),
                    (kind, res) => panic!("task {i} of kind {kind}: unexpected {res:?}"),
                }
            }

            // Still usable.
            let sum = rt.block_on(async {
                let hs: Vec<_> = (0..100usize)
                    .map(|i| runtime::spawn(async move { i }))
                    .collect();
                let mut sum = 0;
                for h in hs {
                    sum += h.await.unwrap();
                }
                sum
            });
            assert_eq!(sum, (0..100).sum::<usize>());

            // Shutdown with 2 000 panicking destructors still alive.
            drop(rt);
            let rt2 = current_thread_rt();
            rt2.block_on(async move {
                for h in left_at_shutdown {
                    assert!(h.await.unwrap_err().is_panic());
                }
            });
        });
    }

    fn spawns_racing_shutdown_are_dropped_never_leaked() {
        const ROUNDS: usize = 20;
        const THREADS: usize = 3;
        within(Duration::from_secs(120), || {
            for _ in 0..ROUNDS {
                let rt = rt();
                let spawned = Arc::new(AtomicUsize::new(0));
                let drops = Counter::new();
                let stop = Arc::new(AtomicBool::new(false));
                let (ready_tx, ready_rx) = mpsc::channel();
                let spawners: Vec<_> = (0..THREADS)
                    .map(|_| {
                        let handle = rt.handle().clone();
                        let (spawned, drops, stop) = (spawned.clone(), drops.clone(), stop.clone());
                        let ready_tx = ready_tx.clone();
                        thread::spawn(move || {
                            let mut handles = Vec::new();
                            let mut n = 0;
                            while !stop.load(SeqCst) {
                                handles.push(handle.spawn(CountDrops::new(
                                    async {
                                        loop {
                                            yield_now().await;
                                        }
                                    },
                                    &drops,
                                )));
                                spawned.fetch_add(1, SeqCst);
                                n += 1;
                                if n == 100 {
                                    ready_tx.send(()).unwrap();
                                }
                            }
                            handles
                        })
                    })
                    .collect();
                for _ in 0..THREADS {
                    ready_rx.recv().unwrap();
                }
                // Drive a little, then shut down while the spawners keep going.
                rt.block_on(yield_n(5));
                drop(rt);
                thread::sleep(Duration::from_millis(2));
                stop.store(true, SeqCst);
                let handles: Vec<_> = spawners
                    .into_iter()
                    .flat_map(|t| t.join().unwrap())
                    .collect();
                assert_eq!(drops.get(), spawned.load(SeqCst));
                assert!(handles.iter().all(|h| h.is_finished()));
            }
        });
    }

    fn aborts_racing_shutdown_drop_every_future_once() {
        const ROUNDS: usize = 20;
        const TASKS: usize = 2_000;
        within(Duration::from_secs(120), || {
            for _ in 0..ROUNDS {
                let rt = rt();
                let drops = Counter::new();
                let aborts: Vec<_> = rt.block_on(async {
                    let aborts: Vec<_> = (0..TASKS)
                        .map(|i| {
                            let fut: BoxFuture = if i % 2 == 0 {
                                Box::pin(pending())
                            } else {
                                Box::pin(async {
                                    loop {
                                        yield_now().await;
                                    }
                                })
                            };
                            runtime::spawn(CountDrops::new(fut, &drops)).abort_handle()
                        })
                        .collect();
                    yield_n(2).await;
                    aborts
                });
                let aborter = thread::spawn(move || {
                    for a in &aborts {
                        a.abort();
                    }
                    aborts
                });
                drop(rt);
                let aborts = aborter.join().unwrap();
                assert!(aborts.iter().all(|a| a.is_finished()));
                assert_eq!(drops.get(), TASKS);
            }
        });
    }

    fn join_handles_dropped_on_another_thread_while_tasks_complete() {
        // Completion (on the runtime thread) races the `JoinHandle` drop (elsewhere): every
        // output is dropped exactly once, by one side or the other.
        const TASKS: usize = 50_000;
        within(Duration::from_secs(120), || {
            let rt = rt();
            let outputs = Counter::new();
            let futures = Counter::new();
            let (tx, rx) = mpsc::channel::<Vec<JoinHandle<runtime_tests::DropGuard>>>();
            let dropper = thread::spawn(move || {
                for batch in rx {
                    drop(batch);
                }
            });
            rt.block_on(async {
                let mut batch = Vec::new();
                for i in 0..TASKS {
                    let guard = outputs.guard();
                    batch.push(runtime::spawn(CountDrops::new(
                        async move {
                            yield_n(i % 3).await;
                            guard
                        },
                        &futures,
                    )));
                    if batch.len() == 500 {
                        tx.send(std::mem::take(&mut batch)).unwrap();
                        yield_now().await;
                    }
                }
                tx.send(batch).unwrap();
                drop(tx);
                yield_until(FLAVOR, 100_000, || futures.get() == TASKS).await;
            });
            dropper.join().unwrap();
            // (A multi-thread worker drops a detached output just after the future: dropping
            // the runtime waits for the workers to be done.)
            drop(rt);
            assert_eq!(futures.get(), TASKS);
            assert_eq!(outputs.get(), TASKS, "every output dropped exactly once");
        });
    }

    fn local_sets_with_wakes_from_four_threads_racing_their_drop() {
        // Half the rounds drop the set while the other threads are still waking its tasks:
        // every future is dropped exactly once, on the set's thread, and nothing hangs.
        let rt = rt();
        within(Duration::from_secs(120), move || {
            let owner = thread::current().id();
            for round in 0..100 {
                let local = runtime::task::LocalSet::new();
                let dropped = Counter::new();
                let wrong_thread = Arc::new(AtomicBool::new(false));
                let mut senders = Vec::new();
                for _ in 0..40 {
                    let (tx, rx) = runtime::sync::oneshot::channel::<()>();
                    senders.push(tx);
                    let guard = OwnerCheck(owner, wrong_thread.clone());
                    local.spawn_local(CountDrops::new(
                        async move {
                            let _guard = guard;
                            let _ = rx.await;
                            yield_now().await;
                        },
                        &dropped,
                    ));
                }
                let mut threads = Vec::new();
                for chunk in 0..4 {
                    let mine: Vec<_> = senders.drain(..10).collect();
                    threads.push(thread::spawn(move || {
                        for (i, tx) in mine.into_iter().enumerate() {
                            if (i + chunk) % 3 == 0 {
                                thread::yield_now();
                            }
                            let _ = tx.send(());
                        }
                    }));
                }
                if round % 2 == 0 {
                    rt.block_on(local);
                    assert_eq!(dropped.get(), 40);
                } else {
                    local.block_on(&rt, yield_n(2));
                    drop(local);
                    assert_eq!(dropped.get(), 40);
                }
                for t in threads {
                    t.join().unwrap();
                }
                assert!(!wrong_thread.load(SeqCst), "a local future dropped off its thread");
            }
        });
    }

    fn no_memory_is_leaked_by_tasks_handles_or_runtimes() {
        if std::env::var_os(LEAK_CHILD_ENV).is_some() {
            // In a process of its own, where no other test allocates concurrently.
            leak_workload(FLAVOR); // warm up lazily allocated thread-locals and statics
            let before = LIVE_BYTES.load(SeqCst);
            leak_workload(FLAVOR);
            leak_workload(FLAVOR);
            let after = LIVE_BYTES.load(SeqCst);
            let leaked = after - before;
            assert!(
                leaked < 16 * 1024,
                "{leaked} bytes leaked by two rounds of the workload"
            );
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([TEST_NAME, "--exact", "--test-threads=1"])
            .env(LEAK_CHILD_ENV, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "leak check failed: {}\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
