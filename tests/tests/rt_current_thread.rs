//! Behaviour only the current-thread runtime has: everything runs on the thread in
//! `block_on` (so nothing runs without one), single-thread ordering, and the park hooks
//! running on (and panicking out of) that thread. The behaviour both schedulers share is
//! tested on both flavors in `rt_common.rs`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;
use runtime::runtime::Builder;
use runtime::task::yield_now;
use runtime_tests::{current_thread_rt, within, Signal, SOON};

// Current-thread only: on the multi-thread runtime tasks run on the workers (see
// `spawned_tasks_run_on_worker_threads` in `rt_multi_thread.rs`).
#[test]
fn spawned_tasks_run_on_the_block_on_thread() {
    let rt = current_thread_rt();
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
    let rt = current_thread_rt();
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

// Current-thread only: an exact interleaving on one thread. On the multi-thread runtime the
// three tasks may run at the same time on different workers.
#[test]
fn yield_now_goes_behind_queued_tasks() {
    let rt = current_thread_rt();
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

// Current-thread only: the hooks run on the thread in `block_on`. (That they run at all is
// tested on both flavors in `rt_common.rs`; on the multi-thread runtime the workers run them,
// see `rt_multi_thread.rs`.)
#[test]
fn park_and_unpark_hooks_run_on_the_block_on_thread() {
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

// Current-thread only: the hook runs on the `block_on` thread, so its panic comes out of
// `block_on`. (On the multi-thread runtime the hooks run on the workers.)
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

#[test]
fn nothing_runs_until_a_thread_is_in_block_on() {
    // Unlike the multi-thread runtime (see `rt_multi_thread.rs`), a task spawned from outside
    // waits for a `block_on` to drive it.
    let rt = current_thread_rt();
    let ran = Arc::new(AtomicBool::new(false));
    let h = rt.spawn({
        let ran = ran.clone();
        async move { ran.store(true, SeqCst) }
    });
    thread::sleep(Duration::from_millis(50));
    assert!(!ran.load(SeqCst), "ran without a `block_on`");
    assert!(!h.is_finished());
    rt.block_on(h).unwrap();
    assert!(ran.load(SeqCst));
}

#[test]
fn block_in_place_panics_on_the_current_thread_runtime_but_not_in_its_blocking_pool() {
    // (The panic itself: `rt_multi_thread.rs`.) A blocking-pool thread of a current-thread
    // runtime is outside the scheduler: `block_in_place` just runs the closure there.
    let rt = current_thread_rt();
    let out = rt.block_on(async {
        runtime::task::spawn_blocking(|| runtime::task::block_in_place(|| 5))
            .await
            .unwrap()
    });
    assert_eq!(out, 5);
}

// A `block_on` future that keeps waking itself (here: a loop that spends its budget on an
// always-ready reader) must still let the driver turn, or its own timeout never fires.
#[test]
fn a_self_waking_block_on_future_still_sees_its_timers() {
    let rt = current_thread_rt();
    within(Duration::from_secs(10), move || {
        let res = rt.block_on(async {
            runtime::time::timeout(Duration::from_millis(5), async {
                use runtime::io::AsyncReadExt;
                let mut buf = [0u8; 1];
                loop {
                    let _ = runtime::io::empty().read(&mut buf).await;
                }
            })
            .await
        });
        assert!(res.is_err(), "the timeout fired");
    });
}
