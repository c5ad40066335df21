//! `JoinSet`: every method, completion order, aborting, detaching, dropping, cancel safety.
//!
//! Every test runs on both flavors (`both_flavors!`); the ordering tests use a single worker
//! on the multi-thread runtime.

use std::collections::{HashMap, HashSet};
use std::future::{pending, poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;
use runtime::runtime::Handle;
use runtime::sync::oneshot;
use runtime::task::{coop, yield_now, JoinSet};
use runtime_tests::{
    both_flavors, current_thread_rt, panic_message, pending_counted, poll_once,
    quiet_expected_panics, within, yield_n, yield_until, Counter, Flavor, EXPECTED_PANIC, SOON,
};

/// `try_join_next_with_id` on a set where the caller saw a task finish (`is_finished`).
///
/// On the current-thread runtime the task finished on this thread, and its output is there
/// at once. On the multi-thread runtime a worker sets the task's COMPLETE bit (which
/// `is_finished` reads) a moment before it wakes the set (which `try_join_next` looks at), as
/// in tokio: the output may take that moment to show up.
async fn try_join_next_with_id_soon<T: 'static>(
    flavor: Flavor,
    set: &mut JoinSet<T>,
) -> Result<(runtime::task::Id, T), runtime::task::JoinError> {
    let mut found = None;
    yield_until(flavor, 0, || {
        found = set.try_join_next_with_id();
        found.is_some()
    })
    .await;
    found.unwrap()
}

both_flavors! {
    fn spawn_and_join_next_collect_every_output() {
        let rt = rt();
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none(), "empty set yields None");
            for i in 0..20u32 {
                set.spawn(async move {
                    yield_n((i % 4) as usize).await;
                    i * i
                });
            }
            assert_eq!(set.len(), 20);
            assert!(!set.is_empty());
            let mut seen = HashSet::new();
            let mut remaining = 20;
            while let Some(res) = set.join_next().await {
                assert!(seen.insert(res.unwrap()));
                remaining -= 1;
                assert_eq!(set.len(), remaining);
            }
            assert_eq!(seen, (0..20u32).map(|i| i * i).collect());
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
        });
    }

    fn join_next_returns_tasks_in_completion_order() {
        // One worker on the multi-thread runtime: two would run the released tasks at the
        // same time, finishing in no defined order.
        let rt = builder().worker_threads(1).build().unwrap();
        let order = rt.block_on(async {
            let mut set = JoinSet::new();
            let mut senders = Vec::new();
            let waiting = Arc::new(AtomicUsize::new(0));
            for i in 0..5usize {
                let (tx, rx) = oneshot::channel::<()>();
                senders.push(tx);
                let waiting = waiting.clone();
                set.spawn(async move {
                    waiting.fetch_add(1, SeqCst);
                    rx.await.unwrap();
                    i
                });
            }
            // Every task waits for its channel (so that the sends below wake them).
            yield_until(FLAVOR, 2, || waiting.load(SeqCst) == 5).await;
            // Nothing has finished; this also registers interest in every task.
            assert!(set.try_join_next().is_none());
            // Release all of them at once, in a scrambled order: they are woken, run and
            // finish in that order, and come out of the set in that order.
            let mut senders: Vec<Option<_>> = senders.into_iter().map(Some).collect();
            for i in [3, 0, 4, 1, 2] {
                senders[i].take().unwrap().send(()).unwrap();
            }
            let mut order = Vec::new();
            while let Some(res) = set.join_next().await {
                order.push(res.unwrap());
            }
            order
        });
        assert_eq!(order, [3, 0, 4, 1, 2]);
    }

    fn join_all_returns_outputs_in_completion_order() {
        // One worker on the multi-thread runtime: a task's completion (which `is_finished`
        // sees) comes a moment before its wake of the set, so with two workers the next task
        // released could overtake it.
        let rt = builder().worker_threads(1).build().unwrap();
        let out = rt.block_on(async {
            let mut set = JoinSet::new();
            let mut senders = Vec::new();
            let mut aborts = Vec::new();
            for i in 0..4usize {
                let (tx, rx) = oneshot::channel::<()>();
                senders.push(Some(tx));
                aborts.push(set.spawn(async move {
                    rx.await.unwrap();
                    i
                }));
            }
            yield_n(2).await;
            assert!(set.try_join_next().is_none());
            // Release them in a scrambled order; each runs in turn.
            for i in [2, 0, 3, 1] {
                senders[i].take().unwrap().send(()).unwrap();
                yield_until(FLAVOR, 2, || aborts[i].is_finished()).await;
            }
            set.join_all().await
        });
        assert_eq!(out, [2, 0, 3, 1]);
    }

    fn join_all_propagates_a_panic_and_aborts_the_rest() {
        quiet_expected_panics();
        let rt = rt();
        let drops = Counter::new();
        let res = std::panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                for _ in 0..3 {
                    set.spawn(pending_counted::<u32>(&drops));
                }
                set.spawn(async { panic!("{EXPECTED_PANIC} join_all boom") });
                set.join_all().await
            })
        }));
        let payload = res.unwrap_err();
        assert!(panic_message(&*payload).unwrap().contains("join_all boom"));
        // The runtime survived the panic, and the other tasks were aborted.
        rt.block_on(yield_until(FLAVOR, 100, || drops.get() == 3));
        assert_eq!(drops.get(), 3);
    }

    fn join_all_panics_on_a_cancelled_task() {
        let rt = rt();
        let res = std::panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                set.spawn(async { 1 });
                set.spawn(pending::<i32>()).abort();
                set.join_all().await
            })
        }));
        let msg = panic_message(&*res.unwrap_err()).unwrap();
        assert!(msg.contains("cancelled"), "{msg}");
    }

    fn join_next_with_id_matches_abort_handles() {
        let rt = rt();
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut ids = HashMap::new();
            for i in 0..10u32 {
                let abort = set.spawn(async move {
                    yield_n(i as usize % 3).await;
                    (i, runtime::task::id())
                });
                ids.insert(abort.id(), i);
            }
            let mut seen = 0;
            while let Some(res) = set.join_next_with_id().await {
                let (id, (i, inner_id)) = res.unwrap();
                assert_eq!(ids.get(&id), Some(&i));
                assert_eq!(id, inner_id);
                seen += 1;
            }
            assert_eq!(seen, 10);

            // The id also comes with an error.
            let abort = set.spawn(pending::<(u32, runtime::task::Id)>());
            abort.abort();
            let err = set.join_next_with_id().await.unwrap().unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.id(), abort.id());
        });
    }

    fn try_join_next_only_returns_finished_tasks() {
        let rt = rt();
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none(), "empty");
            let (tx, rx) = oneshot::channel::<u32>();
            let waiting = set.spawn(async move { rx.await.unwrap() });
            yield_n(3).await;
            assert!(set.try_join_next().is_none(), "nothing finished yet");
            assert!(set.try_join_next_with_id().is_none());
            assert_eq!(set.len(), 1);

            tx.send(8).unwrap();
            yield_until(FLAVOR, 100, || waiting.is_finished()).await;
            assert_eq!(
                try_join_next_with_id_soon(FLAVOR, &mut set)
                    .await
                    .unwrap()
                    .1,
                8
            );
            assert!(set.is_empty());
            assert!(set.try_join_next().is_none());

            let abort = set.spawn(async { 9 });
            yield_until(FLAVOR, 3, || abort.is_finished()).await;
            let (id, v) = try_join_next_with_id_soon(FLAVOR, &mut set).await.unwrap();
            assert_eq!((id, v), (abort.id(), 9));
        });
    }

    fn poll_join_next_by_hand() {
        let rt = rt();
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { 3 });
            set.spawn(async { 4 });
            let mut sum = 0;
            while let Some(res) = poll_fn(|cx| set.poll_join_next(cx)).await {
                sum += res.unwrap();
            }
            assert_eq!(sum, 7);
            let abort = set.spawn(async { 5 });
            let (id, v) = poll_fn(|cx| set.poll_join_next_with_id(cx))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((id, v), (abort.id(), 5));
            assert!(poll_fn(|cx| set.poll_join_next(cx)).await.is_none());
        });
    }

    fn abort_all_cancels_every_task() {
        let rt = rt();
        let drops = Counter::new();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..10 {
                set.spawn(pending_counted::<()>(&drops));
            }
            yield_now().await;
            set.abort_all();
            // Still in the set until joined.
            assert_eq!(set.len(), 10);
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                assert!(res.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 10);
        });
        assert_eq!(drops.get(), 10);
    }

    fn abort_all_keeps_outputs_of_finished_tasks() {
        let rt = rt();
        rt.block_on(async {
            let mut set = JoinSet::new();
            let done = set.spawn(async { 1 });
            set.spawn(pending::<i32>());
            yield_until(FLAVOR, 100, || done.is_finished()).await;
            set.abort_all();
            let mut ok = 0;
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                match res {
                    Ok(1) => ok += 1,
                    Err(e) if e.is_cancelled() => cancelled += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!((ok, cancelled), (1, 1));
        });
    }

    fn detach_all_lets_tasks_keep_running() {
        within(SOON, || {
            let rt = rt();
            let finished = Counter::new();
            let drops = Counter::new();
            rt.block_on(async {
                let mut set = JoinSet::new();
                let mut senders = Vec::new();
                for _ in 0..5 {
                    let (tx, rx) = oneshot::channel::<()>();
                    senders.push(tx);
                    let finished = finished.clone();
                    let guard = drops.guard();
                    set.spawn(async move {
                        let _guard = guard;
                        rx.await.unwrap();
                        finished.inc();
                    });
                }
                set.detach_all();
                assert!(set.is_empty());
                assert!(set.join_next().await.is_none());
                drop(set);
                for tx in senders {
                    tx.send(()).unwrap();
                }
                // (On the multi-thread runtime a task's future is dropped by its worker just
                // after its last poll.)
                yield_until(FLAVOR, 1000, || finished.get() == 5 && drops.get() >= 5).await;
            });
            assert_eq!(finished.get(), 5, "detached tasks ran to completion");
            assert_eq!(drops.get(), 5);
        });
    }

    fn shutdown_aborts_and_waits_for_every_task() {
        let rt = rt();
        let drops = Counter::new();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..10 {
                set.spawn(pending_counted::<()>(&drops));
            }
            set.spawn(async {});
            set.shutdown().await;
            assert!(set.is_empty());
            // Every future is gone by the time `shutdown` returns.
            assert_eq!(drops.get(), 10);
            // The set is reusable.
            set.spawn(async {});
            assert!(set.join_next().await.unwrap().is_ok());
        });
    }

    fn dropping_the_set_aborts_its_tasks() {
        let rt = rt();
        let drops = Counter::new();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..20 {
                set.spawn(pending_counted::<()>(&drops));
            }
            yield_now().await;
            assert_eq!(drops.get(), 0);
            drop(set);
            yield_until(FLAVOR, 1000, || drops.get() == 20).await;
            assert_eq!(drops.get(), 20);
        });
    }

    fn extend_and_from_iterator_spawn_every_future() {
        let rt = rt();
        rt.block_on(async {
            let mut set: JoinSet<u64> = (0..10u64).map(|i| async move { i }).collect();
            assert_eq!(set.len(), 10);
            set.extend((10..20u64).map(|i| async move {
                yield_now().await;
                i
            }));
            assert_eq!(set.len(), 20);
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            assert_eq!(sum, (0..20u64).sum::<u64>());

            let default: JoinSet<()> = JoinSet::default();
            assert!(default.is_empty());
            assert!(format!("{default:?}").contains("len"));
        });
    }

    fn spawn_on_and_spawn_blocking_on_work_without_a_context() {
        let rt = rt();
        let mut set = JoinSet::new();
        // Outside any runtime context: only the handle says where the tasks go.
        assert!(Handle::try_current().is_err());
        set.spawn_on(async { 1 }, rt.handle());
        set.spawn_blocking_on(|| 2, rt.handle());
        set.spawn_on(
            async {
                yield_now().await;
                3
            },
            rt.handle(),
        );
        let mut set = rt.block_on(async move {
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            assert_eq!(sum, 6);
            set
        });

        // Inside a task, spawn onto the same runtime through `Handle::current()`.
        rt.block_on(async {
            let handle = Handle::current();
            set.spawn_on(async { 10 }, &handle);
            set.spawn_blocking_on(|| 20, &handle);
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            assert_eq!(sum, 30);
        });
    }

    fn spawn_blocking_runs_closures_on_the_pool() {
        let rt = rt();
        let main_thread = thread::current().id();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..8u64 {
                set.spawn_blocking(move || {
                    thread::sleep(Duration::from_millis(5));
                    (i, thread::current().id())
                });
            }
            let mut seen = HashSet::new();
            while let Some(res) = set.join_next().await {
                let (i, tid) = res.unwrap();
                assert_ne!(tid, main_thread);
                seen.insert(i);
            }
            assert_eq!(seen.len(), 8);
        });
    }

    fn spawn_blocking_panic_is_a_join_error() {
        quiet_expected_panics();
        let rt = rt();
        rt.block_on(async {
            let mut set = JoinSet::<()>::new();
            set.spawn_blocking(|| panic!("{EXPECTED_PANIC} blocking in set"));
            let err = set.join_next().await.unwrap().unwrap_err();
            assert!(err.is_panic());
            assert!(err.to_string().contains("blocking in set"));
        });
    }

    fn dropping_a_join_next_future_loses_no_output() {
        const N: usize = 300;
        within(SOON, || {
            let rt = rt();
            let outputs = rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..N {
                    set.spawn(async move {
                        yield_n(i % 7).await;
                        i
                    });
                }
                let mut outputs = Vec::new();
                let mut round = 0usize;
                loop {
                    round += 1;
                    // Spend a varying part of the budget first, so that the `JoinHandle`s inside
                    // sometimes find it exhausted.
                    for _ in 0..(round * 37) % 200 {
                        coop::consume_budget().await;
                    }
                    let mut fut = pin!(set.join_next());
                    match poll_once(&mut fut).await {
                        Poll::Ready(Some(res)) => outputs.push(res.unwrap()),
                        Poll::Ready(None) => break,
                        // Dropped while pending: nothing may be lost.
                        Poll::Pending => yield_now().await,
                    }
                    assert!(round < 1_000_000, "join_next never finished");
                }
                outputs
            });
            let mut sorted = outputs.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..N).collect::<Vec<_>>(),
                "each output exactly once"
            );
        });
    }

    fn join_next_in_a_select_like_loop_with_dropped_futures() {
        // A `select!`-style loop: the `join_next` future is dropped whenever the other branch
        // wins, and rebuilt on the next iteration.
        within(SOON, || {
            let rt = rt();
            let total = rt.block_on(async {
                let mut set = JoinSet::new();
                let (tx, rx) = oneshot::channel::<()>();
                let tx = Arc::new(Mutex::new(Some(tx)));
                for i in 0..50u64 {
                    let tx = tx.clone();
                    set.spawn(async move {
                        yield_n((i % 5) as usize).await;
                        if i == 49 {
                            if let Some(tx) = tx.lock().take() {
                                let _ = tx.send(());
                            }
                        }
                        i
                    });
                }
                let mut rx = rx;
                let mut total = 0;
                let mut got = 0;
                let mut ticks = 0;
                while got < 50 {
                    ticks += 1;
                    let mut next = pin!(set.join_next());
                    let mut tick = pin!(yield_now());
                    poll_fn(|cx| {
                        if let Poll::Ready(Some(res)) = next.as_mut().poll(cx) {
                            total += res.unwrap();
                            got += 1;
                            return Poll::Ready(());
                        }
                        if !rx.is_terminated() {
                            let _ = std::pin::Pin::new(&mut rx).poll(cx);
                        }
                        tick.as_mut().poll(cx)
                    })
                    .await;
                    assert!(ticks < 1_000_000);
                }
                assert!(set.is_empty());
                total
            });
            assert_eq!(total, (0..50u64).sum::<u64>());
        });
    }

    fn try_join_next_ignores_an_exhausted_budget() {
        // `try_join_next` cannot yield, so it must not let the cooperative budget hide a task
        // that has finished (tokio polls the handles unconstrained there).
        let rt = rt();
        let got = rt.block_on(async {
            runtime::spawn(async {
                let mut set = JoinSet::new();
                let done = set.spawn(async { 7 });
                while !done.is_finished() {
                    yield_now().await;
                }
                // Spend the whole budget of this poll without yielding.
                while coop::has_budget_remaining() {
                    coop::consume_budget().await;
                }
                set.try_join_next().map(Result::unwrap)
            })
            .await
            .unwrap()
        });
        assert_eq!(got, Some(7));
    }

    fn join_set_outlives_its_runtime() {
        let rt = rt();
        let drops = Counter::new();
        let mut set = JoinSet::new();
        for _ in 0..5 {
            set.spawn_on(pending_counted::<u32>(&drops), rt.handle());
        }
        let finished = set.spawn_on(async { 1 }, rt.handle());
        rt.block_on(yield_until(FLAVOR, 3, || finished.is_finished()));
        drop(rt);
        assert_eq!(drops.get(), 5);
        // Joined on another runtime: the finished task's output, then cancellations.
        let (ok, cancelled) = current_thread_rt().block_on(async move {
            let (mut ok, mut cancelled) = (0, 0);
            while let Some(res) = set.join_next().await {
                match res {
                    Ok(1) => ok += 1,
                    Err(e) if e.is_cancelled() => cancelled += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            (ok, cancelled)
        });
        assert_eq!((ok, cancelled), (1, 5));
    }

    fn join_next_over_many_finished_tasks_yields_to_other_tasks() {
        // One worker on the multi-thread runtime: with two, the other task may be taken by
        // the other worker, which the OS may then not run until the loop is over; only the
        // budget would be tested by chance.
        let rt = builder().worker_threads(1).build().unwrap();
        let seen_at = rt.block_on(async {
            runtime::spawn(async {
                let mut set = JoinSet::new();
                let handles: Vec<_> = (0..1000).map(|i| set.spawn(async move { i })).collect();
                while !handles.iter().all(|h| h.is_finished()) {
                    yield_now().await;
                }
                let flag = Arc::new(AtomicBool::new(false));
                let f = flag.clone();
                drop(runtime::spawn(async move { f.store(true, SeqCst) }));
                let mut n = 0;
                let mut seen_at = None;
                while let Some(res) = set.join_next().await {
                    res.unwrap();
                    n += 1;
                    if seen_at.is_none() && flag.load(SeqCst) {
                        seen_at = Some(n);
                    }
                }
                assert_eq!(n, 1000);
                seen_at
            })
            .await
            .unwrap()
        });
        let n = seen_at.expect("join_next never yielded while every task was ready");
        assert!(n < 1000);
    }
}

/// The waker a new poll replaces is dropped outside the set's lock: here its destructor runs
/// the runtime, which completes the task and takes that lock to report it.
#[test]
fn a_replaced_waker_is_dropped_outside_the_sets_lock() {
    use std::task::{Context, Wake, Waker};

    struct RunsTheRuntimeOnDrop(runtime::runtime::Runtime);

    impl Wake for RunsTheRuntimeOnDrop {
        fn wake(self: Arc<Self>) {}
    }

    impl Drop for RunsTheRuntimeOnDrop {
        fn drop(&mut self) {
            self.0.block_on(yield_now());
        }
    }

    within(SOON, || {
        let rt = current_thread_rt();
        let mut set = JoinSet::new();
        set.spawn_on(async { 42 }, rt.handle());
        let waker = Waker::from(Arc::new(RunsTheRuntimeOnDrop(rt)));
        assert!(set
            .poll_join_next(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        // The set still holds the first waker; this poll replaces (and drops) it.
        let noop = Waker::noop();
        assert!(set
            .poll_join_next(&mut Context::from_waker(noop))
            .is_pending());
        assert_eq!(set.try_join_next().unwrap().unwrap(), 42);
    });
}
