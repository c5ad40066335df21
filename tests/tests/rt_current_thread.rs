//! The current-thread runtime: `block_on`, spawning from inside and outside, fairness,
//! several `block_on` callers, hooks, builder settings, `Handle` and the runtime context.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;
use runtime::runtime::{Builder, Handle, Runtime, RuntimeFlavor};
use runtime::sync::oneshot;
use runtime::task::yield_now;
use runtime_tests::{current_thread, rt, within, yield_n, Signal, SOON};

#[test]
fn block_on_returns_the_output() {
    let rt = rt();
    assert_eq!(rt.block_on(async { 40 + 2 }), 42);
    let s = rt.block_on(async { String::from("owned output") });
    assert_eq!(s, "owned output");
    // `block_on` can be called again on the same runtime.
    assert_eq!(rt.block_on(async { 7 }), 7);
}

#[test]
fn spawned_tasks_run_on_the_block_on_thread() {
    let rt = current_thread();
    let main_thread = thread::current().id();
    let ids = rt.block_on(async {
        let mut handles = Vec::new();
        for _ in 0..10 {
            handles.push(runtime::spawn(async {
                yield_now().await;
                thread::current().id()
            }));
        }
        let mut ids = Vec::new();
        for h in handles {
            ids.push(h.await.unwrap());
        }
        ids
    });
    assert!(ids.iter().all(|id| *id == main_thread), "{ids:?}");
}

#[test]
fn tasks_spawned_before_block_on_run_inside_it() {
    let rt = current_thread();
    let ran = Arc::new(AtomicBool::new(false));
    let ran2 = ran.clone();
    let main_thread = thread::current().id();
    let h = rt.spawn(async move {
        ran2.store(true, SeqCst);
        thread::current().id()
    });
    assert_eq!(rt.block_on(h).unwrap(), main_thread);
    assert!(ran.load(SeqCst));
}

#[test]
fn tasks_persist_across_block_on_calls() {
    let rt = rt();
    let (tx, rx) = oneshot::channel::<u32>();
    let started = Arc::new(AtomicBool::new(false));
    let s = started.clone();
    let h = rt.spawn(async move {
        s.store(true, SeqCst);
        rx.await.unwrap() * 2
    });
    rt.block_on(yield_n(2));
    assert!(started.load(SeqCst));
    // The task is parked between the two calls; the second one finishes it.
    let out = rt.block_on(async move {
        tx.send(21).unwrap();
        h.await.unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
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

#[test]
fn remote_spawns_wake_an_idle_block_on() {
    // The scheduler is parked inside `block_on` with nothing to do; spawns from other
    // threads must wake it.
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

#[test]
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

#[test]
fn yield_now_goes_behind_queued_tasks() {
    let rt = current_thread();
    let order = Arc::new(Mutex::new(Vec::new()));
    let got = rt.block_on({
        let order = order.clone();
        async move {
            let o = order.clone();
            let a = runtime::spawn(async move {
                o.lock().push("a1");
                yield_now().await;
                o.lock().push("a2");
            });
            let o = order.clone();
            let b = runtime::spawn(async move { o.lock().push("b") });
            let o = order.clone();
            let c = runtime::spawn(async move { o.lock().push("c") });
            a.await.unwrap();
            b.await.unwrap();
            c.await.unwrap();
            order.lock().clone()
        }
    });
    assert_eq!(got, ["a1", "b", "c", "a2"]);
}

/// A task that yields in a loop until `stop` is set, counting its polls.
async fn spinner(stop: Arc<AtomicBool>) -> usize {
    let mut n = 0;
    while !stop.load(SeqCst) {
        yield_now().await;
        n += 1;
    }
    n
}

fn injected_task_is_not_starved_with(builder: &mut Builder) {
    let rt = builder.build().unwrap();
    let handle = rt.handle().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let spins = rt.block_on({
        let stop = stop.clone();
        async move {
            let spin = runtime::spawn(spinner(stop.clone()));
            // Let the spinner get going before the remote spawn arrives.
            yield_n(3).await;
            let remote = thread::spawn(move || {
                drop(handle.spawn(async move { stop.store(true, SeqCst) }));
            });
            let spins = spin.await.unwrap();
            remote.join().unwrap();
            spins
        }
    });
    assert!(spins > 0);
}

#[test]
fn yielding_task_does_not_starve_a_task_injected_from_another_thread() {
    within(SOON, || {
        injected_task_is_not_starved_with(&mut Builder::new_current_thread());
        injected_task_is_not_starved_with(Builder::new_current_thread().global_queue_interval(2));
        injected_task_is_not_starved_with(
            Builder::new_current_thread()
                .global_queue_interval(7)
                .event_interval(1000),
        );
        injected_task_is_not_starved_with(Builder::new_current_thread().global_queue_interval(1));
    });
}

#[test]
fn yielding_task_does_not_starve_the_block_on_future() {
    within(SOON, || {
        for event_interval in [1, 61, 500] {
            let rt = Builder::new_current_thread()
                .enable_all()
                .event_interval(event_interval)
                .build()
                .unwrap();
            let signal = Signal::new();
            let t = signal.fire_later(Duration::from_millis(10));
            rt.block_on(async {
                // Two tasks that never stop yielding.
                drop(runtime::spawn(spinner(Arc::new(AtomicBool::new(false)))));
                drop(runtime::spawn(spinner(Arc::new(AtomicBool::new(false)))));
                signal.wait().await;
            });
            t.join().unwrap();
            // Dropping the runtime cancels the spinners.
        }
    });
}

#[test]
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
        assert!(polls >= 1);
    });
}

#[test]
fn two_threads_in_block_on_concurrently_both_finish() {
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
        // The core came back: the runtime still works.
        assert_eq!(rt.block_on(rt.spawn(async { 3 })).unwrap(), 3);
    });
}

#[test]
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

#[test]
fn park_and_unpark_hooks_run_when_the_scheduler_idles() {
    within(SOON, || {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let hook_threads = Arc::new(Mutex::new(HashSet::new()));
        let rt = {
            let (parks, unparks) = (parks.clone(), unparks.clone());
            let (t1, t2) = (hook_threads.clone(), hook_threads.clone());
            Builder::new_current_thread()
                .enable_all()
                .on_thread_park(move || {
                    parks.fetch_add(1, SeqCst);
                    t1.lock().insert(thread::current().id());
                })
                .on_thread_unpark(move || {
                    unparks.fetch_add(1, SeqCst);
                    t2.lock().insert(thread::current().id());
                })
                .build()
                .unwrap()
        };
        rt.block_on(async {
            for _ in 0..3 {
                let signal = Signal::new();
                let t = signal.fire_later(Duration::from_millis(5));
                signal.wait().await;
                t.join().unwrap();
            }
        });
        assert!(parks.load(SeqCst) >= 3, "parks: {}", parks.load(SeqCst));
        assert!(
            unparks.load(SeqCst) >= 3,
            "unparks: {}",
            unparks.load(SeqCst)
        );
        let threads = hook_threads.lock().clone();
        assert_eq!(
            threads,
            HashSet::from([thread::current().id()]),
            "the hooks ran on the `block_on` thread"
        );
    });
}

#[test]
fn task_spawned_from_the_park_hook_runs_before_parking() {
    within(SOON, || {
        let (tx, rx) = oneshot::channel::<&'static str>();
        let tx = Arc::new(Mutex::new(Some(tx)));
        let rt = Builder::new_current_thread()
            .enable_all()
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

#[test]
fn builder_settings_are_accepted_and_the_runtime_works() {
    within(SOON, || {
        for (event_interval, global_queue_interval) in [(1, 1), (2, 3), (61, 31), (1000, 1000)] {
            let mut builder = Builder::new_current_thread();
            builder
                .enable_all()
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
            let debug = format!("{builder:?}");
            assert!(
                debug.contains(&format!("event_interval: {event_interval}")),
                "{debug}"
            );
            let rt = builder.build().unwrap();
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
                let blocking =
                    runtime::task::spawn_blocking(|| thread::current().name().map(str::to_owned));
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

#[test]
fn runtime_new_and_default_builder_work() {
    let rt = Runtime::new().unwrap();
    assert_eq!(
        rt.block_on(async { runtime::spawn(async { 5 }).await })
            .unwrap(),
        5
    );
    let rt = Builder::new_current_thread().build().unwrap();
    assert_eq!(
        rt.block_on(async { runtime::spawn(async { 6 }).await })
            .unwrap(),
        6
    );
}

#[test]
fn handle_reports_the_current_thread_flavor() {
    let rt = current_thread();
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    let inside = rt.block_on(async { Handle::current().runtime_flavor() });
    assert_eq!(inside, RuntimeFlavor::CurrentThread);
}

#[test]
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

#[test]
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

#[test]
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

#[test]
fn enter_guards_nest_and_restore_the_previous_runtime() {
    fn pool_name() -> String {
        // The name of the blocking pool's threads tells which runtime is current.
        let h = runtime::task::spawn_blocking(|| thread::current().name().unwrap().to_owned());
        current_thread().block_on(h).unwrap()
    }

    let one = Builder::new_current_thread()
        .thread_name("rt-one")
        .build()
        .unwrap();
    let two = Builder::new_current_thread()
        .thread_name("rt-two")
        .build()
        .unwrap();
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

#[test]
fn block_on_from_a_blocking_closure_of_the_same_runtime() {
    within(SOON, || {
        let rt = Arc::new(rt());
        let rt2 = rt.clone();
        let out = rt.block_on(async move {
            runtime::task::spawn_blocking(move || {
                // The core is busy on the other thread: this call only polls its own future,
                // and the task it awaits runs over there.
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

#[test]
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

        // Same thread: a task of `one` wakes a task of `two`, which runs at the next
        // `block_on` of `two`.
        let (tx, rx) = oneshot::channel::<&str>();
        let waiting = two.spawn(async move { rx.await.unwrap() });
        one.block_on(async move { runtime::spawn(async move { tx.send("cross").unwrap() }).await })
            .unwrap();
        assert_eq!(two.block_on(waiting).unwrap(), "cross");
    });
}

#[test]
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

#[test]
fn a_panicking_park_hook_leaves_the_runtime_usable() {
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
            let mut builder = Builder::new_current_thread();
            if unpark {
                builder.on_thread_unpark(hook);
            } else {
                builder.on_thread_park(hook);
            }
            let rt = builder.build().unwrap();
            let drops = runtime_tests::Counter::new();
            drop(rt.spawn(runtime_tests::pending_counted::<()>(&drops)));

            // The hook's panic comes out of `block_on`, like a panic of its future...
            let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let signal = Signal::new();
                let t = signal.fire_later(Duration::from_millis(5));
                rt.block_on(signal.wait());
                t.join().unwrap();
            }));
            assert!(first.is_err());

            // ...and the runtime still works: it can idle again and be dropped.
            let signal = Signal::new();
            let t = signal.fire_later(Duration::from_millis(5));
            rt.block_on(signal.wait());
            t.join().unwrap();
            drop(rt);
            assert_eq!(drops.get(), 1);
        });
    }
}
