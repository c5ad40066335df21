//! Runtime behaviour both schedulers share, each test run on both flavors: `block_on`,
//! spawning from inside and outside, remote wakes, fairness, several `block_on` callers,
//! builder settings, `Handle` and the runtime context.
//!
//! What only one scheduler does is in `rt_current_thread.rs` and `rt_multi_thread.rs`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;
use runtime::runtime::{Builder, Handle, Runtime, RuntimeFlavor};
use runtime::sync::oneshot;
use runtime::task::yield_now;
use runtime_tests::{
    both_flavors, current_thread_rt, wait_until, within, yield_n, Flavor, Signal, SOON,
};

/// A task that yields in a loop until `stop` is set, counting its polls.
async fn spinner(stop: Arc<AtomicBool>) -> usize {
    let mut n = 0;
    while !stop.load(SeqCst) {
        yield_now().await;
        n += 1;
    }
    n
}

fn injected_task_is_not_starved_with(flavor: Flavor, builder: &mut Builder) {
    let rt = builder.build().unwrap();
    let handle = rt.handle().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let spins = rt.block_on({
        let stop = stop.clone();
        async move {
            let spun = Arc::new(AtomicUsize::new(0));
            let spin = runtime::spawn({
                let (stop, spun) = (stop.clone(), spun.clone());
                async move {
                    let mut n = 0;
                    while !stop.load(SeqCst) {
                        yield_now().await;
                        n += 1;
                        spun.store(n, SeqCst);
                    }
                    n
                }
            });
            // Let the spinner get going before the remote spawn arrives.
            runtime_tests::yield_until(flavor, 100, || spun.load(SeqCst) >= 3).await;
            let remote = thread::spawn(move || {
                drop(handle.spawn(async move { stop.store(true, SeqCst) }));
            });
            let spins = spin.await.unwrap();
            remote.join().unwrap();
            spins
        }
    });
    assert!(spins >= 3);
}

both_flavors! {
    fn block_on_returns_the_output() {
        let rt = rt();
        assert_eq!(rt.block_on(async { 40 + 2 }), 42);
        let s = rt.block_on(async { String::from("owned output") });
        assert_eq!(s, "owned output");
        // `block_on` can be called again on the same runtime.
        assert_eq!(rt.block_on(async { 7 }), 7);
    }

    fn tasks_persist_across_block_on_calls() {
        within(SOON, || {
            let rt = rt();
            let (tx, rx) = oneshot::channel::<u32>();
            let started = Arc::new(AtomicBool::new(false));
            let s = started.clone();
            let h = rt.spawn(async move {
                s.store(true, SeqCst);
                rx.await.unwrap() * 2
            });
            rt.block_on(yield_n(2));
            if FLAVOR.is_multi_thread() {
                // The workers run it in their own time (with or without a `block_on`).
                wait_until(SOON, || started.load(SeqCst));
            }
            assert!(started.load(SeqCst));
            // The task is parked between the two calls; the second one finishes it.
            let out = rt.block_on(async move {
                tx.send(21).unwrap();
                h.await.unwrap()
            });
            assert_eq!(out, 42);
        });
    }

    fn runtime_and_handle_spawn_from_many_threads() {
        const THREADS: usize = 4;
        const PER_THREAD: usize = 500;
        within(SOON, || {
            let rt = Arc::new(rt());
            let done = Arc::new(AtomicUsize::new(0));
            let mut threads = Vec::new();
            for t in 0..THREADS {
                let rt = rt.clone();
                let done = done.clone();
                threads.push(thread::spawn(move || {
                    let handle = rt.handle().clone();
                    let mut joins = Vec::new();
                    for i in 0..PER_THREAD {
                        let done = done.clone();
                        let fut = async move {
                            done.fetch_add(1, SeqCst);
                            t * PER_THREAD + i
                        };
                        // Half through `Runtime::spawn`, half through `Handle::spawn`.
                        if i % 2 == 0 {
                            joins.push(rt.spawn(fut));
                        } else {
                            joins.push(handle.spawn(fut));
                        }
                    }
                    joins
                }));
            }
            let joins: Vec<_> = threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect();
            let outputs = rt.block_on(async move {
                let mut outputs = Vec::new();
                for j in joins {
                    outputs.push(j.await.unwrap());
                }
                outputs
            });
            let expected: HashSet<usize> = (0..THREADS * PER_THREAD).collect();
            assert_eq!(outputs.into_iter().collect::<HashSet<_>>(), expected);
            assert_eq!(done.load(SeqCst), THREADS * PER_THREAD);
        });
    }

    fn remote_spawns_wake_an_idle_runtime() {
        // The scheduler is parked (in `block_on`, or every worker) with nothing to do;
        // spawns from other threads must wake it.
        const THREADS: usize = 4;
        const PER_THREAD: usize = 250;
        within(SOON, || {
            let rt = rt();
            let handle = rt.handle().clone();
            let (tx, rx) = oneshot::channel::<()>();
            let tx = Arc::new(Mutex::new(Some(tx)));
            let count = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    let handle = handle.clone();
                    let tx = tx.clone();
                    let count = count.clone();
                    thread::spawn(move || {
                        thread::sleep(Duration::from_millis(20));
                        for i in 0..PER_THREAD {
                            let tx = tx.clone();
                            let count = count.clone();
                            drop(handle.spawn(async move {
                                if count.fetch_add(1, SeqCst) + 1 == THREADS * PER_THREAD {
                                    tx.lock().take().unwrap().send(()).unwrap();
                                }
                            }));
                            if i % 64 == 0 {
                                thread::yield_now();
                            }
                        }
                    })
                })
                .collect();
            rt.block_on(rx).unwrap();
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(count.load(SeqCst), THREADS * PER_THREAD);
        });
    }

    fn block_on_future_is_polled_after_a_remote_wake() {
        within(SOON, || {
            let rt = rt();
            let signal = Signal::new();
            let t = signal.fire_later(Duration::from_millis(20));
            rt.block_on(signal.wait());
            t.join().unwrap();

            // And through a channel whose sender lives on another thread.
            let (tx, rx) = oneshot::channel();
            let t = thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                tx.send("from afar").unwrap();
            });
            assert_eq!(rt.block_on(rx).unwrap(), "from afar");
            t.join().unwrap();
        });
    }

    fn yielding_task_does_not_starve_a_task_injected_from_another_thread() {
        within(SOON, || {
            // On the multi-thread runtime, also with a single worker: there only the
            // worker's own check of the injection queue can find the remote task.
            let mut workers = vec![None];
            if FLAVOR.is_multi_thread() {
                workers.push(Some(1));
            }
            for workers in workers {
                let b = || {
                    let mut b = builder();
                    if let Some(n) = workers {
                        b.worker_threads(n);
                    }
                    b
                };
                injected_task_is_not_starved_with(FLAVOR, &mut b());
                injected_task_is_not_starved_with(FLAVOR, b().global_queue_interval(2));
                injected_task_is_not_starved_with(
                    FLAVOR,
                    b().global_queue_interval(7).event_interval(1000),
                );
                injected_task_is_not_starved_with(FLAVOR, b().global_queue_interval(1));
            }
        });
    }

    fn yielding_task_does_not_starve_the_block_on_future() {
        within(SOON, || {
            for event_interval in [1, 61, 500] {
                let rt = builder().event_interval(event_interval).build().unwrap();
                let signal = Signal::new();
                let t = signal.fire_later(Duration::from_millis(10));
                rt.block_on(async {
                    // Tasks that never stop yielding (more than there are workers).
                    for _ in 0..3 {
                        drop(runtime::spawn(spinner(Arc::new(AtomicBool::new(false)))));
                    }
                    signal.wait().await;
                });
                t.join().unwrap();
                // Dropping the runtime cancels the spinners.
            }
        });
    }

    /// Busy turns skip the timers while none is filed (they do not even read the clock):
    /// a timer filed while tasks yield forever must still fire, whether the block_on
    /// future or a spawned task files it.
    fn a_timer_filed_while_tasks_yield_forever_fires() {
        within(SOON, || {
            let rt = builder().enable_time().build().unwrap();
            rt.block_on(async {
                for _ in 0..3 {
                    drop(runtime::spawn(spinner(Arc::new(AtomicBool::new(false)))));
                }
                // Let the spinners run a while with no timer anywhere.
                yield_n(100).await;
                runtime::time::sleep(Duration::from_millis(20)).await;
                let spawned = runtime::spawn(async {
                    yield_n(10).await;
                    runtime::time::sleep(Duration::from_millis(20)).await;
                });
                spawned.await.unwrap();
            });
        });
    }

    fn block_on_future_that_yields_lets_spawned_tasks_run() {
        within(SOON, || {
            let rt = rt();
            let flag = Arc::new(AtomicBool::new(false));
            let polls = rt.block_on({
                let flag = flag.clone();
                async move {
                    let f = flag.clone();
                    drop(runtime::spawn(async move { f.store(true, SeqCst) }));
                    let mut polls = 0;
                    while !flag.load(SeqCst) {
                        yield_now().await;
                        polls += 1;
                    }
                    polls
                }
            });
            if FLAVOR == Flavor::CurrentThread {
                // The task could only run when `block_on`'s future yielded.
                assert!(polls >= 1);
            }
        });
    }

    fn two_threads_in_block_on_concurrently_both_finish() {
        // On the current-thread runtime the two callers take turns with the one core; on the
        // multi-thread runtime both simply wait while the workers run the tasks.
        within(SOON, || {
            let rt = Arc::new(rt());
            let (to_b_tx, to_b_rx) = oneshot::channel::<u32>();
            let (to_a_tx, to_a_rx) = oneshot::channel::<u32>();
            let start = Arc::new(Barrier::new(2));

            let a = {
                let rt = rt.clone();
                let start = start.clone();
                thread::spawn(move || {
                    start.wait();
                    rt.block_on(async move {
                        let task = runtime::spawn(async {
                            yield_n(5).await;
                            1
                        });
                        to_b_tx.send(10).unwrap();
                        let from_b = to_a_rx.await.unwrap();
                        task.await.unwrap() + from_b
                    })
                })
            };
            let b = {
                let rt = rt.clone();
                thread::spawn(move || {
                    start.wait();
                    rt.block_on(async move {
                        let from_a = to_b_rx.await.unwrap();
                        let task = runtime::spawn(async {
                            yield_n(5).await;
                            2
                        });
                        to_a_tx.send(20).unwrap();
                        task.await.unwrap() + from_a
                    })
                })
            };
            assert_eq!(a.join().unwrap(), 21);
            assert_eq!(b.join().unwrap(), 12);
            // The runtime still works.
            assert_eq!(rt.block_on(rt.spawn(async { 3 })).unwrap(), 3);
        });
    }

    fn many_threads_in_block_on_with_spawns_all_finish() {
        within(SOON, || {
            let rt = Arc::new(rt());
            let threads: Vec<_> = (0..4u64)
                .map(|t| {
                    let rt = rt.clone();
                    thread::spawn(move || {
                        let mut total = 0;
                        for round in 0..20u64 {
                            total += rt.block_on(async move {
                                let h = runtime::spawn(async move {
                                    yield_now().await;
                                    t * 1000 + round
                                });
                                yield_now().await;
                                h.await.unwrap()
                            });
                        }
                        total
                    })
                })
                .collect();
            for (t, th) in threads.into_iter().enumerate() {
                let t = t as u64;
                assert_eq!(
                    th.join().unwrap(),
                    (0..20).map(|r| t * 1000 + r).sum::<u64>()
                );
            }
        });
    }

    fn task_spawned_from_the_park_hook_runs_before_parking() {
        within(SOON, || {
            let (tx, rx) = oneshot::channel::<&'static str>();
            let tx = Arc::new(Mutex::new(Some(tx)));
            let rt = builder()
                .on_thread_park(move || {
                    if let Some(tx) = tx.lock().take() {
                        drop(runtime::spawn(async move {
                            tx.send("spawned by the hook").unwrap();
                        }));
                    }
                })
                .build()
                .unwrap();
            // Nothing else would ever wake the scheduler: the hook's task must run before it
            // sleeps.
            assert_eq!(rt.block_on(rx).unwrap(), "spawned by the hook");
        });
    }

    fn park_and_unpark_hooks_run_when_the_scheduler_idles() {
        // On the current-thread runtime the `block_on` thread idles, on the multi-thread
        // runtime the workers do: see the flavor files for who calls the hooks.
        within(SOON, || {
            let parks = Arc::new(AtomicUsize::new(0));
            let unparks = Arc::new(AtomicUsize::new(0));
            let rt = {
                let (parks, unparks) = (parks.clone(), unparks.clone());
                builder()
                    .on_thread_park(move || {
                        parks.fetch_add(1, SeqCst);
                    })
                    .on_thread_unpark(move || {
                        unparks.fetch_add(1, SeqCst);
                    })
                    .build()
                    .unwrap()
            };
            rt.block_on(async {
                for _ in 0..3 {
                    // A task that waits for another thread: the scheduler idles meanwhile.
                    let signal = Signal::new();
                    let t = signal.fire_later(Duration::from_millis(5));
                    runtime::spawn(signal.wait()).await.unwrap();
                    t.join().unwrap();
                }
            });
            assert!(parks.load(SeqCst) >= 3, "parks: {}", parks.load(SeqCst));
            assert!(
                unparks.load(SeqCst) >= 3,
                "unparks: {}",
                unparks.load(SeqCst)
            );
        });
    }

    fn builder_settings_are_accepted_and_the_runtime_works() {
        within(SOON, || {
            for (event_interval, global_queue_interval) in [(1, 1), (2, 3), (61, 31), (1000, 1000)]
            {
                let mut b = builder();
                b.enable_all()
                    .enable_io()
                    .enable_time()
                    .event_interval(event_interval)
                    .global_queue_interval(global_queue_interval)
                    .thread_name("settings-test")
                    .thread_stack_size(4 * 1024 * 1024)
                    .max_blocking_threads(3)
                    .thread_keep_alive(Duration::from_millis(500))
                    .on_thread_start(|| {})
                    .on_thread_stop(|| {})
                    .on_thread_park(|| {})
                    .on_thread_unpark(|| {});
                let debug = format!("{b:?}");
                assert!(
                    debug.contains(&format!("event_interval: {event_interval}")),
                    "{debug}"
                );
                let rt = b.build().unwrap();
                let handle = rt.handle().clone();
                let total = rt.block_on(async move {
                    let mut handles = Vec::new();
                    for i in 0..100u64 {
                        handles.push(runtime::spawn(async move {
                            yield_n((i % 5) as usize).await;
                            i
                        }));
                    }
                    let remote = thread::spawn(move || {
                        (0..50u64)
                            .map(|i| handle.spawn(async move { 1000 + i }))
                            .collect::<Vec<_>>()
                    })
                    .join()
                    .unwrap();
                    let blocking = runtime::task::spawn_blocking(|| {
                        thread::current().name().map(str::to_owned)
                    });
                    let mut total = 0;
                    for h in handles.into_iter().chain(remote) {
                        total += h.await.unwrap();
                    }
                    assert_eq!(blocking.await.unwrap().as_deref(), Some("settings-test"));
                    total
                });
                assert_eq!(
                    total,
                    (0..100u64).sum::<u64>() + (0..50u64).map(|i| 1000 + i).sum::<u64>()
                );
            }
        });
    }

    fn handle_reports_the_flavor() {
        let rt = rt();
        assert_eq!(rt.handle().runtime_flavor(), FLAVOR.runtime_flavor());
        let inside = rt.block_on(async { Handle::current().runtime_flavor() });
        assert_eq!(inside, FLAVOR.runtime_flavor());
        let in_task = rt.block_on(async {
            runtime::spawn(async { Handle::current().runtime_flavor() })
                .await
                .unwrap()
        });
        assert_eq!(in_task, FLAVOR.runtime_flavor());
        let in_blocking = rt.block_on(async {
            runtime::task::spawn_blocking(|| Handle::current().runtime_flavor())
                .await
                .unwrap()
        });
        assert_eq!(in_blocking, FLAVOR.runtime_flavor());
        assert!(format!("{rt:?}").contains(&format!("{:?}", FLAVOR.runtime_flavor())));
    }

    fn try_current_inside_and_outside() {
        let err = Handle::try_current().unwrap_err();
        assert!(err.is_missing_context());
        assert!(!err.is_thread_local_destroyed());
        assert!(!err.to_string().is_empty());

        let rt = rt();
        let (in_block_on, in_task, in_blocking) = rt.block_on(async {
            let in_block_on = Handle::try_current().is_ok();
            let in_task = runtime::spawn(async { Handle::try_current().is_ok() })
                .await
                .unwrap();
            let in_blocking = runtime::task::spawn_blocking(|| Handle::try_current().is_ok())
                .await
                .unwrap();
            (in_block_on, in_task, in_blocking)
        });
        assert!(in_block_on);
        assert!(in_task);
        assert!(in_blocking);

        // Leaving `block_on` leaves the context.
        assert!(Handle::try_current().unwrap_err().is_missing_context());
        // On another plain thread there is no context either.
        thread::spawn(|| assert!(Handle::try_current().is_err()))
            .join()
            .unwrap();
    }

    fn handle_current_spawns_onto_the_same_runtime() {
        let rt = rt();
        let out = rt.block_on(async {
            let handle = Handle::current();
            let inner = runtime::spawn(async move {
                // From inside a task, spawn through the handle captured in `block_on`.
                handle.spawn(async { 9 }).await.unwrap()
            });
            inner.await.unwrap()
        });
        assert_eq!(out, 9);
    }

    fn runtime_enter_makes_spawn_work() {
        let rt = rt();
        let h = {
            let _guard = rt.enter();
            assert!(Handle::try_current().is_ok());
            let h = runtime::spawn(async { "spawned under enter" });
            // `spawn_blocking` finds the runtime too.
            let b = runtime::task::spawn_blocking(|| 2);
            assert_eq!(rt.block_on(b).unwrap(), 2);
            h
        };
        assert!(Handle::try_current().is_err());
        assert_eq!(rt.block_on(h).unwrap(), "spawned under enter");

        let _guard = rt.handle().enter();
        let h = Handle::current().spawn(async { 1 });
        assert_eq!(rt.block_on(h).unwrap(), 1);
    }

    fn enter_guards_nest_and_restore_the_previous_runtime() {
        fn pool_name() -> String {
            // The name of the blocking pool's threads tells which runtime is current.
            let h = runtime::task::spawn_blocking(|| thread::current().name().unwrap().to_owned());
            current_thread_rt().block_on(h).unwrap()
        }

        let one = builder().thread_name("rt-one").build().unwrap();
        let two = builder().thread_name("rt-two").build().unwrap();
        let g1 = one.enter();
        assert_eq!(pool_name(), "rt-one");
        {
            let g2 = two.enter();
            assert_eq!(pool_name(), "rt-two");
            {
                let _g3 = one.handle().enter();
                assert_eq!(pool_name(), "rt-one");
            }
            assert_eq!(pool_name(), "rt-two");
            drop(g2);
        }
        assert_eq!(pool_name(), "rt-one");
        drop(g1);
        assert!(Handle::try_current().is_err());
    }

    fn block_on_from_a_blocking_closure_of_the_same_runtime() {
        within(SOON, || {
            let rt = Arc::new(rt());
            let rt2 = rt.clone();
            let out = rt.block_on(async move {
                runtime::task::spawn_blocking(move || {
                    // On the current-thread runtime the core is busy on the other thread: this
                    // call only polls its own future, and the task it awaits runs over there.
                    rt2.block_on(async {
                        let h = runtime::spawn(async {
                            yield_now().await;
                            20
                        });
                        h.await.unwrap() + 1
                    })
                })
                .await
                .unwrap()
            });
            assert_eq!(out, 21);
        });
    }

    fn tasks_on_two_runtimes_wake_each_other() {
        within(SOON, || {
            let one = rt();
            let two = Arc::new(rt());
            // `two` is driven by its own thread until told to stop.
            let (stop_tx, stop_rx) = oneshot::channel::<()>();
            let driver = {
                let two = two.clone();
                thread::spawn(move || two.block_on(stop_rx).unwrap())
            };
            let (to_two_tx, to_two_rx) = oneshot::channel::<u32>();
            let (to_one_tx, to_one_rx) = oneshot::channel::<u32>();
            let on_two = two.spawn(async move {
                let v = to_two_rx.await.unwrap();
                to_one_tx.send(v + 1).unwrap();
                v
            });
            let out = one.block_on(async move {
                let on_one = runtime::spawn(async move { to_one_rx.await.unwrap() });
                to_two_tx.send(41).unwrap();
                // A task of `one` awaits a task of `two`, and the other way round.
                (on_two.await.unwrap(), on_one.await.unwrap())
            });
            assert_eq!(out, (41, 42));
            stop_tx.send(()).unwrap();
            driver.join().unwrap();

            // Same thread: a task of `one` wakes a task of `two`, which runs (at the latest)
            // at the next `block_on` of `two`.
            let (tx, rx) = oneshot::channel::<&str>();
            let waiting = two.spawn(async move { rx.await.unwrap() });
            one.block_on(
                async move { runtime::spawn(async move { tx.send("cross").unwrap() }).await },
            )
            .unwrap();
            assert_eq!(two.block_on(waiting).unwrap(), "cross");
        });
    }

    fn a_long_chain_of_tasks_hands_a_value_along() {
        // Each task waits for the previous one and wakes the next: 2 000 wakes in a row.
        within(SOON, || {
            let rt = rt();
            let out = rt.block_on(async {
                let (first_tx, mut rx) = oneshot::channel::<u64>();
                for _ in 0..2_000 {
                    let (tx, next_rx) = oneshot::channel::<u64>();
                    drop(runtime::spawn(async move {
                        let v = rx.await.unwrap();
                        tx.send(v + 1).unwrap();
                    }));
                    rx = next_rx;
                }
                first_tx.send(0).unwrap();
                rx.await.unwrap()
            });
            assert_eq!(out, 2_000);
        });
    }

    fn tasks_spawned_from_tasks_spawn_more_tasks() {
        // A tree of spawns from inside tasks (on the multi-thread runtime: local queues, the
        // LIFO slot, overflow into the injection queue and stealing).
        fn tree(depth: u32) -> std::pin::Pin<Box<dyn std::future::Future<Output = u64> + Send>> {
            Box::pin(async move {
                if depth == 0 {
                    return 1;
                }
                let children: Vec<_> = (0..4).map(|_| runtime::spawn(tree(depth - 1))).collect();
                let mut n = 1;
                for c in children {
                    n += c.await.unwrap();
                }
                n
            })
        }
        within(SOON, || {
            let rt = rt();
            // 1 + 4 + 16 + ... + 4^6 tasks.
            let n = rt.block_on(rt.spawn(tree(6))).unwrap();
            assert_eq!(n, (0..=6).map(|d| 4u64.pow(d)).sum::<u64>());
        });
    }
}

#[test]
fn runtime_new_and_default_builders_work() {
    let rt = Runtime::new().unwrap();
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(
        rt.block_on(async { runtime::spawn(async { 5 }).await })
            .unwrap(),
        5
    );
    for mut builder in [Builder::new_current_thread(), Builder::new_multi_thread()] {
        let rt = builder.build().unwrap();
        assert_eq!(
            rt.block_on(async { runtime::spawn(async { 6 }).await })
                .unwrap(),
            6
        );
    }
}

/// How many times a task yields (with `yield_now`, or by spending its budget) before it sees
/// a connection that arrived while it was yielding.
fn yields_until_io_is_seen(rt: &Runtime, spend_budget: bool) -> usize {
    rt.block_on(async {
        runtime::spawn(async move {
            let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let accepted = Arc::new(AtomicBool::new(false));
            let acceptor = runtime::spawn({
                let accepted = accepted.clone();
                async move {
                    let _conn = listener.accept().await.unwrap();
                    accepted.store(true, SeqCst);
                }
            });
            // Connected (blocking) before the loop: the event is ready from the start.
            let _client = std::net::TcpStream::connect(addr).unwrap();
            let mut yields = 0;
            while !accepted.load(SeqCst) && yields < 1_000 {
                if spend_budget {
                    for _ in 0..200 {
                        runtime::task::coop::consume_budget().await;
                    }
                } else {
                    yield_now().await;
                }
                yields += 1;
            }
            acceptor.await.unwrap();
            yields
        })
        .await
        .unwrap()
    })
}

both_flavors! {
    /// A yield defers the task until the driver has turned, so a task yielding in a loop
    /// sees I/O within a few yields (without deferral it took `event_interval` of them).
    fn a_yielding_task_lets_the_driver_turn_before_it_runs_again() {
        let rt = builder().worker_threads(1).build().unwrap();
        for spend_budget in [false, true] {
            // The driver may be busy on another thread (the monitor) for a moment: retry.
            let best = (0..5)
                .map(|_| yields_until_io_is_seen(&rt, spend_budget))
                .min()
                .unwrap();
            assert!(best < 10, "{best} yields before the connection was seen");
        }
    }

    /// A park hook that always finds work (here: waking the `block_on` future) must not keep
    /// the driver from turning: a spawned task's timer still fires.
    fn a_park_hook_that_creates_work_does_not_stall_timers() {
        let notify = Arc::new(runtime::sync::Notify::new());
        let rt = builder()
            .on_thread_park({
                let notify = notify.clone();
                move || notify.notify_waiters()
            })
            .build()
            .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        rt.spawn({
            let done = done.clone();
            async move {
                runtime::time::sleep(Duration::from_millis(1)).await;
                done.store(true, SeqCst);
            }
        });
        for _ in 0..200 {
            if done.load(SeqCst) {
                break;
            }
            rt.block_on(notify.notified());
            thread::sleep(Duration::from_millis(1));
        }
        assert!(done.load(SeqCst), "the timer never fired");
    }
}
