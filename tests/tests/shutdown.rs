//! Shutdown: every future dropped exactly once, spawns that race shutdown, `JoinHandle`s that
//! outlive the runtime, `shutdown_timeout` / `shutdown_background`, and the blocking pool.
//!
//! Every test but one runs on both flavors (`both_flavors!`); the multi-thread-only shutdown
//! tests (tasks running on the workers at shutdown) are in `rt_multi_thread.rs`.

use std::future::{pending, Future};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::Waker;
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use runtime::runtime::Handle;
use runtime::sync::oneshot;
use runtime::task::{spawn_blocking, JoinHandle};
use runtime_tests::{
    both_flavors, current_thread_rt, pending_counted, wait_until, within, yield_n, yield_until,
    CountDrops, Counter, Flavor, SOON,
};

/// Awaits every handle on a fresh runtime and checks that each reports a cancellation.
fn assert_all_cancelled<T: Send + 'static + std::fmt::Debug>(handles: Vec<JoinHandle<T>>) {
    within(SOON, move || {
        let rt = current_thread_rt();
        rt.block_on(async move {
            for h in handles {
                assert!(h.is_finished());
                let err = h.await.unwrap_err();
                assert!(err.is_cancelled(), "{err:?}");
            }
        });
    });
}

// Current-thread only: the multi-thread runtime's workers drop the futures (and the drop of
// the runtime waits for them; see `dropping_the_runtime_drops_every_task_future_exactly_once`).
#[test]
fn futures_are_dropped_on_the_thread_that_drops_the_runtime() {
    struct RecordThread(Arc<Mutex<Vec<thread::ThreadId>>>);
    impl Drop for RecordThread {
        fn drop(&mut self) {
            self.0.lock().push(thread::current().id());
        }
    }

    let rt = current_thread_rt();
    let seen = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        for _ in 0..10 {
            let r = RecordThread(seen.clone());
            drop(runtime::spawn(async move {
                let _r = r;
                pending::<()>().await
            }));
        }
        yield_n(2).await;
    });
    let dropper = thread::spawn(move || {
        drop(rt);
        thread::current().id()
    })
    .join()
    .unwrap();
    let seen = seen.lock();
    assert_eq!(seen.len(), 10);
    assert!(seen.iter().all(|t| *t == dropper));
}

/// A future whose destructor spawns another task (whose future counts its drops) and
/// stores that task's `JoinHandle`.
struct SpawnOnDrop {
    via: Option<Handle>,
    inner_drops: Counter,
    slot: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let fut = pending_counted::<()>(&self.inner_drops);
        let h = match &self.via {
            Some(handle) => handle.spawn(fut),
            None => runtime::spawn(fut),
        };
        *self.slot.lock() = Some(h);
    }
}

fn rt_block_on_fresh<F: Future>(f: F) -> F::Output {
    current_thread_rt().block_on(f)
}

const TLS_CHILD_ENV: &str = "RUNTIME_TESTS_TLS_CHILD";

/// The body of `runtime_in_a_thread_local_is_dropped_at_thread_exit`, run in a child process
/// (an abort during thread-local destruction would take the whole test binary down).
fn runtime_in_thread_local_body(flavor: Flavor) {
    thread_local! {
        static RT: std::cell::RefCell<Option<runtime::runtime::Runtime>> =
            const { std::cell::RefCell::new(None) };
    }

    let drops = Counter::new();
    let blocking_done = Arc::new(AtomicBool::new(false));
    let t = thread::spawn({
        let drops = drops.clone();
        let blocking_done = blocking_done.clone();
        move || {
            let rt = flavor.rt();
            rt.block_on(async {
                for _ in 0..10 {
                    drop(runtime::spawn(pending_counted::<()>(&drops)));
                }
                let started = Arc::new(AtomicBool::new(false));
                let s = started.clone();
                drop(spawn_blocking(move || {
                    s.store(true, SeqCst);
                    thread::sleep(Duration::from_millis(20));
                    blocking_done.store(true, SeqCst);
                }));
                yield_n(2).await;
                // (A closure still queued at shutdown would be cancelled instead.)
                while !started.load(SeqCst) {
                    thread::sleep(Duration::from_millis(1));
                }
            });
            RT.with(|slot| *slot.borrow_mut() = Some(rt));
            // The thread exits with the runtime (and its tasks) in a thread-local.
        }
    });
    t.join()
        .expect("dropping the runtime at thread exit panicked");
    assert_eq!(drops.get(), 10);
    assert!(blocking_done.load(SeqCst));
}

/// The body of `queued_blocking_tasks_are_cancelled_at_shutdown` (written out by hand below
/// rather than with `both_flavors!`, to ignore the multi-thread case only).
fn queued_blocking_tasks_are_cancelled_at_shutdown_on(flavor: Flavor) {
    within(SOON, move || {
        for round in 0..10 {
            let rt = flavor.builder().max_blocking_threads(1).build().unwrap();
            let (release_tx, release_rx) = mpsc::channel::<()>();
            let started = Arc::new(AtomicBool::new(false));
            let ran = Arc::new(AtomicBool::new(false));
            let stuck = rt.spawn_blocking({
                let started = started.clone();
                move || {
                    started.store(true, SeqCst);
                    let _ = release_rx.recv_timeout(Duration::from_secs(10));
                }
            });
            wait_until(SOON, || started.load(SeqCst));
            let queued = rt.spawn_blocking({
                let ran = ran.clone();
                move || ran.store(true, SeqCst)
            });
            rt.shutdown_timeout(Duration::from_millis(20));
            release_tx.send(()).unwrap();
            rt_block_on_fresh(async move {
                stuck.await.unwrap();
                let res = queued.await;
                assert!(
                    matches!(&res, Err(err) if err.is_cancelled()),
                    "round {round}: the queued closure was not cancelled: {res:?}"
                );
            });
            assert!(
                !ran.load(SeqCst),
                "a closure queued at shutdown must not run"
            );
        }
    });
}

mod queued_blocking_tasks_are_cancelled_at_shutdown {
    use super::*;

    #[test]
    fn current_thread() {
        queued_blocking_tasks_are_cancelled_at_shutdown_on(Flavor::CurrentThread);
    }

    // The multi-thread runtime's workers live on the blocking pool: when the scheduler shuts
    // down they return to the pool, which is not shut down yet, and run what is queued there.
    #[test]
    fn multi_thread() {
        queued_blocking_tasks_are_cancelled_at_shutdown_on(Flavor::MultiThread);
    }
}

both_flavors! {
    fn dropping_the_runtime_drops_every_task_future_exactly_once() {
        let rt = rt();
        let mut counters = Vec::new();
        let mut handles: Vec<JoinHandle<()>> = Vec::new();
        let counted = |counters: &mut Vec<Counter>| {
            let c = Counter::new();
            counters.push(c.clone());
            c
        };

        // Spawned from outside and never run (still in the injection queue).
        for _ in 0..25 {
            let c = counted(&mut counters);
            handles.push(rt.spawn(pending_counted(&c)));
        }
        // Ran once and now idle.
        let mut idle = Vec::new();
        for _ in 0..25 {
            idle.push(counted(&mut counters));
        }
        // Linked pairs: dropping one side of a channel wakes the other during shutdown.
        let mut pairs = Vec::new();
        for _ in 0..25 {
            pairs.push((counted(&mut counters), counted(&mut counters)));
        }
        // Yielding forever: always in the run queue.
        let mut spinners = Vec::new();
        for _ in 0..25 {
            spinners.push(counted(&mut counters));
        }
        // Spawned in the last poll of `block_on`, never polled (still in the local queue).
        let mut fresh = Vec::new();
        for _ in 0..25 {
            fresh.push(counted(&mut counters));
        }

        let more = rt.block_on(async move {
            let mut handles = Vec::new();
            for c in &idle {
                handles.push(runtime::spawn(pending_counted(c)));
            }
            for (a, b) in &pairs {
                let (tx, rx) = oneshot::channel::<()>();
                handles.push(runtime::spawn(CountDrops::new(
                    async move {
                        let _ = rx.await;
                        pending::<()>().await
                    },
                    a,
                )));
                handles.push(runtime::spawn(CountDrops::new(
                    async move {
                        let _tx = tx;
                        pending::<()>().await
                    },
                    b,
                )));
            }
            for c in &spinners {
                handles.push(runtime::spawn(CountDrops::new(
                    async {
                        loop {
                            runtime::task::yield_now().await;
                        }
                    },
                    c,
                )));
            }
            yield_n(3).await;
            for c in &fresh {
                handles.push(runtime::spawn(pending_counted(c)));
            }
            handles
        });
        handles.extend(more);
        assert!(counters.iter().all(|c| c.get() == 0));

        drop(rt);
        for (i, c) in counters.iter().enumerate() {
            assert_eq!(c.get(), 1, "future {i} dropped {} times", c.get());
        }
        assert_all_cancelled(handles);
    }

    fn a_task_spawned_by_a_destructor_during_shutdown_is_dropped_not_leaked() {
        for through_handle in [false, true] {
            let rt = rt();
            let inner_drops = Counter::new();
            let outer_drops = Counter::new();
            let slot = Arc::new(Mutex::new(None));
            let spawner = SpawnOnDrop {
                via: through_handle.then(|| rt.handle().clone()),
                inner_drops: inner_drops.clone(),
                slot: slot.clone(),
            };
            let outer = rt.spawn(CountDrops::new(
                async move {
                    let _spawner = spawner;
                    pending::<()>().await
                },
                &outer_drops,
            ));
            // Let it start.
            rt.block_on(yield_n(2));
            drop(rt);
            assert_eq!(outer_drops.get(), 1);
            assert_eq!(
                inner_drops.get(),
                1,
                "the task spawned during shutdown was leaked (through_handle: {through_handle})"
            );
            let inner = slot.lock().take().expect("the destructor spawned a task");
            assert_all_cancelled(vec![outer, inner]);
        }
    }

    fn destructor_spawn_chains_during_shutdown_are_all_dropped() {
        /// Spawns a copy of itself (one level less deep) when dropped.
        struct Chain {
            depth: usize,
            drops: Counter,
        }
        impl Drop for Chain {
            fn drop(&mut self) {
                self.drops.inc();
                if self.depth > 0 {
                    let next = Chain {
                        depth: self.depth - 1,
                        drops: self.drops.clone(),
                    };
                    drop(runtime::spawn(async move {
                        let _next = next;
                        pending::<()>().await
                    }));
                }
            }
        }

        let rt = rt();
        let drops = Counter::new();
        rt.block_on(async {
            let chain = Chain {
                depth: 5,
                drops: drops.clone(),
            };
            drop(runtime::spawn(async move {
                let _chain = chain;
                pending::<()>().await
            }));
            yield_n(2).await;
        });
        drop(rt);
        assert_eq!(drops.get(), 6);
    }

    fn join_handles_resolve_to_cancelled_after_the_runtime_is_dropped() {
        let rt = rt();
        let handles: Vec<JoinHandle<u32>> = rt.block_on(async {
            let handles: Vec<_> = (0..10).map(|_| runtime::spawn(pending::<u32>())).collect();
            yield_n(2).await;
            handles
        });
        assert!(handles.iter().all(|h| !h.is_finished()));
        drop(rt);
        assert_all_cancelled(handles);
    }

    fn join_handle_awaited_from_another_runtime_is_woken_by_shutdown() {
        within(SOON, || {
            let victim = rt();
            let h = victim.spawn(pending::<()>());
            let (ready_tx, ready_rx) = mpsc::channel();
            let waiter = thread::spawn(move || {
                let rt = rt();
                rt.block_on(async move {
                    let mut h = h;
                    // Register interest before the runtime goes away.
                    assert!(runtime_tests::poll_once(&mut h).await.is_pending());
                    ready_tx.send(()).unwrap();
                    h.await
                })
            });
            ready_rx.recv().unwrap();
            drop(victim);
            let res = waiter.join().unwrap();
            assert!(res.unwrap_err().is_cancelled());
        });
    }

    fn shutdown_timeout_returns_while_a_blocking_task_is_stuck() {
        within(SOON, || {
            let rt = rt();
            let (release_tx, release_rx) = mpsc::channel::<()>();
            let started = Arc::new(AtomicBool::new(false));
            let stuck = rt.spawn_blocking({
                let started = started.clone();
                move || {
                    started.store(true, SeqCst);
                    // "Stuck" for up to 10 s (released at the end of the test).
                    let _ = release_rx.recv_timeout(Duration::from_secs(10));
                }
            });
            wait_until(SOON, || started.load(SeqCst));
            let start = Instant::now();
            rt.shutdown_timeout(Duration::from_millis(100));
            let elapsed = start.elapsed();
            assert!(elapsed >= Duration::from_millis(95), "{elapsed:?}");
            assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
            // The closure finishes on its own thread later; its handle still gets the output.
            release_tx.send(()).unwrap();
            rt_block_on_fresh(async move { stuck.await.unwrap() });
        });
    }

    fn shutdown_timeout_waits_for_blocking_work_that_finishes_in_time() {
        within(SOON, || {
            let rt = rt();
            let done = Arc::new(AtomicBool::new(false));
            let started = Arc::new(AtomicBool::new(false));
            drop(rt.spawn_blocking({
                let (done, started) = (done.clone(), started.clone());
                move || {
                    started.store(true, SeqCst);
                    thread::sleep(Duration::from_millis(50));
                    done.store(true, SeqCst);
                }
            }));
            // (A closure still queued at shutdown is cancelled instead; see below.)
            wait_until(SOON, || started.load(SeqCst));
            let start = Instant::now();
            rt.shutdown_timeout(Duration::from_secs(5));
            assert!(done.load(SeqCst), "returned before the closure finished");
            assert!(start.elapsed() < Duration::from_secs(4));
        });
    }

    fn dropping_the_runtime_waits_for_running_blocking_work() {
        within(SOON, || {
            let rt = rt();
            let done = Arc::new(AtomicBool::new(false));
            let started = Arc::new(AtomicBool::new(false));
            drop(rt.spawn_blocking({
                let (done, started) = (done.clone(), started.clone());
                move || {
                    started.store(true, SeqCst);
                    thread::sleep(Duration::from_millis(50));
                    done.store(true, SeqCst);
                }
            }));
            wait_until(SOON, || started.load(SeqCst));
            drop(rt);
            assert!(done.load(SeqCst));
        });
    }

    fn shutdown_background_returns_at_once_even_inside_async_code() {
        within(SOON, || {
            let (release_tx, release_rx) = mpsc::channel::<()>();
            let started = Arc::new(AtomicBool::new(false));
            let inner = rt();
            drop(inner.spawn_blocking({
                let started = started.clone();
                move || {
                    started.store(true, SeqCst);
                    let _ = release_rx.recv_timeout(Duration::from_secs(10));
                }
            }));
            let inner_drops = Counter::new();
            drop(inner.spawn(pending_counted::<()>(&inner_drops)));
            wait_until(SOON, || started.load(SeqCst));

            let outer = rt();
            let elapsed = outer.block_on(async move {
                let start = Instant::now();
                inner.shutdown_background();
                start.elapsed()
            });
            assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
            // The tasks were cancelled all the same: on the current-thread runtime before
            // `shutdown_background` returned; the multi-thread runtime's workers do it without
            // being waited for (see `shutdown_timeout_drops_every_task_before_returning` in
            // `rt_multi_thread.rs`).
            if FLAVOR.is_multi_thread() {
                wait_until(SOON, || inner_drops.get() == 1);
            }
            assert_eq!(inner_drops.get(), 1);
            release_tx.send(()).unwrap();

            // `shutdown_timeout(ZERO)` is the same thing, and allowed there too.
            let another = rt();
            outer.block_on(async move { another.shutdown_timeout(Duration::ZERO) });
        });
    }

    fn dropping_a_runtime_inside_spawn_blocking_is_allowed() {
        within(SOON, || {
            let outer = rt();
            let inner = rt();
            let drops = Counter::new();
            drop(inner.spawn(pending_counted::<()>(&drops)));
            outer.block_on(async move {
                spawn_blocking(move || drop(inner)).await.unwrap();
            });
            assert_eq!(drops.get(), 1);
        });
    }

    fn spawns_through_a_handle_after_the_runtime_is_dropped_are_cancelled() {
        let rt = rt();
        let handle = rt.handle().clone();
        drop(rt);

        let drops = Counter::new();
        let h = handle.spawn(pending_counted::<()>(&drops));
        assert_eq!(drops.get(), 1, "the future is dropped at once");
        assert!(h.is_finished());

        let ran = Arc::new(AtomicBool::new(false));
        let b = handle.spawn_blocking({
            let ran = ran.clone();
            move || ran.store(true, SeqCst)
        });

        // Under an `EnterGuard` of the dead runtime, `runtime::spawn` behaves the same.
        let g = {
            let _guard = handle.enter();
            runtime::spawn(pending_counted::<()>(&drops))
        };
        assert_eq!(drops.get(), 2);

        assert_all_cancelled(vec![h, g]);
        assert_all_cancelled(vec![b]);
        thread::sleep(Duration::from_millis(20));
        assert!(!ran.load(SeqCst));
    }

    fn wakers_and_handles_used_after_shutdown_are_harmless() {
        let rt = rt();
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let (h, abort) = rt.block_on({
            let slot = slot.clone();
            async move {
                let s = slot.clone();
                let h = runtime::spawn(std::future::poll_fn(move |cx| {
                    *s.lock() = Some(cx.waker().clone());
                    std::task::Poll::<()>::Pending
                }));
                yield_until(FLAVOR, 2, || slot.lock().is_some()).await;
                let abort = h.abort_handle();
                (h, abort)
            }
        });
        let waker = slot.lock().clone().expect("the task ran");
        drop(rt);
        waker.wake_by_ref();
        thread::spawn(move || waker.wake()).join().unwrap();
        abort.abort();
        assert!(abort.is_finished());
        drop(h);
        drop(slot);
    }

    fn shutdown_while_other_threads_wake_tasks() {
        const TASKS: usize = 200;
        within(SOON, || {
            for _ in 0..5 {
                let rt = rt();
                let counters: Vec<Counter> = (0..TASKS).map(|_| Counter::new()).collect();
                let wakers: Arc<Mutex<Vec<Waker>>> = Arc::new(Mutex::new(Vec::new()));
                rt.block_on(async {
                    for c in &counters {
                        let wakers = wakers.clone();
                        drop(runtime::spawn(CountDrops::new(
                            std::future::poll_fn(move |cx| {
                                wakers.lock().push(cx.waker().clone());
                                std::task::Poll::<()>::Pending
                            }),
                            c,
                        )));
                    }
                    // Every task has run and left a waker.
                    yield_until(FLAVOR, 100, || wakers.lock().len() >= TASKS).await;
                });
                let stop = Arc::new(AtomicBool::new(false));
                let hammers: Vec<_> = (0..2)
                    .map(|_| {
                        let wakers = wakers.clone();
                        let stop = stop.clone();
                        thread::spawn(move || {
                            while !stop.load(SeqCst) {
                                let ws: Vec<Waker> = wakers.lock().clone();
                                for w in ws {
                                    w.wake();
                                }
                            }
                        })
                    })
                    .collect();
                thread::sleep(Duration::from_millis(5));
                drop(rt);
                stop.store(true, SeqCst);
                for h in hammers {
                    h.join().unwrap();
                }
                for c in &counters {
                    assert_eq!(c.get(), 1);
                }
            }
        });
    }

    fn outputs_of_completed_tasks_survive_the_runtime() {
        let rt = rt();
        let handles: Vec<JoinHandle<String>> = rt.block_on(async {
            let hs: Vec<_> = (0..5)
                .map(|i| runtime::spawn(async move { format!("output {i}") }))
                .collect();
            yield_until(FLAVOR, 3, || hs.iter().all(|h| h.is_finished())).await;
            hs
        });
        assert!(handles.iter().all(|h| h.is_finished()));
        drop(rt);
        let outs = rt_block_on_fresh(async move {
            let mut outs = Vec::new();
            for h in handles {
                outs.push(h.await.unwrap());
            }
            outs
        });
        assert_eq!(
            outs,
            (0..5).map(|i| format!("output {i}")).collect::<Vec<_>>()
        );
    }

    fn a_task_that_owns_its_own_join_handle_is_freed() {
        let rt = rt();
        let drops = Counter::new();
        rt.block_on(async {
            // Completes normally while holding its own handle.
            let (tx, rx) = oneshot::channel::<JoinHandle<()>>();
            let guard = drops.guard();
            let h = runtime::spawn(async move {
                let _guard = guard;
                let _me = rx.await.unwrap();
            });
            let abort = h.abort_handle();
            tx.send(h).unwrap();
            yield_until(FLAVOR, 100, || abort.is_finished()).await;
            assert!(abort.is_finished());
            assert_eq!(drops.get(), 1);
        });

        // Pending forever while holding its own handle: cancelled at shutdown.
        let (tx, rx) = oneshot::channel::<JoinHandle<()>>();
        let guard = drops.guard();
        let h = rt.spawn(async move {
            let _guard = guard;
            let _me = rx.await.unwrap();
            pending::<()>().await
        });
        let abort = h.abort_handle();
        tx.send(h).unwrap();
        rt.block_on(yield_n(3));
        drop(rt);
        assert!(abort.is_finished());
        assert_eq!(drops.get(), 2);
    }

    fn runtime_in_a_thread_local_is_dropped_at_thread_exit() {
        if std::env::var_os(TLS_CHILD_ENV).is_some() {
            return runtime_in_thread_local_body(FLAVOR);
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([TEST_NAME, "--exact", "--test-threads=1"])
            .env(TLS_CHILD_ENV, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn a_destructor_that_wakes_another_task_during_shutdown() {
        // After tokio's `wake_while_rt_is_dropping`: dropping one task's future spawns a task
        // that drops a sender another (not yet dropped) task waits on.
        struct OnDrop<F: FnMut()>(F);
        impl<F: FnMut()> Drop for OnDrop<F> {
            fn drop(&mut self) {
                (self.0)()
            }
        }

        for _ in 0..20 {
            let rt = rt();
            let drops = Counter::new();
            let (tx1, rx1) = oneshot::channel::<()>();
            let (tx2, rx2) = oneshot::channel::<()>();
            let handle = rt.handle().clone();
            let mut tx1 = Some(tx1);
            drop(rt.spawn(CountDrops::new(
                async move {
                    let _d = OnDrop(move || {
                        let tx1 = tx1.take();
                        drop(handle.spawn(async move { drop(tx1) }));
                    });
                    let _ = rx2.await;
                },
                &drops,
            )));
            drop(rt.spawn(CountDrops::new(
                async move {
                    let _ = rx1.await;
                    let _ = tx2.send(());
                },
                &drops,
            )));
            rt.block_on(yield_n(3));
            drop(rt);
            assert_eq!(drops.get(), 2);
        }
    }

    fn futures_are_dropped_inside_the_runtime_context() {
        struct CheckContext(Arc<Mutex<Vec<bool>>>);
        impl Drop for CheckContext {
            fn drop(&mut self) {
                self.0.lock().push(Handle::try_current().is_ok());
            }
        }

        let seen = Arc::new(Mutex::new(Vec::new()));
        let rt = rt();
        // Dropped by an abort.
        let check = CheckContext(seen.clone());
        let h = rt.spawn(async move {
            let _check = check;
            pending::<()>().await
        });
        h.abort();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        // Dropped at shutdown, never polled.
        let check = CheckContext(seen.clone());
        drop(rt.spawn(async move {
            let _check = check;
        }));
        // Nobody is inside the runtime here.
        assert!(Handle::try_current().is_err());
        drop(rt);
        assert_eq!(*seen.lock(), [true, true]);
    }
}

both_flavors! {
    /// A closure that was given a thread counts as started: a shutdown right after the spawn
    /// waits for it instead of cancelling it (as tokio), even if the thread had not picked it
    /// up yet.
    fn a_blocking_closure_given_a_thread_before_shutdown_still_runs() {
        within(SOON, || {
            for round in 0..20 {
                let rt = rt();
                let ran = Arc::new(AtomicBool::new(false));
                let task = rt.spawn_blocking({
                    let ran = ran.clone();
                    move || {
                        thread::sleep(Duration::from_millis(1));
                        ran.store(true, SeqCst);
                        7
                    }
                });
                rt.shutdown_timeout(Duration::from_secs(10));
                assert!(ran.load(SeqCst), "round {round}: the closure did not run");
                assert_eq!(rt_block_on_fresh(task).unwrap(), 7);
            }
        });
    }
}
