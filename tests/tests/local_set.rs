//! `LocalSet` and `spawn_local`: `!Send` tasks on either flavor, wakes from this thread,
//! other threads and runtime tasks, completion of the set, cancellation on drop (on the
//! owning thread), aborts from elsewhere, fairness with the runtime, misuse.

use std::cell::{Cell, RefCell};
use std::panic::catch_unwind;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;

use runtime::sync::oneshot;
use runtime::task::{self, yield_now, JoinSet, LocalSet};
use runtime_tests::{
    both_flavors, panic_message, pending_counted, quiet_expected_panics, within, yield_n, Counter,
    EXPECTED_PANIC, SOON,
};

/// Records the thread its value is dropped on.
struct DropsOn(Rc<Cell<Option<thread::ThreadId>>>);

impl Drop for DropsOn {
    fn drop(&mut self) {
        self.0.set(Some(thread::current().id()));
    }
}

both_flavors! {
    fn not_send_futures_run_on_the_set_inside_the_runtime() {
        let rt = rt();
        let local = LocalSet::new();
        let out = local.block_on(&rt, async {
            let shared = Rc::new(RefCell::new(Vec::new()));
            let mut tasks = Vec::new();
            for i in 0..10 {
                let shared = shared.clone();
                tasks.push(task::spawn_local(async move {
                    yield_now().await;
                    shared.borrow_mut().push(i);
                    // A local task may use the runtime.
                    runtime::spawn(async move { i * 2 }).await.unwrap()
                }));
            }
            let mut sum = 0;
            for t in tasks {
                sum += t.await.unwrap();
            }
            assert_eq!(shared.borrow().len(), 10);
            sum
        });
        assert_eq!(out, 90);
    }

    fn every_local_task_runs_on_the_thread_that_owns_the_set() {
        let rt = rt();
        let local = LocalSet::new();
        let me = thread::current().id();
        local.block_on(&rt, async move {
            let mut tasks = JoinSet::new();
            for _ in 0..50 {
                tasks.spawn_local(async move {
                    for _ in 0..5 {
                        assert_eq!(thread::current().id(), me);
                        yield_now().await;
                    }
                });
            }
            while let Some(res) = tasks.join_next().await {
                res.unwrap();
            }
        });
    }

    fn tasks_spawned_before_the_set_runs_wait_for_it_and_awaiting_the_set_finishes_them() {
        let rt = rt();
        let local = LocalSet::new();
        let ran = Rc::new(Cell::new(0));
        let r = ran.clone();
        let outer = local.spawn_local(async move {
            // Nested spawns are part of the set too.
            let r2 = r.clone();
            task::spawn_local(async move {
                yield_n(3).await;
                r2.set(r2.get() + 1);
            });
            r.set(r.get() + 1);
        });
        assert_eq!(ran.get(), 0, "nothing runs before the set is driven");
        rt.block_on(local);
        assert_eq!(ran.get(), 2);
        assert!(outer.is_finished());
    }

    fn run_until_returns_when_its_future_does_and_the_rest_stays_in_the_set() {
        let rt = rt();
        let local = LocalSet::new();
        let (tx, rx) = oneshot::channel::<()>();
        let finished = Rc::new(Cell::new(false));
        let f = finished.clone();
        let waiting = local.spawn_local(async move {
            let _ = rx.await;
            f.set(true);
        });
        local.block_on(&rt, yield_n(3));
        assert!(!finished.get());
        tx.send(()).unwrap();
        local.block_on(&rt, async {
            waiting.await.unwrap();
        });
        assert!(finished.get());
    }

    fn wakes_from_other_threads_reach_the_set() {
        let rt = rt();
        let local = LocalSet::new();
        let out = local.block_on(&rt, async {
            let mut tasks = Vec::new();
            for i in 0..20u32 {
                let (tx, rx) = oneshot::channel();
                thread::spawn(move || {
                    thread::sleep(std::time::Duration::from_millis(2));
                    tx.send(i).unwrap();
                });
                tasks.push(task::spawn_local(async move {
                    let marker = Rc::new(());
                    let v = rx.await.unwrap();
                    drop(marker);
                    v
                }));
            }
            let mut sum = 0;
            for t in tasks {
                sum += t.await.unwrap();
            }
            sum
        });
        assert_eq!(out, (0..20).sum::<u32>());
    }

    fn wakes_from_runtime_tasks_reach_the_set() {
        let rt = rt();
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let (tx, rx) = oneshot::channel();
            let waiter = task::spawn_local(async move { rx.await.unwrap() });
            // Let the local task start waiting before the runtime task sends.
            yield_n(2).await;
            runtime::spawn(async move {
                yield_now().await;
                tx.send("from the runtime").unwrap();
            });
            assert_eq!(waiter.await.unwrap(), "from the runtime");
        });
    }

    fn a_local_task_that_yields_forever_does_not_starve_the_runtime() {
        let rt = rt();
        within(SOON, move || {
            let local = LocalSet::new();
            local.block_on(&rt, async {
                let stop = Arc::new(AtomicBool::new(false));
                let spinner = task::spawn_local({
                    let stop = stop.clone();
                    async move {
                        while !stop.load(SeqCst) {
                            yield_now().await;
                        }
                    }
                });
                // On the current-thread runtime this task shares the thread with the set.
                runtime::spawn({
                    let stop = stop.clone();
                    async move { stop.store(true, SeqCst) }
                });
                spinner.await.unwrap();
            });
        });
    }

    fn dropping_the_set_cancels_its_tasks_on_its_own_thread() {
        let rt = rt();
        let local = LocalSet::new();
        let dropped = Counter::new();
        let dropped_on = Rc::new(Cell::new(None));
        let mut handles = Vec::new();
        for _ in 0..10 {
            handles.push(local.spawn_local(pending_counted::<()>(&dropped)));
        }
        let guard = DropsOn(dropped_on.clone());
        handles.push(local.spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }));
        local.block_on(&rt, yield_n(2));
        assert_eq!(dropped.get(), 0);
        drop(local);
        assert_eq!(dropped.get(), 10, "every future dropped exactly once");
        assert_eq!(dropped_on.get(), Some(thread::current().id()));
        rt.block_on(async {
            for handle in handles {
                assert!(handle.await.unwrap_err().is_cancelled());
            }
        });
    }

    fn abort_from_another_thread_cancels_on_the_owning_thread() {
        let rt = rt();
        let local = LocalSet::new();
        let dropped_on = Rc::new(Cell::new(None));
        let guard = DropsOn(dropped_on.clone());
        let handle = local.spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let abort = handle.abort_handle();
        local.block_on(&rt, async move {
            yield_n(2).await;
            thread::spawn(move || abort.abort()).join().unwrap();
            assert!(handle.await.unwrap_err().is_cancelled());
        });
        assert_eq!(dropped_on.get(), Some(thread::current().id()));
    }

    fn a_panicking_local_task_reports_its_panic_and_the_set_goes_on() {
        quiet_expected_panics();
        let rt = rt();
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let bad = task::spawn_local(async {
                panic!("{EXPECTED_PANIC} local boom");
            });
            let good = task::spawn_local(async { Rc::new(1) });
            let err = bad.await.unwrap_err();
            assert!(err.is_panic());
            assert!(err.to_string().contains("local boom"), "{err}");
            assert_eq!(*good.await.unwrap(), 1);
        });
    }

    fn nested_sets_each_own_their_tasks() {
        let rt = rt();
        let outer = LocalSet::new();
        outer.block_on(&rt, async {
            let inner = LocalSet::new();
            let from_inner = inner
                .run_until(async {
                    let t = task::spawn_local(async { "inner" });
                    t.await.unwrap()
                })
                .await;
            // Back in the outer set.
            let from_outer = task::spawn_local(async { "outer" }).await.unwrap();
            assert_eq!((from_inner, from_outer), ("inner", "outer"));
        });
    }

    fn enter_makes_spawn_local_reach_the_set() {
        let rt = rt();
        let local = LocalSet::new();
        let handle = {
            let _guard = local.enter();
            task::spawn_local(async { Rc::new("entered") })
        };
        assert_eq!(*local.block_on(&rt, handle).unwrap(), "entered");
    }

    fn join_set_spawn_local_and_spawn_local_on() {
        let rt = rt();
        let local = LocalSet::new();
        let mut set = JoinSet::new();
        set.spawn_local_on(async { 1 }, &local);
        local.block_on(&rt, async move {
            set.spawn_local(async { 2 });
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            assert_eq!(sum, 3);
        });
    }

    fn ten_thousand_local_tasks() {
        let rt = rt();
        let local = LocalSet::new();
        let count = Rc::new(Cell::new(0u32));
        for _ in 0..10_000 {
            let count = count.clone();
            local.spawn_local(async move {
                yield_now().await;
                count.set(count.get() + 1);
            });
        }
        rt.block_on(local);
        assert_eq!(count.get(), 10_000);
    }

    fn spawn_local_in_a_plain_runtime_task_panics_with_a_message() {
        let rt = rt();
        let err = rt
            .block_on(rt.spawn(async {
                task::spawn_local(async {});
            }))
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("`spawn_local` called from outside of a `task::LocalSet`"), "{message}");
    }
}

#[test]
fn spawn_local_outside_any_set_panics_with_a_message_that_names_the_fix() {
    let result = catch_unwind(|| {
        task::spawn_local(async {});
    });
    let message = panic_message(&*result.unwrap_err()).unwrap();
    assert!(
        message.contains("outside of a `task::LocalSet`"),
        "{message}"
    );
    assert!(message.contains("LocalSet::run_until"), "{message}");
    assert!(message.contains("flavor = \"local\""), "{message}");
}

#[test]
fn a_set_can_be_driven_without_a_runtime() {
    // Any executor can drive a set; its tasks just cannot use the runtime.
    let local = LocalSet::new();
    let count = Rc::new(Cell::new(0));
    let c = count.clone();
    local.spawn_local(async move {
        yield_now().await;
        c.set(1);
    });
    let out = runtime_tests::block_on_plain(
        local.run_until(async { task::spawn_local(async { 41 }).await.unwrap() + 1 }),
    );
    assert_eq!(out, 42);
    runtime_tests::block_on_plain(local);
    assert_eq!(count.get(), 1);
}

both_flavors! {
    fn block_in_place_inside_a_local_set_panics() {
        let rt = rt();
        let local = LocalSet::new();
        let result = catch_unwind(std::panic::AssertUnwindSafe(|| {
            local.block_on(&rt, async { task::block_in_place(|| {}) })
        }));
        let message = panic_message(&*result.unwrap_err()).unwrap();
        assert!(
            message.contains("can call blocking only when running on the multi-threaded runtime"),
            "{message}"
        );
    }
}
