//! Behaviour only the multi-thread runtime has: tasks run in parallel on the workers (without
//! any `block_on`), a worker stuck in one poll holds up neither its queue nor its LIFO slot,
//! spawns and wakes from many threads at once, `block_in_place`, shutdown with tasks running on
//! the workers, and the builder settings that concern the workers (count, names, hooks).
//!
//! The behaviour both schedulers share is tested on both flavors in the other files.

use std::collections::HashSet;
use std::future::{pending, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use runtime::runtime::{Builder, Handle, Runtime, RuntimeFlavor};
use runtime::sync::oneshot;
use runtime::task::{block_in_place, yield_now, JoinHandle};
use runtime_tests::{
    current_thread_rt, multi_thread_rt, pending_counted, poll_once, wait_until, within, yield_n,
    CountDrops, Counter, Signal, SOON, WORKERS,
};

/// A multi-thread runtime with `workers` workers.
fn mt(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// Awaits every handle on a fresh runtime and checks that each reports a cancellation.
fn assert_all_cancelled<T: Send + 'static + std::fmt::Debug>(handles: Vec<JoinHandle<T>>) {
    within(SOON, move || {
        current_thread_rt().block_on(async move {
            for h in handles {
                assert!(h.is_finished());
                let err = h.await.unwrap_err();
                assert!(err.is_cancelled(), "{err:?}");
            }
        });
    });
}

/// Blocks (in `block_in_place` or a blocking section) until `cond` holds; `false` if it still
/// does not after `limit`.
fn block_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > limit {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    true
}

/// The name of the current thread.
fn thread_name() -> Option<String> {
    thread::current().name().map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Flavor, builder, threads.

#[test]
fn runtime_new_is_a_multi_thread_runtime() {
    let rt = Runtime::new().unwrap();
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    let (in_block_on, in_task) = rt.block_on(async {
        (
            Handle::current().runtime_flavor(),
            runtime::spawn(async { Handle::current().runtime_flavor() })
                .await
                .unwrap(),
        )
    });
    assert_eq!(in_block_on, RuntimeFlavor::MultiThread);
    assert_eq!(in_task, RuntimeFlavor::MultiThread);
}

/// `#[runtime::main]` without options: tokio's default, the multi-thread runtime.
#[runtime::main]
async fn flavor_under_a_default_main() -> (RuntimeFlavor, Option<String>) {
    let in_task = runtime::spawn(async { thread_name() }).await.unwrap();
    (Handle::current().runtime_flavor(), in_task)
}

#[test]
fn runtime_main_defaults_to_the_multi_thread_runtime() {
    let (flavor, task_thread) = flavor_under_a_default_main();
    assert_eq!(flavor, RuntimeFlavor::MultiThread);
    assert_eq!(task_thread.as_deref(), Some("runtime-worker"));
}

#[test]
#[should_panic(expected = "`worker_threads` must be greater than 0")]
fn worker_threads_zero_panics() {
    Builder::new_multi_thread().worker_threads(0);
}

#[test]
fn default_worker_count_is_the_number_of_cpus() {
    within(SOON, || {
        let cpus = thread::available_parallelism().map_or(1, usize::from);
        let parked = Arc::new(Mutex::new(HashSet::new()));
        let rt = {
            let parked = parked.clone();
            Builder::new_multi_thread()
                .on_thread_park(move || {
                    parked.lock().insert(thread::current().id());
                })
                .build()
                .unwrap()
        };
        // Every worker starts with nothing to do and parks.
        wait_until(SOON, || parked.lock().len() >= cpus);
        thread::sleep(Duration::from_millis(50));
        assert_eq!(parked.lock().len(), cpus);
        drop(rt);
    });
}

#[test]
fn spawned_tasks_run_on_worker_threads() {
    within(SOON, || {
        let rt = multi_thread_rt();
        let main_thread = thread::current().id();
        let seen = rt.block_on(async {
            let handles: Vec<_> = (0..200)
                .map(|_| {
                    runtime::spawn(async {
                        yield_now().await;
                        (thread::current().id(), thread_name())
                    })
                })
                .collect();
            let mut seen = Vec::new();
            for h in handles {
                seen.push(h.await.unwrap());
            }
            seen
        });
        assert!(
            seen.iter().all(|(id, _)| *id != main_thread),
            "ran on `block_on`'s thread"
        );
        assert!(seen
            .iter()
            .all(|(_, name)| name.as_deref() == Some("runtime-worker")));
        let threads: HashSet<_> = seen.iter().map(|(id, _)| *id).collect();
        assert!(threads.len() <= WORKERS, "{} threads", threads.len());
    });
}

#[test]
fn tasks_run_without_anyone_in_block_on() {
    within(SOON, || {
        let rt = multi_thread_rt();
        let (tx, rx) = mpsc::channel();
        for i in 0..100u32 {
            let tx = tx.clone();
            drop(rt.spawn(async move {
                yield_now().await;
                tx.send(i).unwrap();
            }));
        }
        // And from a task that a task spawned.
        let tx2 = tx.clone();
        drop(rt.spawn(async move {
            drop(runtime::spawn(async move { tx2.send(100).unwrap() }));
        }));
        drop(tx);
        let got: HashSet<u32> = rx.iter().take(101).collect();
        assert_eq!(got, (0..=100).collect());
    });
}

#[test]
fn thread_name_and_thread_name_fn_name_the_workers() {
    within(SOON, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name("mt-named")
            .build()
            .unwrap();
        let names: HashSet<_> = rt.block_on(async {
            let handles: Vec<_> = (0..50)
                .map(|_| runtime::spawn(async { thread_name() }))
                .collect();
            let mut names = HashSet::new();
            for h in handles {
                names.insert(h.await.unwrap());
            }
            names
        });
        assert_eq!(names, HashSet::from([Some("mt-named".to_owned())]));

        let counter = Arc::new(AtomicUsize::new(0));
        let rt = {
            let counter = counter.clone();
            Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .thread_name_fn(move || format!("mt-fn-{}", counter.fetch_add(1, SeqCst)))
                .build()
                .unwrap()
        };
        // Each worker thread got a name from the function (the monitor thread too).
        wait_until(SOON, || counter.load(SeqCst) > WORKERS);
        let names: HashSet<_> = rt.block_on(async {
            let handles: Vec<_> = (0..50)
                .map(|_| runtime::spawn(async { thread_name().unwrap() }))
                .collect();
            let mut names = HashSet::new();
            for h in handles {
                names.insert(h.await.unwrap());
            }
            names
        });
        let made: HashSet<String> = (0..counter.load(SeqCst))
            .map(|i| format!("mt-fn-{i}"))
            .collect();
        assert!(!names.is_empty() && names.is_subset(&made), "{names:?}");
    });
}

#[test]
fn park_and_unpark_hooks_run_on_the_workers() {
    within(SOON, || {
        let parks = Arc::new(Mutex::new(Vec::new()));
        let unparks = Arc::new(Mutex::new(Vec::new()));
        let rt = {
            let (parks, unparks) = (parks.clone(), unparks.clone());
            Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .thread_name("hooked-worker")
                .on_thread_park(move || {
                    parks.lock().push((thread::current().id(), thread_name()));
                })
                .on_thread_unpark(move || {
                    unparks.lock().push((thread::current().id(), thread_name()));
                })
                .build()
                .unwrap()
        };
        rt.block_on(async {
            for _ in 0..3 {
                // A task that waits for another thread: the workers idle meanwhile.
                let signal = Signal::new();
                let t = signal.fire_later(Duration::from_millis(5));
                runtime::spawn(signal.wait()).await.unwrap();
                t.join().unwrap();
            }
        });
        // Every worker parks at least once (each starts with nothing to do).
        wait_until(SOON, || {
            parks
                .lock()
                .iter()
                .map(|(id, _)| *id)
                .collect::<HashSet<_>>()
                .len()
                == WORKERS
        });
        assert!(
            unparks.lock().len() >= 3,
            "{} unparks",
            unparks.lock().len()
        );
        let main_thread = thread::current().id();
        for (what, calls) in [("park", &parks), ("unpark", &unparks)] {
            let calls = calls.lock();
            assert!(
                calls.iter().all(
                    |(id, name)| *id != main_thread && name.as_deref() == Some("hooked-worker")
                ),
                "the {what} hook ran on a thread that is not a worker: {calls:?}"
            );
            let threads: HashSet<_> = calls.iter().map(|(id, _)| *id).collect();
            assert!(threads.len() <= WORKERS, "{what}: {threads:?}");
        }
    });
}

#[test]
fn a_panicking_park_or_unpark_hook_on_a_worker_leaves_the_runtime_usable() {
    // The current-thread runtime's version: `rt_current_thread.rs`. Here the hooks run on the
    // workers; whatever becomes of the panic, the runtime must keep running tasks and drop
    // every future when it is dropped.
    runtime_tests::quiet_expected_panics();
    for unpark in [false, true] {
        within(SOON, move || {
            let fired = Arc::new(AtomicBool::new(false));
            let hook = {
                let fired = fired.clone();
                move || {
                    if !fired.swap(true, SeqCst) {
                        panic!("{} hook", runtime_tests::EXPECTED_PANIC);
                    }
                }
            };
            let mut builder = Builder::new_multi_thread();
            builder.worker_threads(WORKERS);
            if unpark {
                builder.on_thread_unpark(hook);
            } else {
                builder.on_thread_park(hook);
            }
            let rt = builder.build().unwrap();
            let drops = Counter::new();
            for _ in 0..10 {
                drop(rt.spawn(pending_counted::<()>(&drops)));
            }
            // Let the workers run out of work and park, so that both hooks have a reason to
            // run (on a loaded machine the workers could otherwise stay busy throughout).
            thread::sleep(Duration::from_millis(50));
            let sum = rt.block_on(async {
                let mut sum = 0;
                for i in 0..100u32 {
                    sum += runtime::spawn(async move {
                        yield_now().await;
                        i
                    })
                    .await
                    .unwrap();
                }
                sum
            });
            assert_eq!(sum, (0..100).sum::<u32>());
            assert!(fired.load(SeqCst));
            drop(rt);
            assert_eq!(drops.get(), 10);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Parallelism and stuck workers.

#[test]
fn two_tasks_run_in_parallel() {
    within(SOON, || {
        let rt = mt(2);
        let started = Arc::new(AtomicUsize::new(0));
        let both = rt.block_on(async {
            let spinners: Vec<_> = (0..2)
                .map(|_| {
                    let started = started.clone();
                    runtime::spawn(async move {
                        started.fetch_add(1, SeqCst);
                        // Never yields: only a second worker can run the other one.
                        let start = Instant::now();
                        while started.load(SeqCst) < 2 {
                            if start.elapsed() > Duration::from_secs(5) {
                                return false;
                            }
                            std::hint::spin_loop();
                        }
                        true
                    })
                })
                .collect();
            let mut both = true;
            for s in spinners {
                both &= s.await.unwrap();
            }
            both
        });
        assert!(both, "the two tasks never ran at the same time");
    });
}

#[test]
fn a_blocked_worker_does_not_hold_up_its_queued_tasks() {
    // A task spawns 100 tasks (onto its own worker: the LIFO slot and the local queue) and
    // then blocks its worker for 500 ms. The other worker takes them all (stealing from the
    // queue, and the LIFO task once the monitor finds the worker stuck) long before that.
    within(SOON, || {
        let rt = mt(2);
        let done = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            let blocker = runtime::spawn({
                let done = done.clone();
                async move {
                    let spawned_at = Instant::now();
                    for _ in 0..100 {
                        let done = done.clone();
                        drop(runtime::spawn(async move {
                            done.lock().push(spawned_at.elapsed());
                        }));
                    }
                    thread::sleep(Duration::from_millis(500));
                }
            });
            blocker.await.unwrap();
        });
        let done = done.lock();
        assert_eq!(done.len(), 100);
        let latest = done.iter().max().unwrap();
        assert!(
            *latest < Duration::from_millis(400),
            "the last queued task ran {latest:?} after it was spawned"
        );
    });
}

/// How long a task woken into the LIFO slot of a worker that then blocks for 500 ms waits to
/// run.
fn lifo_wake_latency(lifo_slot_stealing: bool) -> Duration {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .lifo_slot_stealing(lifo_slot_stealing)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel::<Instant>();
        let waiting = Signal::new();
        let receiver = runtime::spawn({
            let waiting = waiting.clone();
            async move {
                let mut rx = rx;
                // Register the waker first, then tell the sender.
                assert!(poll_once(&mut rx).await.is_pending());
                waiting.fire();
                let sent_at = rx.await.unwrap();
                sent_at.elapsed()
            }
        });
        let sender = runtime::spawn(async move {
            waiting.wait().await;
            // Long enough for the receiver's poll (which ends right after `fire`) to be over.
            thread::sleep(Duration::from_millis(20));
            // Wakes the idle receiver from this worker: into this worker's LIFO slot...
            tx.send(Instant::now()).unwrap();
            // ...and this worker is now stuck for 500 ms.
            thread::sleep(Duration::from_millis(500));
        });
        let latency = receiver.await.unwrap();
        sender.await.unwrap();
        latency
    })
}

#[test]
fn a_task_woken_into_the_lifo_slot_of_a_blocked_worker_runs_elsewhere() {
    let latency = within(SOON, || lifo_wake_latency(true));
    assert!(
        latency < Duration::from_millis(250),
        "the woken task waited {latency:?} behind a blocked worker"
    );
}

#[test]
fn control_without_lifo_slot_stealing_the_woken_task_waits_for_the_blocked_worker() {
    // Proves that the test above goes through the LIFO slot: without the stealing, the task
    // stays there until the blocking poll is over.
    let latency = within(SOON, || lifo_wake_latency(false));
    assert!(
        latency >= Duration::from_millis(400),
        "the woken task did not wait in the LIFO slot ({latency:?})"
    );
}

#[test]
fn spawns_from_four_outside_threads_while_the_workers_are_busy_all_complete() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 5_000;
    within(Duration::from_secs(60), || {
        let rt = multi_thread_rt();
        let stop = Arc::new(AtomicBool::new(false));
        // Keep every worker busy with tasks that never wait (and keep their local queues full).
        let busy: Vec<_> = (0..4 * WORKERS)
            .map(|_| {
                let stop = stop.clone();
                rt.spawn(async move {
                    let mut n = 0u64;
                    while !stop.load(SeqCst) {
                        yield_now().await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let ran = Arc::new(AtomicUsize::new(0));
        let spawners: Vec<_> = (0..THREADS)
            .map(|t| {
                let handle = rt.handle().clone();
                let ran = ran.clone();
                thread::spawn(move || {
                    (0..PER_THREAD)
                        .map(|i| {
                            let ran = ran.clone();
                            handle.spawn(async move {
                                ran.fetch_add(1, SeqCst);
                                t * PER_THREAD + i
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let handles: Vec<_> = spawners
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        // They all run while the busy tasks are still going.
        wait_until(SOON, || ran.load(SeqCst) == THREADS * PER_THREAD);
        assert!(busy.iter().all(|h| !h.is_finished()));
        stop.store(true, SeqCst);
        let (outputs, spins) = rt.block_on(async move {
            let mut outputs = HashSet::new();
            for h in handles {
                outputs.insert(h.await.unwrap());
            }
            let mut spins = Vec::new();
            for h in busy {
                spins.push(h.await.unwrap());
            }
            (outputs, spins)
        });
        assert_eq!(outputs, (0..THREADS * PER_THREAD).collect());
        assert!(spins.iter().all(|n| *n > 0), "{spins:?}");
    });
}

#[test]
fn a_million_tasks_spawned_from_tasks_on_the_workers_all_complete() {
    // Spawned from inside tasks: local queues, LIFO slots, overflow into the injection queue,
    // stealing.
    const SPAWNERS: usize = 100;
    const PER_SPAWNER: usize = 10_000;
    within(Duration::from_secs(120), || {
        let rt = multi_thread_rt();
        let ran = Arc::new(AtomicUsize::new(0));
        let all_done = Signal::new();
        let spawners: Vec<_> = (0..SPAWNERS)
            .map(|_| {
                let ran = ran.clone();
                let all_done = all_done.clone();
                rt.spawn(async move {
                    for i in 0..PER_SPAWNER {
                        let ran = ran.clone();
                        let all_done = all_done.clone();
                        drop(runtime::spawn(async move {
                            if i % 2 == 0 {
                                yield_now().await;
                            }
                            if ran.fetch_add(1, SeqCst) + 1 == SPAWNERS * PER_SPAWNER {
                                all_done.fire();
                            }
                        }));
                        if i % 1000 == 0 {
                            yield_now().await;
                        }
                    }
                })
            })
            .collect();
        rt.block_on(async move {
            for s in spawners {
                s.await.unwrap();
            }
            all_done.wait().await;
        });
        assert_eq!(ran.load(SeqCst), SPAWNERS * PER_SPAWNER);
    });
}

/// Completes one batch each time it is polled after `epoch` moved on; see the test below.
struct Batches {
    epoch: Arc<AtomicUsize>,
    last: usize,
    seen: usize,
    in_poll: Arc<AtomicBool>,
    overlaps: Counter,
    waker: Arc<Mutex<Option<Waker>>>,
    completions: Arc<Vec<AtomicUsize>>,
    polls: Counter,
}

impl Future for Batches {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        if self.in_poll.swap(true, SeqCst) {
            self.overlaps.inc();
        }
        self.polls.inc();
        // Register before looking, so that a wake for a newer epoch cannot be missed.
        *self.waker.lock() = Some(cx.waker().clone());
        let epoch = self.epoch.load(SeqCst);
        if epoch > self.seen {
            self.completions[epoch].fetch_add(1, SeqCst);
            self.seen = epoch;
        }
        self.in_poll.store(false, SeqCst);
        if self.seen == self.last {
            Poll::Ready(self.seen)
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn wake_races_from_threads_and_workers_complete_each_batch_exactly_once() {
    // Many tasks, each woken several times at once, per batch, by three plain threads and by
    // two tasks on the workers. Each task completes each batch exactly once, is never polled
    // by two threads at once, and no wake is lost (or the batch would never complete).
    const TASKS: usize = 200;
    const BATCHES: usize = 30;
    const WAKER_THREADS: usize = 3;
    const WAKER_TASKS: usize = 2;
    const WAKES_EACH: usize = 3;
    within(Duration::from_secs(60), || {
        let rt = multi_thread_rt();
        let epoch = Arc::new(AtomicUsize::new(0));
        let completions: Arc<Vec<AtomicUsize>> =
            Arc::new((0..=BATCHES).map(|_| AtomicUsize::new(0)).collect());
        let overlaps = Counter::new();
        let polls = Counter::new();
        let wakers: Arc<Vec<Arc<Mutex<Option<Waker>>>>> =
            Arc::new((0..TASKS).map(|_| Arc::new(Mutex::new(None))).collect());
        let handles: Vec<_> = wakers
            .iter()
            .map(|waker| {
                rt.spawn(Batches {
                    epoch: epoch.clone(),
                    last: BATCHES,
                    seen: 0,
                    in_poll: Arc::new(AtomicBool::new(false)),
                    overlaps: overlaps.clone(),
                    waker: waker.clone(),
                    completions: completions.clone(),
                    polls: polls.clone(),
                })
            })
            .collect();
        wait_until(SOON, || wakers.iter().all(|w| w.lock().is_some()));
        let wake_all = {
            let wakers = wakers.clone();
            move || {
                for round in 0..WAKES_EACH {
                    for w in wakers.iter() {
                        let w = w.lock().clone().unwrap();
                        if round % 2 == 0 {
                            w.wake();
                        } else {
                            w.wake_by_ref();
                        }
                    }
                }
            }
        };
        for batch in 1..=BATCHES {
            epoch.store(batch, SeqCst);
            let threads: Vec<_> = (0..WAKER_THREADS)
                .map(|_| thread::spawn(wake_all.clone()))
                .collect();
            for _ in 0..WAKER_TASKS {
                let wake_all = wake_all.clone();
                drop(rt.spawn(async move { wake_all() }));
            }
            for t in threads {
                t.join().unwrap();
            }
            wait_until(SOON, || completions[batch].load(SeqCst) >= TASKS);
        }
        let outputs = rt.block_on(async move {
            let mut outputs = Vec::new();
            for h in handles {
                outputs.push(h.await.unwrap());
            }
            outputs
        });
        assert!(outputs.iter().all(|n| *n == BATCHES));
        for (batch, n) in completions.iter().enumerate().skip(1) {
            assert_eq!(n.load(SeqCst), TASKS, "completions of batch {batch}");
        }
        assert_eq!(
            overlaps.get(),
            0,
            "a task was polled by two threads at once"
        );
        // At least one poll per batch per task (and the first), at most one per wake.
        let max_wakes = TASKS * BATCHES * (WAKER_THREADS + WAKER_TASKS) * WAKES_EACH;
        assert!(polls.get() >= TASKS * (BATCHES + 1));
        assert!(polls.get() <= TASKS + max_wakes, "{} polls", polls.get());
    });
}

// ---------------------------------------------------------------------------------------------
// `block_in_place`.

#[test]
fn block_in_place_runs_the_closure_with_borrowed_data() {
    within(SOON, || {
        let rt = multi_thread_rt();
        let out = rt.block_on(async {
            runtime::spawn(async {
                let words = vec!["a".to_owned(), "bc".to_owned()];
                let mut calls = 0;
                // Borrows from the task, mutably; returns a value.
                let len = block_in_place(|| {
                    calls += 1;
                    words.iter().map(String::len).sum::<usize>()
                });
                yield_now().await;
                (len, calls, words)
            })
            .await
            .unwrap()
        });
        assert_eq!(out, (3, 1, vec!["a".to_owned(), "bc".to_owned()]));
    });
}

#[test]
fn tasks_queued_on_the_worker_run_while_block_in_place_blocks() {
    // One worker: the queued tasks can only run if the worker's core moved to another thread.
    within(SOON, || {
        let rt = mt(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let (all_ran, blocking_thread) = rt.block_on(async {
            let ran = ran.clone();
            runtime::spawn(async move {
                for _ in 0..10 {
                    let ran = ran.clone();
                    drop(runtime::spawn(async move {
                        ran.fetch_add(1, SeqCst);
                    }));
                }
                let me = thread::current().id();
                let all_ran = block_in_place(|| block_until(SOON, || ran.load(SeqCst) == 10));
                (all_ran, me)
            })
            .await
            .unwrap()
        });
        assert!(
            all_ran,
            "the queued tasks did not run during `block_in_place`"
        );
        assert_eq!(ran.load(SeqCst), 10);
        assert_ne!(blocking_thread, thread::current().id());
    });
}

#[test]
fn after_block_in_place_the_task_continues_and_the_runtime_keeps_its_workers() {
    for workers in [1, 2] {
        within(SOON, move || {
            let rt = mt(workers);
            // Many tasks that block in place, some for a while, on every worker.
            let outs = rt.block_on(async {
                let handles: Vec<_> = (0..20u64)
                    .map(|i| {
                        runtime::spawn(async move {
                            let v = block_in_place(|| {
                                thread::sleep(Duration::from_millis(i % 3));
                                i
                            });
                            let after = thread_name();
                            yield_now().await;
                            let more = runtime::spawn(async move { v * 2 }).await.unwrap();
                            (v + more, after)
                        })
                    })
                    .collect();
                let mut outs = Vec::new();
                for h in handles {
                    outs.push(h.await.unwrap());
                }
                outs
            });
            for (i, (v, after)) in outs.into_iter().enumerate() {
                assert_eq!(v, 3 * i as u64);
                // The task went on, on a thread of the runtime.
                assert_eq!(after.as_deref(), Some("runtime-worker"));
            }
            // Still exactly `workers` cores: never more tasks polled at the same time.
            let running = Arc::new(AtomicUsize::new(0));
            let high_water = Arc::new(AtomicUsize::new(0));
            rt.block_on(async {
                let handles: Vec<_> = (0..40)
                    .map(|_| {
                        let (running, high_water) = (running.clone(), high_water.clone());
                        runtime::spawn(async move {
                            let now = running.fetch_add(1, SeqCst) + 1;
                            high_water.fetch_max(now, SeqCst);
                            thread::sleep(Duration::from_millis(2));
                            running.fetch_sub(1, SeqCst);
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            });
            let high = high_water.load(SeqCst);
            assert!(
                (1..=workers).contains(&high),
                "{high} tasks at once on {workers} workers"
            );
        });
    }
}

#[test]
fn nested_block_in_place_runs_and_other_tasks_keep_running() {
    within(SOON, || {
        let rt = mt(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let (value, all_ran) = rt.block_on(async {
            let ran = ran.clone();
            runtime::spawn(async move {
                for _ in 0..5 {
                    let ran = ran.clone();
                    drop(runtime::spawn(async move {
                        ran.fetch_add(1, SeqCst);
                    }));
                }
                block_in_place(|| {
                    let value = block_in_place(|| block_in_place(|| 7));
                    let all_ran = block_in_place(|| block_until(SOON, || ran.load(SeqCst) == 5));
                    (value, all_ran)
                })
            })
            .await
            .unwrap()
        });
        assert_eq!(value, 7);
        assert!(all_ran);
        // The runtime still works.
        assert_eq!(rt.block_on(rt.spawn(async { 8 })).unwrap(), 8);
    });
}

#[test]
fn a_panic_in_block_in_place_unwinds_through_it_and_the_runtime_keeps_its_workers() {
    runtime_tests::quiet_expected_panics();
    within(SOON, || {
        let rt = mt(1);
        let (caught, after) = rt.block_on(async {
            runtime::spawn(async {
                let caught = std::panic::catch_unwind(|| {
                    block_in_place(|| panic!("{} in block_in_place", runtime_tests::EXPECTED_PANIC))
                })
                .is_err();
                // The task goes on, and can wait for other tasks.
                yield_now().await;
                let after = runtime::spawn(async { 2 }).await.unwrap();
                (caught, after)
            })
            .await
            .unwrap()
        });
        assert!(caught);
        assert_eq!(after, 2);
        // Uncaught: the task's `JoinError`.
        let err = rt
            .block_on(rt.spawn(async {
                block_in_place(|| panic!("{} uncaught", runtime_tests::EXPECTED_PANIC))
            }))
            .unwrap_err();
        assert!(err.is_panic());
        // Still one core: never two tasks at the same time.
        let running = Arc::new(AtomicUsize::new(0));
        let high_water = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let handles: Vec<_> = (0..20)
                .map(|_| {
                    let (running, high_water) = (running.clone(), high_water.clone());
                    runtime::spawn(async move {
                        high_water.fetch_max(running.fetch_add(1, SeqCst) + 1, SeqCst);
                        thread::sleep(Duration::from_millis(2));
                        running.fetch_sub(1, SeqCst);
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_eq!(high_water.load(SeqCst), 1);
    });
}

#[test]
fn block_in_place_in_block_on_of_a_multi_thread_runtime_just_runs() {
    within(SOON, || {
        let rt = multi_thread_rt();
        assert_eq!(rt.block_on(async { block_in_place(|| 3) }), 3);
        // The workers run the tasks meanwhile.
        let ran = Arc::new(AtomicBool::new(false));
        let saw_it = rt.block_on(async {
            let r = ran.clone();
            let h = runtime::spawn(async move { r.store(true, SeqCst) });
            let saw_it = block_in_place(|| block_until(SOON, || ran.load(SeqCst)));
            h.await.unwrap();
            saw_it
        });
        assert!(saw_it);
    });
}

#[test]
fn block_in_place_in_handle_block_on_just_runs() {
    // The calling thread drives no scheduler (as in tokio). Of a current-thread runtime too.
    within(SOON, || {
        let ct = current_thread_rt().handle().clone();
        let out = thread::spawn(move || ct.block_on(async { block_in_place(|| 3) }))
            .join()
            .unwrap();
        assert_eq!(out, 3);

        let rt = multi_thread_rt();
        let handle = rt.handle().clone();
        // From a plain thread.
        let h = handle.clone();
        let out = thread::spawn(move || h.block_on(async { block_in_place(|| 4) }))
            .join()
            .unwrap();
        assert_eq!(out, 4);
        // From a blocking-pool thread of the same runtime.
        let out = rt.block_on(async move {
            runtime::task::spawn_blocking(move || handle.block_on(async { block_in_place(|| 5) }))
                .await
                .unwrap()
        });
        assert_eq!(out, 5);
    });
}

#[test]
fn block_in_place_outside_any_runtime_just_runs() {
    assert_eq!(block_in_place(|| 4), 4);
    assert_eq!(thread::spawn(|| block_in_place(|| 5)).join().unwrap(), 5);
    // A blocking-pool thread is outside the scheduler too.
    let rt = multi_thread_rt();
    let out = rt.block_on(async {
        runtime::task::spawn_blocking(|| block_in_place(|| 6))
            .await
            .unwrap()
    });
    assert_eq!(out, 6);
}

#[test]
#[should_panic(expected = "`block_in_place` called on a current-thread runtime")]
fn block_in_place_in_block_on_of_a_current_thread_runtime_panics() {
    current_thread_rt().block_on(async { block_in_place(|| ()) });
}

#[test]
#[should_panic(expected = "`block_in_place` called on a current-thread runtime")]
fn block_in_place_in_a_task_of_a_current_thread_runtime_panics() {
    let rt = current_thread_rt();
    rt.block_on(async {
        if let Err(err) = runtime::spawn(async { block_in_place(|| ()) }).await {
            std::panic::resume_unwind(err.into_panic());
        }
    });
}

#[test]
fn a_task_woken_into_the_lifo_slot_is_not_stranded_by_block_in_place() {
    // One worker, so nothing but `block_in_place` handing the core over can run the woken
    // task while the closure blocks.
    within(SOON, || {
        let rt = mt(1);
        let received = Arc::new(AtomicBool::new(false));
        let ran_meanwhile = rt.block_on(async {
            let (tx, rx) = oneshot::channel::<()>();
            let waiting = Signal::new();
            let receiver = runtime::spawn({
                let (waiting, received) = (waiting.clone(), received.clone());
                async move {
                    let mut rx = rx;
                    assert!(poll_once(&mut rx).await.is_pending());
                    waiting.fire();
                    rx.await.unwrap();
                    received.store(true, SeqCst);
                }
            });
            let sender = runtime::spawn({
                let received = received.clone();
                async move {
                    // The receiver's poll is over (one worker: it woke us on its way out).
                    waiting.wait().await;
                    // Into this worker's LIFO slot...
                    tx.send(()).unwrap();
                    // ...just before the blocking section.
                    block_in_place(|| block_until(SOON, || received.load(SeqCst)))
                }
            });
            let ran_meanwhile = sender.await.unwrap();
            receiver.await.unwrap();
            ran_meanwhile
        });
        assert!(
            ran_meanwhile,
            "the LIFO task waited for the end of `block_in_place`"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// Shutdown.

#[test]
fn shutdown_drops_every_future_exactly_once_while_tasks_run_on_the_workers() {
    within(Duration::from_secs(60), || {
        for round in 0..6 {
            let rt = multi_thread_rt();
            // Tasks inside a poll when the shutdown begins: none, one worker, both workers.
            let in_poll = round % 3;
            let shutting_down = Arc::new(AtomicBool::new(false));
            let started = Arc::new(AtomicUsize::new(0));
            let mut counters = Vec::new();
            let mut handles: Vec<JoinHandle<()>> = Vec::new();
            let mut counted = || {
                let c = Counter::new();
                counters.push(c.clone());
                c
            };
            // Spawned by tasks on the workers.
            let (spawned_tx, spawned_rx) = mpsc::channel();
            for _ in 0..5 {
                let c = counted();
                let spawned_tx = spawned_tx.clone();
                drop(rt.spawn(async move {
                    spawned_tx
                        .send(runtime::spawn(pending_counted::<()>(&c)))
                        .unwrap();
                }));
            }
            drop(spawned_tx);
            handles.extend(spawned_rx.iter().take(5));
            // (Spawned and started first: a worker blocked in a poll keeps what is in its
            // local queue from the workers that have work of their own.)
            for _ in 0..in_poll {
                let (shutting_down, started) = (shutting_down.clone(), started.clone());
                handles.push(rt.spawn(CountDrops::new(
                    async move {
                        started.fetch_add(1, SeqCst);
                        let start = Instant::now();
                        while !shutting_down.load(SeqCst) && start.elapsed() < SOON {
                            thread::sleep(Duration::from_millis(1));
                        }
                        // Still in this poll when the runtime is dropped.
                        thread::sleep(Duration::from_millis(20));
                        loop {
                            yield_now().await;
                        }
                    },
                    &counted(),
                )));
            }
            wait_until(SOON, || started.load(SeqCst) == in_poll);
            // Parked.
            for _ in 0..20 {
                handles.push(rt.spawn(pending_counted(&counted())));
            }
            // Always in a run queue.
            for _ in 0..20 {
                handles.push(rt.spawn(CountDrops::new(
                    async {
                        loop {
                            yield_now().await;
                        }
                    },
                    &counted(),
                )));
            }
            // Linked pairs: dropping one side wakes the other during the shutdown.
            for _ in 0..10 {
                let (tx, rx) = oneshot::channel::<()>();
                handles.push(rt.spawn(CountDrops::new(
                    async move {
                        let _ = rx.await;
                        pending::<()>().await
                    },
                    &counted(),
                )));
                handles.push(rt.spawn(CountDrops::new(
                    async move {
                        let _tx = tx;
                        pending::<()>().await
                    },
                    &counted(),
                )));
            }
            assert!(counters.iter().all(|c| c.get() == 0));

            shutting_down.store(true, SeqCst);
            drop(rt);
            for (i, c) in counters.iter().enumerate() {
                assert_eq!(
                    c.get(),
                    1,
                    "round {round}: future {i} dropped {} times",
                    c.get()
                );
            }
            assert_all_cancelled(handles);
        }
    });
}

#[test]
fn worker_threads_are_gone_once_the_runtime_is_dropped() {
    within(SOON, || {
        let started = Counter::new();
        let stopped = Counter::new();
        let rt = {
            let (started, stopped) = (started.clone(), stopped.clone());
            Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .thread_name("gone-worker")
                .on_thread_start(move || started.inc())
                .on_thread_stop(move || stopped.inc())
                .build()
                .unwrap()
        };
        rt.block_on(async {
            // Work on the workers, a core handed to a new thread, a blocking closure.
            let tasks: Vec<_> = (0..100)
                .map(|i| runtime::spawn(async move { yield_n(i % 3).await }))
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            runtime::spawn(async { block_in_place(|| thread::sleep(Duration::from_millis(5))) })
                .await
                .unwrap();
            runtime::task::spawn_blocking(|| ()).await.unwrap();
        });
        assert!(started.get() > WORKERS, "{} threads started", started.get());
        drop(rt);
        // Every thread the runtime started has run its stop hook by the time `drop` returns.
        assert_eq!(stopped.get(), started.get());
        #[cfg(target_os = "linux")]
        wait_until(Duration::from_secs(2), || {
            // And the threads themselves exit right after.
            std::fs::read_dir("/proc/self/task")
                .unwrap()
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .all(|comm| comm.trim() != "gone-worker")
        });
    });
}

#[test]
fn spawns_racing_shutdown_from_threads_and_workers_are_dropped_not_leaked() {
    const ROUNDS: usize = 10;
    within(Duration::from_secs(60), || {
        for _ in 0..ROUNDS {
            let rt = multi_thread_rt();
            let spawned = Counter::new();
            let drops = Counter::new();
            let stop = Arc::new(AtomicBool::new(false));
            // Tasks on the workers that keep spawning onto their own worker.
            for _ in 0..WORKERS {
                let (spawned, drops) = (spawned.clone(), drops.clone());
                drop(rt.spawn(async move {
                    loop {
                        drop(runtime::spawn(CountDrops::new(
                            async {
                                loop {
                                    yield_now().await;
                                }
                            },
                            &drops,
                        )));
                        spawned.inc();
                        yield_now().await;
                    }
                }));
            }
            // Threads that keep spawning from outside.
            let spawners: Vec<_> = (0..3)
                .map(|_| {
                    let handle = rt.handle().clone();
                    let (spawned, drops, stop) = (spawned.clone(), drops.clone(), stop.clone());
                    thread::spawn(move || {
                        let mut handles = Vec::new();
                        while !stop.load(SeqCst) {
                            handles.push(handle.spawn(pending_counted::<()>(&drops)));
                            spawned.inc();
                        }
                        handles
                    })
                })
                .collect();
            wait_until(SOON, || spawned.get() > 1_000);
            drop(rt);
            thread::sleep(Duration::from_millis(2));
            stop.store(true, SeqCst);
            let handles: Vec<_> = spawners
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect();
            assert_eq!(drops.get(), spawned.get());
            assert!(handles.iter().all(|h| h.is_finished()));
        }
    });
}

#[test]
fn shutdown_timeout_returns_while_a_task_is_stuck_in_a_poll() {
    within(SOON, || {
        let rt = multi_thread_rt();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let started = Arc::new(AtomicBool::new(false));
        let stuck_drops = Counter::new();
        let stuck = rt.spawn(CountDrops::new(
            {
                let started = started.clone();
                async move {
                    started.store(true, SeqCst);
                    // Blocks its worker for up to 10 s (released at the end of the test).
                    let _ = release_rx.recv_timeout(Duration::from_secs(10));
                    pending::<()>().await
                }
            },
            &stuck_drops,
        ));
        let others = Counter::new();
        let handles: Vec<_> = (0..20)
            .map(|_| rt.spawn(pending_counted::<()>(&others)))
            .collect();
        wait_until(SOON, || started.load(SeqCst));

        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(95), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        // The other worker cancelled everything else in the meantime.
        assert_eq!(others.get(), 20);
        assert_all_cancelled(handles);
        // The stuck task is dropped as soon as its poll returns.
        assert_eq!(stuck_drops.get(), 0);
        release_tx.send(()).unwrap();
        wait_until(SOON, || stuck_drops.get() == 1);
        assert_all_cancelled(vec![stuck]);
    });
}

#[test]
fn shutdown_timeout_returns_while_a_task_blocks_in_block_in_place() {
    within(SOON, || {
        let rt = multi_thread_rt();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let started = Arc::new(AtomicBool::new(false));
        let drops = Counter::new();
        let task = rt.spawn(CountDrops::new(
            {
                let started = started.clone();
                async move {
                    block_in_place(|| {
                        started.store(true, SeqCst);
                        let _ = release_rx.recv_timeout(Duration::from_secs(10));
                    });
                    pending::<()>().await
                }
            },
            &drops,
        ));
        let others = Counter::new();
        let handles: Vec<_> = (0..20)
            .map(|_| rt.spawn(pending_counted::<()>(&others)))
            .collect();
        wait_until(SOON, || started.load(SeqCst));
        // The worker's core went to another thread: the runtime still runs tasks.
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);

        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(95), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        assert_eq!(others.get(), 20);
        assert_all_cancelled(handles);
        // The task is dropped once `block_in_place` returns and its poll ends.
        release_tx.send(()).unwrap();
        wait_until(SOON, || drops.get() == 1);
        assert_all_cancelled(vec![task]);
    });
}

#[test]
fn shutdown_timeout_drops_every_task_before_returning() {
    // `Runtime::shutdown_timeout` documents that every task not in the middle of a poll is
    // cancelled (its future dropped) before it returns, even with a zero timeout.
    within(SOON, || {
        for round in 0..20 {
            let rt = multi_thread_rt();
            let drops = Counter::new();
            for _ in 0..100 {
                drop(rt.spawn(pending_counted::<()>(&drops)));
            }
            // Let the workers park with every task idle.
            thread::sleep(Duration::from_millis(20));
            if round % 2 == 0 {
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::ZERO);
            }
            assert_eq!(drops.get(), 100, "round {round}");
        }
    });
}

/// A task woken after the LIFO slot closed for the tick goes to the worker's queue as the
/// slot's stand-in and, alone there, wakes no other worker. If the waking worker then blocks,
/// the monitor must still get the task run elsewhere.
#[test]
fn a_task_queued_as_the_lifo_slots_stand_in_is_not_stranded_by_a_blocked_worker() {
    let latency = within(SOON, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            // A relay (starter, two relays, last), each woken by the previous one from the same
            // worker: the relays and `last` run from the LIFO slot, which closes for the tick
            // after three, so `last`'s wake of `receiver` goes to the queue.
            let (first_tx, mut rx) = oneshot::channel::<()>();
            let (last_tx, last_rx) = oneshot::channel::<Instant>();
            let ready = Arc::new(AtomicUsize::new(0));
            let receiver = runtime::spawn({
                let ready = ready.clone();
                async move {
                    let mut last_rx = last_rx;
                    assert!(poll_once(&mut last_rx).await.is_pending());
                    ready.fetch_add(1, SeqCst);
                    last_rx.await.unwrap().elapsed()
                }
            });
            let mut relays = Vec::new();
            for _ in 0..2 {
                let (tx, next_rx) = oneshot::channel::<()>();
                let mut my_rx = std::mem::replace(&mut rx, next_rx);
                let ready = ready.clone();
                relays.push(runtime::spawn(async move {
                    assert!(poll_once(&mut my_rx).await.is_pending());
                    ready.fetch_add(1, SeqCst);
                    my_rx.await.unwrap();
                    tx.send(()).unwrap();
                }));
            }
            let ready_last = ready.clone();
            let last = runtime::spawn(async move {
                let mut rx = rx;
                assert!(poll_once(&mut rx).await.is_pending());
                ready_last.fetch_add(1, SeqCst);
                rx.await.unwrap();
                last_tx.send(Instant::now()).unwrap();
                // This worker is now stuck with `receiver` in its queue.
                thread::sleep(Duration::from_millis(500));
            });
            while ready.load(SeqCst) < 4 {
                yield_now().await;
            }
            // Long enough for every task's first poll to be over and the workers to park.
            thread::sleep(Duration::from_millis(20));
            let starter = runtime::spawn(async move { first_tx.send(()).unwrap() });
            starter.await.unwrap();
            let latency = receiver.await.unwrap();
            for relay in relays {
                relay.await.unwrap();
            }
            last.await.unwrap();
            latency
        })
    });
    assert!(
        latency < Duration::from_millis(250),
        "the woken task waited {latency:?} behind a blocked worker"
    );
}
