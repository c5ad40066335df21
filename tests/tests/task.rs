//! Tasks: `JoinHandle`, `AbortHandle`, `JoinError`, task ids, panics, detaching, wakes.
//!
//! Every test runs on both flavors (`both_flavors!`).

use std::collections::HashSet;
use std::error::Error;
use std::future::{pending, Future};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;
use runtime::runtime::Handle;
use runtime::sync::oneshot;
use runtime::task::{self, yield_now, AbortHandle, Id, JoinError, JoinHandle};
use runtime_tests::{
    both_flavors, current_thread_rt, hold_workers, panic_message, pending_counted,
    quiet_expected_panics, settle, within, yield_n, yield_until, Counter, Flavor, PollCounted,
    Signal, EXPECTED_PANIC, SOON,
};

/// Panics when dropped (with a message the quiet hook does not print).
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("{EXPECTED_PANIC} {}", self.0);
    }
}

fn rt2_ids(flavor: Flavor, n: usize) -> Vec<Id> {
    let rt = flavor.rt();
    rt.block_on(async move {
        let mut ids = Vec::new();
        for _ in 0..n {
            ids.push(runtime::spawn(async {}).id());
        }
        ids
    })
}

/// Counts its polls and keeps the last waker; completes once `done` is set.
struct CountPolls {
    polls: Arc<AtomicUsize>,
    waker: Arc<Mutex<Option<Waker>>>,
    done: Arc<AtomicBool>,
}

impl Future for CountPolls {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, SeqCst);
        *self.waker.lock() = Some(cx.waker().clone());
        if self.done.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

both_flavors! {
    fn join_handle_returns_the_output() {
        let rt = rt();
        let out = rt.block_on(async {
            let a = runtime::spawn(async { 1u8 });
            let b = runtime::spawn(async {
                yield_now().await;
                vec![1, 2, 3]
            });
            let c = runtime::spawn(async { String::from("three") });
            (a.await.unwrap(), b.await.unwrap(), c.await.unwrap())
        });
        assert_eq!(out, (1, vec![1, 2, 3], "three".to_string()));
    }

    fn abort_before_start_cancels_and_never_runs() {
        let rt = rt();
        let ran = Arc::new(AtomicBool::new(false));
        let drops = Counter::new();

        // Spawned from outside `block_on`: it cannot have started (on the multi-thread
        // runtime because every worker is held busy until after the abort).
        let held = hold_workers(rt.handle(), FLAVOR);
        let ran2 = ran.clone();
        let h = rt.spawn(runtime_tests::CountDrops::new(
            async move { ran2.store(true, SeqCst) },
            &drops,
        ));
        h.abort();
        held.release();
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_cancelled());
        assert!(!err.is_panic());
        assert!(!ran.load(SeqCst));
        assert_eq!(drops.get(), 1);

        // Spawned and aborted within one poll of `block_on`.
        let ran2 = ran.clone();
        let handle = rt.handle().clone();
        let err = rt
            .block_on(async move {
                let held = hold_workers(&handle, FLAVOR);
                let h = runtime::spawn(async move { ran2.store(true, SeqCst) });
                h.abort();
                held.release();
                h.await
            })
            .unwrap_err();
        assert!(err.is_cancelled());
        assert!(!ran.load(SeqCst));
    }

    fn abort_while_pending_drops_the_future() {
        let rt = rt();
        let drops = Counter::new();
        let started = Arc::new(AtomicBool::new(false));
        let (err, finished_after) = rt.block_on({
            let drops = drops.clone();
            let started = started.clone();
            async move {
                let (s, d) = (started.clone(), drops.clone());
                let h = runtime::spawn(async move {
                    s.store(true, SeqCst);
                    pending_counted::<()>(&d).await
                });
                yield_until(FLAVOR, 100, || started.load(SeqCst)).await;
                assert!(!h.is_finished());
                assert_eq!(drops.get(), 0);
                h.abort();
                // Aborting twice is harmless.
                h.abort();
                let abort = h.abort_handle();
                let err = h.await.unwrap_err();
                (err, abort.is_finished())
            }
        });
        assert!(err.is_cancelled());
        assert!(finished_after);
        assert_eq!(drops.get(), 1);
    }

    fn abort_after_completion_keeps_the_output() {
        let rt = rt();
        let out = rt.block_on(async {
            let h = runtime::spawn(async { 5 });
            yield_until(FLAVOR, 100, || h.is_finished()).await;
            h.abort();
            h.await
        });
        assert_eq!(out.unwrap(), 5);
    }

    fn abort_from_another_thread_cancels_a_pending_task() {
        within(SOON, || {
            let rt = rt();
            let drops = Counter::new();
            let signal = Signal::new();
            let h = rt.spawn({
                let drops = drops.clone();
                let signal = signal.clone();
                async move {
                    let _guard = drops.guard();
                    signal.wait().await;
                    "not reached"
                }
            });
            let abort = h.abort_handle();
            let err = rt.block_on(async move {
                let t = thread::spawn(move || {
                    thread::sleep(Duration::from_millis(20));
                    abort.abort();
                });
                let res = h.await;
                t.join().unwrap();
                res
            });
            assert!(err.unwrap_err().is_cancelled());
            assert_eq!(drops.get(), 1);
        });
    }

    fn a_task_that_aborts_itself_stops_at_its_next_yield() {
        let rt = rt();
        let after = Arc::new(AtomicBool::new(false));
        let drops = Counter::new();
        let res = rt.block_on({
            let after = after.clone();
            let drops = drops.clone();
            async move {
                let (tx, rx) = oneshot::channel::<AbortHandle>();
                let h = runtime::spawn(async move {
                    let _guard = drops.guard();
                    let me = rx.await.unwrap();
                    me.abort();
                    yield_now().await;
                    after.store(true, SeqCst);
                });
                tx.send(h.abort_handle()).unwrap();
                h.await
            }
        });
        assert!(res.unwrap_err().is_cancelled());
        assert!(!after.load(SeqCst));
        assert_eq!(drops.get(), 1);
    }

    fn is_finished_tracks_completion() {
        let rt = rt();
        rt.block_on(async {
            let signal = Signal::new();
            let h = runtime::spawn(signal.wait());
            yield_n(3).await;
            assert!(!h.is_finished());
            signal.fire();
            yield_until(FLAVOR, 100, || h.is_finished()).await;
            assert!(h.is_finished());
            h.await.unwrap();

            let h = runtime::spawn(async { panic!("{EXPECTED_PANIC} finished by panic") });
            quiet_expected_panics();
            yield_until(FLAVOR, 100, || h.is_finished()).await;
            assert!(h.await.unwrap_err().is_panic());
        });
    }

    fn abort_handle_aborts_reports_and_clones() {
        let rt = rt();
        let drops = Counter::new();
        rt.block_on({
            let drops = drops.clone();
            async move {
                let h = runtime::spawn(pending_counted::<()>(&drops));
                let a1 = h.abort_handle();
                let a2 = a1.clone();
                assert_eq!(a1.id(), h.id());
                assert_eq!(a2.id(), h.id());
                assert!(!a1.is_finished());
                assert!(format!("{a1:?}").contains(&h.id().to_string()));

                a2.abort();
                drop(a2);
                let err = h.await.unwrap_err();
                assert!(err.is_cancelled());
                assert!(a1.is_finished());
                assert_eq!(drops.get(), 1);
            }
        });
    }

    fn dropping_an_abort_handle_does_not_abort() {
        let rt = rt();
        let out = rt.block_on(async {
            let h = runtime::spawn(async {
                yield_n(3).await;
                11
            });
            drop(h.abort_handle());
            drop(h.abort_handle().clone());
            h.await
        });
        assert_eq!(out.unwrap(), 11);
    }

    fn abort_handle_outlives_the_task_and_the_runtime() {
        let rt = rt();
        let abort = rt.block_on(async {
            let h = runtime::spawn(async { 1 });
            let abort = h.abort_handle();
            h.await.unwrap();
            abort
        });
        assert!(abort.is_finished());
        drop(rt);
        // Still valid: aborting a finished task is a no-op.
        abort.abort();
        assert!(abort.is_finished());
    }

    fn join_handle_id_matches_task_id_inside() {
        let rt = rt();
        rt.block_on(async {
            for _ in 0..10 {
                let h = runtime::spawn(async {
                    let before = task::id();
                    yield_now().await;
                    assert_eq!(task::try_id(), Some(before));
                    before
                });
                let id = h.id();
                assert_eq!(h.await.unwrap(), id);
            }
        });
    }

    fn try_id_is_none_outside_a_task() {
        assert_eq!(task::try_id(), None);
        thread::spawn(|| assert_eq!(task::try_id(), None))
            .join()
            .unwrap();
        let rt = rt();
        // `block_on`'s own future is not a task.
        assert_eq!(rt.block_on(async { task::try_id() }), None);
        let after_task = rt.block_on(async {
            runtime::spawn(async {}).await.unwrap();
            task::try_id()
        });
        assert_eq!(
            after_task, None,
            "the id must not leak out of a task's poll"
        );
    }

    fn task_ids_are_unique() {
        let rt = rt();
        let ids = rt.block_on(async {
            let mut ids = HashSet::new();
            let mut handles = Vec::new();
            for _ in 0..1000 {
                handles.push(runtime::spawn(async { task::id() }));
            }
            for _ in 0..10 {
                let h = runtime::task::spawn_blocking(|| ());
                assert!(ids.insert(h.id()));
                h.await.unwrap();
            }
            for h in handles {
                let id = h.id();
                assert!(ids.insert(id), "duplicate id {id}");
                assert_eq!(h.await.unwrap(), id);
            }
            ids
        });
        assert_eq!(ids.len(), 1010);
        // Another runtime does not reuse them.
        let other: Vec<Id> = rt2_ids(FLAVOR, 100);
        assert!(other.iter().all(|id| !ids.contains(id)));
    }

    fn task_id_is_available_in_the_futures_and_outputs_destructors() {
        #[derive(Clone, Default)]
        struct RecordId(Arc<Mutex<Vec<Option<Id>>>>);
        impl Drop for RecordId {
            fn drop(&mut self) {
                self.0.lock().push(task::try_id());
            }
        }
        fn last(r: &RecordId) -> Option<Option<Id>> {
            r.0.lock().last().copied()
        }

        let rt = rt();
        rt.block_on(async {
            // The future, dropped on abort.
            let record = RecordId::default();
            let r = record.clone();
            let h = runtime::spawn(async move {
                let _r = r;
                pending::<()>().await
            });
            yield_now().await;
            let id = h.id();
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            assert_eq!(last(&record), Some(Some(id)));

            // The future, dropped when it completes.
            let record = RecordId::default();
            let r = record.clone();
            let h = runtime::spawn(async move {
                let _r = r;
                yield_now().await;
            });
            let id = h.id();
            h.await.unwrap();
            assert_eq!(last(&record), Some(Some(id)));

            // The output, dropped by the runtime (handle dropped before completion).
            let record = RecordId::default();
            let r = record.clone();
            let h = runtime::spawn(async move {
                yield_now().await;
                r
            });
            let id = h.id();
            let abort = h.abort_handle();
            drop(h);
            // (On the multi-thread runtime a worker drops it just after the task is seen
            // finished.)
            yield_until(FLAVOR, 100, || last(&record).is_some()).await;
            assert!(abort.is_finished());
            assert_eq!(last(&record), Some(Some(id)));

            // The output, dropped with the handle after completion.
            let record = RecordId::default();
            let r = record.clone();
            let h = runtime::spawn(async move { r });
            let id = h.id();
            while !h.is_finished() {
                yield_now().await;
            }
            drop(h);
            assert_eq!(last(&record), Some(Some(id)));
        });
    }

    fn panic_becomes_join_error_with_message_id_and_payload() {
        quiet_expected_panics();
        let rt = rt();
        let (err, id) = rt.block_on(async {
            let h = runtime::spawn(async {
                yield_now().await;
                panic!("{EXPECTED_PANIC} kaboom-1234");
            });
            let id = h.id();
            (h.await.unwrap_err(), id)
        });
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert_eq!(err.id(), id);
        let display = err.to_string();
        assert!(display.contains("kaboom-1234"), "{display}");
        assert!(display.contains(&id.to_string()), "{display}");
        let debug = format!("{err:?}");
        assert!(debug.contains("kaboom-1234"), "{debug}");
        let payload = err.into_panic();
        assert_eq!(
            panic_message(&*payload).as_deref(),
            Some(&*format!("{EXPECTED_PANIC} kaboom-1234"))
        );

        // A `&'static str` payload, through `try_into_panic`.
        let err = rt
            .block_on(async {
                runtime::spawn(async { panic!("[expected panic] static str") }).await
            })
            .unwrap_err();
        let payload = err.try_into_panic().unwrap();
        assert_eq!(
            *payload.downcast::<&'static str>().unwrap(),
            "[expected panic] static str"
        );
    }

    fn panic_with_a_non_string_payload() {
        quiet_expected_panics();
        let rt = rt();
        let h = rt.spawn(async { std::panic::panic_any(42u32) });
        let id = h.id();
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains(&id.to_string()));
        assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 42);
    }

    fn cancelled_join_error_display_and_try_into_panic() {
        let rt = rt();
        let h = rt.spawn(pending::<()>());
        let id = h.id();
        h.abort();
        let err = rt.block_on(h).unwrap_err();
        assert_eq!(err.id(), id);
        let display = err.to_string();
        assert!(display.contains("cancel"), "{display}");
        assert!(display.contains(&id.to_string()), "{display}");
        let err = err.try_into_panic().unwrap_err();
        assert!(err.is_cancelled());
    }

    fn panicking_task_does_not_stop_the_runtime() {
        quiet_expected_panics();
        let rt = rt();
        let out = rt.block_on(async {
            let bad = runtime::spawn(async { panic!("{EXPECTED_PANIC} one bad task") });
            let good = runtime::spawn(async {
                yield_n(5).await;
                "good"
            });
            assert!(bad.await.unwrap_err().is_panic());
            good.await.unwrap()
        });
        assert_eq!(out, "good");
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    }

    fn panic_in_drop_during_abort_is_reported_and_the_runtime_keeps_running() {
        quiet_expected_panics();
        let rt = rt();
        let err = rt.block_on(async {
            let guard = PanicOnDrop("drop panic on abort");
            let h = runtime::spawn(async move {
                let _guard = guard;
                pending::<()>().await
            });
            yield_n(2).await;
            h.abort();
            h.await.unwrap_err()
        });
        assert!(err.is_panic(), "{err:?}");
        assert!(err.to_string().contains("drop panic on abort"), "{err}");
        // The runtime still runs tasks.
        let out = rt.block_on(async { runtime::spawn(async { 3 }).await.unwrap() });
        assert_eq!(out, 3);
    }

    fn panic_in_drop_during_shutdown_is_reported() {
        quiet_expected_panics();
        let rt = rt();
        let drops = Counter::new();
        let (bad, good) = rt.block_on({
            let drops = drops.clone();
            async move {
                let guard = PanicOnDrop("drop panic at shutdown");
                let bad = runtime::spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                });
                let good = runtime::spawn(pending_counted::<()>(&drops));
                yield_now().await;
                (bad, good)
            }
        });
        // Dropping the runtime must neither panic nor skip the other tasks.
        drop(rt);
        assert_eq!(drops.get(), 1);
        assert!(bad.is_finished());
        let rt2 = current_thread_rt();
        let err = rt2.block_on(bad).unwrap_err();
        assert!(err.is_panic(), "{err:?}");
        assert!(err.to_string().contains("drop panic at shutdown"));
        assert!(rt2.block_on(good).unwrap_err().is_cancelled());
    }

    fn panic_in_the_outputs_drop_is_contained() {
        quiet_expected_panics();
        let rt = rt();
        rt.block_on(async {
            // Detached: the runtime drops the output.
            drop(runtime::spawn(async { PanicOnDrop("detached output") }));
            // Joined-interest dropped after completion: the handle drops the output.
            let h = runtime::spawn(async { PanicOnDrop("output dropped with its handle") });
            yield_until(FLAVOR, 100, || h.is_finished()).await;
            drop(h);
            yield_n(3).await;
        });
        assert_eq!(rt.block_on(rt.spawn(async { 4 })).unwrap(), 4);
    }

    fn panic_in_drop_after_completion_is_reported_as_panic() {
        // The future completes, then panics while being dropped: its output is gone and the
        // handle reports the panic.
        quiet_expected_panics();
        let rt = rt();
        let err = rt.block_on(async {
            let guard = PanicOnDrop("drop panic after ready");
            runtime::spawn(async move {
                let _keep = &guard;
                yield_now().await;
                7
            })
            .await
            .unwrap_err()
        });
        assert!(err.is_panic());
        assert!(err.to_string().contains("drop panic after ready"));
    }

    fn dropping_the_join_handle_detaches_the_task() {
        within(SOON, || {
            let rt = rt();
            let done = Counter::new();
            let value = rt.block_on({
                let done = done.clone();
                async move {
                    let (tx, rx) = oneshot::channel();
                    let h = runtime::spawn(async move {
                        yield_n(10).await;
                        done.inc();
                        tx.send("finished while detached").unwrap();
                    });
                    drop(h);
                    rx.await.unwrap()
                }
            });
            assert_eq!(value, "finished while detached");
            assert_eq!(done.get(), 1);

            // Detached before it ever ran, from outside the runtime.
            let (tx, rx) = oneshot::channel();
            drop(rt.spawn(async move { tx.send(5).unwrap() }));
            assert_eq!(rt.block_on(rx).unwrap(), 5);
        });
    }

    fn detached_output_is_dropped_exactly_once() {
        let rt = rt();
        let drops = Counter::new();
        rt.block_on({
            let drops = drops.clone();
            async move {
                let h = runtime::spawn({
                    let drops = drops.clone();
                    async move { drops.guard() }
                });
                drop(h);
                yield_until(FLAVOR, 5, || drops.get() >= 1).await;
                settle(FLAVOR).await;
                assert_eq!(drops.get(), 1);

                // Dropped after completion, with the output unread.
                let h = runtime::spawn({
                    let drops = drops.clone();
                    async move { drops.guard() }
                });
                yield_until(FLAVOR, 100, || h.is_finished()).await;
                assert_eq!(drops.get(), 1);
                drop(h);
                assert_eq!(drops.get(), 2);
            }
        });
    }

    fn join_error_converts_to_io_error() {
        fn assert_error<E: Error + Send + Sync + 'static>() {}
        assert_error::<JoinError>();

        let rt = rt();
        let h = rt.spawn(pending::<()>());
        h.abort();
        let err = rt.block_on(h).unwrap_err();
        let msg = err.to_string();
        let io_err: io::Error = err.into();
        assert_eq!(io_err.kind(), io::ErrorKind::Other);
        assert_eq!(io_err.to_string(), msg);

        // `?` works in a function returning `io::Result`.
        fn join_to_io(res: Result<u8, JoinError>) -> io::Result<u8> {
            Ok(res?)
        }
        quiet_expected_panics();
        let res =
            rt.block_on(async { runtime::spawn(async { panic!("[expected panic] io") }).await });
        let io_err = join_to_io(res.map(|()| 0)).unwrap_err();
        assert!(io_err.to_string().contains("io"));
    }

    fn many_wakes_before_a_poll_cause_one_poll() {
        let rt = rt();
        let polls = Arc::new(AtomicUsize::new(0));
        let waker = Arc::new(Mutex::new(None));
        let done = Arc::new(AtomicBool::new(false));
        rt.block_on({
            let (polls, waker, done) = (polls.clone(), waker.clone(), done.clone());
            async move {
                let h = runtime::spawn(CountPolls {
                    polls: polls.clone(),
                    waker: waker.clone(),
                    done: done.clone(),
                });
                yield_until(FLAVOR, 100, || polls.load(SeqCst) == 1).await;
                settle(FLAVOR).await;
                assert_eq!(polls.load(SeqCst), 1, "polled without a wake");

                for batch in 0..3 {
                    // On the multi-thread runtime, keep the workers from polling the task in
                    // the middle of the batch (which would rightly take a second poll).
                    let held = hold_workers(&Handle::current(), FLAVOR);
                    let w = waker.lock().clone().unwrap();
                    for _ in 0..100 {
                        w.wake_by_ref();
                    }
                    for _ in 0..100 {
                        let owned = w.clone();
                        owned.wake();
                    }
                    held.release();
                    yield_until(FLAVOR, 5, || polls.load(SeqCst) > 1 + batch).await;
                    settle(FLAVOR).await;
                    assert_eq!(polls.load(SeqCst), 2 + batch, "one poll per batch of wakes");
                }

                done.store(true, SeqCst);
                let w = waker.lock().clone().unwrap();
                w.wake();
                h.await.unwrap();
            }
        });
        assert_eq!(polls.load(SeqCst), 5);
        // Waking a finished task (its runtime gone, even) does nothing harmful.
        let w = waker.lock().take().unwrap();
        drop(rt);
        w.wake_by_ref();
        w.wake();
    }

    fn task_woken_from_another_thread_runs() {
        within(SOON, || {
            let rt = rt();
            let out = rt.block_on(async {
                let mut handles = Vec::new();
                let mut threads = Vec::new();
                for i in 0..8u32 {
                    let signal = Signal::new();
                    threads.push(signal.fire_later(Duration::from_millis(5)));
                    handles.push(runtime::spawn(async move {
                        signal.wait().await;
                        i
                    }));
                }
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                for t in threads {
                    t.join().unwrap();
                }
                sum
            });
            assert_eq!(out, (0..8).sum::<u32>());
        });
    }

    fn task_woken_concurrently_from_many_threads_completes() {
        within(SOON, || {
            let rt = rt();
            let polls = Arc::new(AtomicUsize::new(0));
            let waker: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
            let done = Arc::new(AtomicBool::new(false));
            rt.block_on(async move {
                let h = runtime::spawn(CountPolls {
                    polls: polls.clone(),
                    waker: waker.clone(),
                    done: done.clone(),
                });
                yield_until(FLAVOR, 100, || polls.load(SeqCst) >= 1).await;
                let threads: Vec<_> = (0..4)
                    .map(|t| {
                        let waker = waker.clone();
                        let done = done.clone();
                        thread::spawn(move || {
                            for i in 0..2_000 {
                                if t == 0 && i == 1_000 {
                                    done.store(true, SeqCst);
                                }
                                let w = waker.lock().clone().unwrap();
                                w.wake();
                            }
                        })
                    })
                    .collect();
                // Completes once `done` is set and a later wake gets it polled.
                h.await.unwrap();
                for t in threads {
                    t.join().unwrap();
                }
                assert!(polls.load(SeqCst) >= 2);
            });
        });
    }

    fn join_handle_is_send_sync_unpin_and_debug() {
        fn assert_traits<T: Send + Sync + Unpin + std::fmt::Debug>() {}
        assert_traits::<JoinHandle<u32>>();
        assert_traits::<AbortHandle>();
        let rt = rt();
        let h = rt.spawn(async { 1 });
        let debug = format!("{h:?}");
        assert!(debug.contains(&h.id().to_string()), "{debug}");
        assert_eq!(rt.block_on(h).unwrap(), 1);
    }

    fn join_handle_moved_to_another_waiter_wakes_the_new_one() {
        within(SOON, || {
            let rt = rt();
            let out = rt.block_on(async {
                let signal = Signal::new();
                let mut h = runtime::spawn({
                    let signal = signal.clone();
                    async move {
                        signal.wait().await;
                        "woke the right waiter"
                    }
                });
                // Registers `block_on`'s waker with the task...
                assert!(runtime_tests::poll_once(&mut h).await.is_pending());
                // ...then hands the handle to a task, which registers its own.
                let polls = Counter::new();
                let waiter =
                    runtime::spawn(PollCounted::new(async move { h.await.unwrap() }, &polls));
                yield_until(FLAVOR, 3, || polls.get() >= 1).await;
                assert!(!waiter.is_finished());
                let t = thread::spawn(move || signal.fire());
                let out = waiter.await.unwrap();
                t.join().unwrap();
                out
            });
            assert_eq!(out, "woke the right waiter");
        });
    }

    fn large_futures_can_be_spawned_and_joined() {
        // Futures above the boxing threshold take another path into their task.
        async fn big(seed: u8) -> usize {
            let buf = [seed; 24 * 1024];
            yield_now().await;
            buf.iter().map(|b| *b as usize).sum()
        }

        let rt = rt();
        let expected = |seed: u8| seed as usize * 24 * 1024;
        assert_eq!(rt.block_on(big(1)), expected(1));
        let outside = rt.spawn(big(2));
        let through_handle = rt.handle().spawn(big(3));
        let sum = rt.block_on(async move {
            let inside = runtime::spawn(big(4));
            let mut set = runtime::task::JoinSet::new();
            set.spawn(big(5));
            inside.await.unwrap()
                + outside.await.unwrap()
                + through_handle.await.unwrap()
                + set.join_next().await.unwrap().unwrap()
        });
        assert_eq!(sum, expected(2) + expected(3) + expected(4) + expected(5));
    }

    fn abort_never_drops_the_future_inside_the_call() {
        type Seen = Arc<Mutex<Option<(thread::ThreadId, Option<String>)>>>;
        struct RecordThread(Seen);
        impl Drop for RecordThread {
            fn drop(&mut self) {
                let me = thread::current();
                *self.0.lock() = Some((me.id(), me.name().map(str::to_owned)));
            }
        }

        within(SOON, || {
            let rt = rt();
            let handle = rt.handle().clone();
            let runtime_thread = thread::current().id();
            rt.block_on(async {
                // Same thread: the drop happens when the scheduler gets to the task. (On the
                // multi-thread runtime the workers are held meanwhile, so that none of them
                // can get to it before the check.)
                let drops = Counter::new();
                let h = runtime::spawn(pending_counted::<()>(&drops));
                yield_n(2).await;
                let held = hold_workers(&handle, FLAVOR);
                h.abort();
                assert_eq!(drops.get(), 0, "dropped inside `abort`");
                held.release();
                assert!(h.await.unwrap_err().is_cancelled());
                assert_eq!(drops.get(), 1);

                // Another thread: the future is still dropped on a runtime thread.
                let seen: Seen = Arc::new(Mutex::new(None));
                let record = RecordThread(seen.clone());
                let h = runtime::spawn(async move {
                    let _record = record;
                    pending::<()>().await
                });
                yield_n(2).await;
                let held = hold_workers(&handle, FLAVOR);
                let abort = h.abort_handle();
                let aborter = thread::spawn(move || {
                    abort.abort();
                    thread::current().id()
                })
                .join()
                .unwrap();
                assert!(seen.lock().is_none(), "dropped inside `abort`");
                held.release();
                assert!(h.await.unwrap_err().is_cancelled());
                let (dropped_on, name) = seen.lock().clone().expect("the future was dropped");
                assert_ne!(dropped_on, aborter);
                match FLAVOR {
                    Flavor::CurrentThread => assert_eq!(dropped_on, runtime_thread),
                    Flavor::MultiThread => {
                        assert_ne!(dropped_on, runtime_thread);
                        assert_eq!(name.as_deref(), Some("runtime-worker"), "on a worker");
                    }
                }
            });
        });
    }
}
