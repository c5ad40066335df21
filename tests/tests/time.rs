//! Timers: `sleep`, `timeout`, `interval`, on both flavors; the paused clock (including on
//! the multi-thread runtime); misuse.
//!
//! Real-time tests check "never early" exactly and "not too late" with generous bounds (a
//! loaded 2-core machine is slow); the wheel's levels and long deadlines are tested with the
//! paused clock.

use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use parking_lot::Mutex;
use runtime::runtime::Builder;
use runtime::sync::oneshot;
use runtime::task::yield_now;
use runtime::time::{
    self, interval, interval_at, sleep, sleep_until, timeout, timeout_at, Instant,
    MissedTickBehavior,
};
use runtime_tests::{both_flavors, within, Flavor};

/// How late a real-time timer may be before the test calls it a bug.
const LATE: Duration = Duration::from_secs(2);
const LIMIT: Duration = Duration::from_secs(60);

fn paused(flavor: Flavor) -> runtime::runtime::Runtime {
    flavor
        .builder()
        .start_paused(true)
        .build()
        .expect("building the runtime")
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Polls `f` once, returning whether it was ready.
async fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *f).poll(cx))).await
}

both_flavors! {
    fn sleep_is_never_early_and_not_very_late() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                for ms in [0u64, 1, 3, 10, 25] {
                    let d = Duration::from_millis(ms);
                    let start = std::time::Instant::now();
                    sleep(d).await;
                    let took = start.elapsed();
                    assert!(took >= d, "{d:?} sleep took only {took:?}");
                    assert!(took < d + LATE, "{d:?} sleep took {took:?}");
                }
            })
        });
    }

    fn sleep_in_spawned_tasks_fires_in_deadline_order() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                let order = Arc::new(Mutex::new(Vec::new()));
                let mut tasks = Vec::new();
                for (i, ms) in [40u64, 10, 30, 0, 20].into_iter().enumerate() {
                    let order = order.clone();
                    let deadline = Instant::now() + Duration::from_millis(ms);
                    tasks.push(runtime::spawn(async move {
                        sleep_until(deadline).await;
                        assert!(Instant::now() >= deadline, "woke before the deadline");
                        order.lock().push(i);
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
                assert_eq!(*order.lock(), vec![3, 1, 4, 2, 0]);
            })
        });
    }

    fn a_dropped_sleep_never_wakes_its_task() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                let polls = Arc::new(AtomicUsize::new(0));
                let counted = polls.clone();
                let task = runtime::spawn(async move {
                    let mut s = Box::pin(sleep(Duration::from_millis(20)));
                    // Register, then drop: the timer is cancelled.
                    poll_fn(|cx| {
                        counted.fetch_add(1, SeqCst);
                        assert!(s.as_mut().poll(cx).is_pending());
                        Poll::Ready(())
                    })
                    .await;
                    drop(s);
                    // Wait on something that never comes; a late wake from the dropped timer
                    // would poll us again.
                    poll_fn(|_| {
                        counted.fetch_add(1, SeqCst);
                        Poll::<()>::Pending
                    })
                    .await;
                });
                sleep(Duration::from_millis(100)).await;
                assert_eq!(polls.load(SeqCst), 2, "the cancelled timer woke the task");
                task.abort();
            })
        });
    }

    fn reset_moves_the_deadline_both_ways() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                // Later, while pending (the lock-free path).
                let start = Instant::now();
                let mut s = Box::pin(sleep(Duration::from_millis(5)));
                assert!(poll_once(&mut s).await.is_pending());
                s.as_mut().reset(start + Duration::from_millis(60));
                s.as_mut().await;
                assert!(start.elapsed() >= Duration::from_millis(60));
                assert!(s.is_elapsed());

                // Earlier, while pending.
                let start = Instant::now();
                let mut s = Box::pin(sleep(Duration::from_secs(3600)));
                assert!(poll_once(&mut s).await.is_pending());
                s.as_mut().reset(start + Duration::from_millis(10));
                s.as_mut().await;
                assert!(start.elapsed() < LATE);

                // After it fired: pending again until the new deadline.
                let again = Instant::now() + Duration::from_millis(20);
                s.as_mut().reset(again);
                assert!(!s.is_elapsed());
                assert_eq!(s.deadline(), again);
                s.as_mut().await;
                assert!(Instant::now() >= again);

                // Before the first poll: no registration until then.
                let mut s = Box::pin(sleep(Duration::from_secs(3600)));
                s.as_mut().reset(Instant::now());
                s.as_mut().await;
            })
        });
    }

    fn timeout_of_ready_and_pending_futures() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                // Ready at once: completes even with a zero duration.
                assert_eq!(timeout(Duration::ZERO, async { 7 }).await, Ok(7));
                // Ready before the deadline.
                let (tx, rx) = oneshot::channel();
                runtime::spawn(async move {
                    sleep(Duration::from_millis(5)).await;
                    tx.send(1).unwrap();
                });
                assert_eq!(timeout(Duration::from_secs(30), rx).await, Ok(Ok(1)));
                // Never ready: the deadline wins, not early.
                let (_tx, rx) = oneshot::channel::<()>();
                let start = std::time::Instant::now();
                let err = timeout(Duration::from_millis(20), rx).await.unwrap_err();
                assert!(start.elapsed() >= Duration::from_millis(20));
                assert_eq!(err.to_string(), "deadline has elapsed");
                let io: std::io::Error = err.into();
                assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
                // timeout_at, and the accessors.
                let mut t = timeout_at(Instant::now() + Duration::from_secs(5), std::future::ready(3));
                assert_eq!(t.get_mut().await, 3);
                let _: &std::future::Ready<i32> = t.get_ref();
                let t = timeout(Duration::from_secs(5), std::future::ready(4));
                assert_eq!(t.into_inner().await, 4);
                // A duration too large to add is "never", not a panic.
                assert_eq!(timeout(Duration::MAX, async { 9 }).await, Ok(9));
            })
        });
    }

    fn a_hundred_thousand_concurrent_timers_all_fire() {
        let rt = rt();
        within(Duration::from_secs(120), move || {
            rt.block_on(async {
                let fired = Arc::new(AtomicUsize::new(0));
                let mut tasks = Vec::with_capacity(100_000);
                let start = Instant::now();
                for i in 0..100_000u64 {
                    let fired = fired.clone();
                    let deadline = start + Duration::from_millis(1 + i % 200);
                    tasks.push(runtime::spawn(async move {
                        sleep_until(deadline).await;
                        assert!(Instant::now() >= deadline);
                        fired.fetch_add(1, SeqCst);
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
                assert_eq!(fired.load(SeqCst), 100_000);
            })
        });
    }

    fn interval_ticks_at_its_period_and_first_tick_is_immediate() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                let start = Instant::now();
                let mut iv = interval(Duration::from_millis(10));
                assert_eq!(iv.period(), Duration::from_millis(10));
                assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
                let first = iv.tick().await;
                assert!(first.duration_since(start) < Duration::from_millis(5) + LATE);
                for n in 1..=5u32 {
                    let due = iv.tick().await;
                    assert_eq!(due, first + Duration::from_millis(10) * n);
                    assert!(Instant::now() >= due, "tick {n} before its time");
                }
            })
        });
    }

    fn sleep_spends_the_cooperative_budget() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                // A task that keeps awaiting an elapsed timer must still yield, so another
                // task on the same thread gets to run.
                let other_ran = Arc::new(AtomicBool::new(false));
                let flag = other_ran.clone();
                let t = runtime::spawn(async move {
                    let mut s = Box::pin(sleep(Duration::ZERO));
                    s.as_mut().await;
                    let mut polls = 0;
                    while !flag.load(SeqCst) {
                        s.as_mut().await;
                        polls += 1;
                        assert!(polls < 10_000_000, "never yielded");
                    }
                });
                let other = runtime::spawn(async move { other_ran.store(true, SeqCst) });
                other.await.unwrap();
                t.await.unwrap();
            })
        });
    }

    fn paused_clock_jumps_hours_and_days_in_no_real_time() {
        let rt = paused(FLAVOR);
        within(LIMIT, move || {
            rt.block_on(async {
                let real = std::time::Instant::now();
                // One deadline on every level of the wheel: 1 ms .. ~2 years, and beyond.
                let levels = [
                    Duration::from_millis(1),
                    Duration::from_millis(100),
                    Duration::from_secs(10),
                    Duration::from_secs(600),
                    Duration::from_secs(3600 * 12),
                    Duration::from_secs(86_400 * 30),
                    Duration::from_secs(86_400 * 365 * 3),
                ];
                let start = Instant::now();
                let order = Arc::new(Mutex::new(Vec::new()));
                let mut tasks = Vec::new();
                for (i, d) in levels.iter().enumerate().rev() {
                    let (order, d) = (order.clone(), *d);
                    tasks.push(runtime::spawn(async move {
                        sleep(d).await;
                        let late = Instant::now().duration_since(start + d);
                        // The paused clock jumps exactly to the (ms-rounded) deadline.
                        assert!(late <= Duration::from_millis(1), "level {i} fired {late:?} late");
                        order.lock().push(i);
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
                assert_eq!(*order.lock(), (0..levels.len()).collect::<Vec<_>>());
                assert!(Instant::now().duration_since(start) >= levels[6]);
                assert!(real.elapsed() < Duration::from_secs(30));
            })
        });
    }

    fn advance_fires_due_timers_before_it_returns() {
        let rt = paused(FLAVOR);
        within(LIMIT, move || {
            rt.block_on(async {
                let start = Instant::now();
                let mut s = Box::pin(sleep(Duration::from_secs(10)));
                assert!(poll_once(&mut s).await.is_pending());
                time::advance(Duration::from_secs(9)).await;
                assert!(!s.is_elapsed());
                assert_eq!(Instant::now().duration_since(start), Duration::from_secs(9));
                time::advance(Duration::from_secs(1)).await;
                assert!(s.is_elapsed(), "advance returned before firing the due timer");
                assert!(poll_once(&mut s).await.is_ready());
            })
        });
    }

    fn paused_clock_waits_for_blocking_work() {
        let rt = paused(FLAVOR);
        within(LIMIT, move || {
            rt.block_on(async {
                let start = Instant::now();
                let blocking = runtime::task::spawn_blocking(|| {
                    std::thread::sleep(Duration::from_millis(100));
                });
                // While the blocking closure runs, the runtime is not idle: time must not
                // jump to the one-hour timer.
                let raced = timeout(Duration::from_secs(3600), blocking).await;
                assert!(raced.is_ok(), "time jumped while blocking work was in flight");
                assert!(Instant::now().duration_since(start) < Duration::from_secs(3600));
            })
        });
    }

    fn missed_tick_behaviors() {
        for (behavior, expected) in [
            // period 10, ticks due at 0, 10, 20, 30 …; the task comes back at 35.
            (MissedTickBehavior::Burst, [35u64, 35, 35, 40, 50]),
            (MissedTickBehavior::Delay, [35, 45, 55, 65, 75]),
            (MissedTickBehavior::Skip, [35, 40, 50, 60, 70]),
        ] {
            let rt = paused(FLAVOR);
            rt.block_on(async {
                let start = Instant::now();
                let mut iv = interval_at(start, Duration::from_millis(10));
                iv.set_missed_tick_behavior(behavior);
                assert_eq!(iv.tick().await, start);
                time::advance(Duration::from_millis(35)).await;
                let mut seen = Vec::new();
                for _ in 0..5 {
                    iv.tick().await;
                    seen.push(Instant::now().duration_since(start).as_millis() as u64);
                }
                assert_eq!(seen, expected, "{behavior:?}");
            });
        }
    }

    fn interval_resets() {
        let rt = paused(FLAVOR);
        rt.block_on(async {
            let start = Instant::now();
            let mut iv = interval(Duration::from_millis(100));
            iv.tick().await;
            iv.reset_immediately();
            iv.tick().await;
            assert_eq!(Instant::now(), start);
            iv.reset_after(Duration::from_millis(30));
            iv.tick().await;
            assert_eq!(Instant::now().duration_since(start), Duration::from_millis(30));
            iv.reset();
            iv.tick().await;
            assert_eq!(Instant::now().duration_since(start), Duration::from_millis(130));
            iv.reset_at(start + Duration::from_millis(1000));
            iv.tick().await;
            assert_eq!(Instant::now().duration_since(start), Duration::from_millis(1000));
        });
    }

    fn a_timer_created_on_a_runtime_without_time_panics_naming_the_fix() {
        let rt = match FLAVOR {
            Flavor::CurrentThread => Builder::new_current_thread().build().unwrap(),
            Flavor::MultiThread => Builder::new_multi_thread().worker_threads(2).build().unwrap(),
        };
        let err = rt
            .block_on(async { runtime::spawn(async { drop(sleep(Duration::from_millis(1))) }).await })
            .unwrap_err();
        let msg = panic_message(&*err.into_panic());
        assert!(msg.contains("enable_time()"), "{msg}");
    }
}

#[test]
fn a_timer_created_outside_a_runtime_panics_naming_the_fix() {
    let err = std::panic::catch_unwind(|| drop(sleep(Duration::from_millis(1)))).unwrap_err();
    let msg = panic_message(&*err);
    assert!(msg.contains("no runtime"), "{msg}");
    let err = std::panic::catch_unwind(|| drop(timeout(Duration::ZERO, async {}))).unwrap_err();
    assert!(panic_message(&*err).contains("no runtime"));
    let err = std::panic::catch_unwind(|| drop(interval(Duration::ZERO))).unwrap_err();
    let msg = panic_message(&*err);
    assert!(msg.contains("non-zero"), "{msg}");
}

#[test]
fn a_timer_polled_on_another_thread_after_enter_fires() {
    let rt = Flavor::MultiThread.rt();
    let handle = rt.handle().clone();
    within(LIMIT, move || {
        let s = {
            let _enter = handle.enter();
            sleep(Duration::from_millis(20))
        };
        let start = std::time::Instant::now();
        handle.block_on(s);
        assert!(start.elapsed() >= Duration::from_millis(19));
    });
}

/// Polls `future` to completion on this thread with a plain thread-parking waker: no runtime
/// context at all.
fn block_on_plain<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// A timer created inside a multi-thread runtime and awaited on a plain thread with no
/// runtime context at all still fires: the runtime's own threads turn its driver.
#[test]
fn a_timer_polled_outside_any_runtime_context_still_fires() {
    let rt = Flavor::MultiThread.rt();
    // Taken before the sleep exists: its deadline is 20 ms after its creation, so at least
    // 20 ms after this, however long the thread below takes to start on a loaded machine.
    let start = std::time::Instant::now();
    let (s, t) = rt.block_on(async {
        (
            sleep(Duration::from_millis(20)),
            timeout(Duration::from_millis(10), std::future::pending::<()>()),
        )
    });
    within(LIMIT, move || {
        block_on_plain(async {
            s.await;
            assert!(t.await.is_err());
        });
        assert!(start.elapsed() >= Duration::from_millis(19));
        assert!(start.elapsed() < LATE);
        drop(rt);
    });
}

#[test]
fn a_timer_polled_after_its_runtime_was_dropped_panics_naming_the_cause() {
    let rt = Flavor::CurrentThread.rt();
    let s = {
        let _enter = rt.enter();
        sleep(Duration::from_millis(1))
    };
    drop(rt);
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| block_on_plain(s))).unwrap_err();
    let msg = panic_message(&*err);
    assert!(msg.contains("runtime was dropped"), "{msg}");
}

/// With every worker stuck in a long blocking poll, a timer polled elsewhere still fires on
/// time: the monitor turns the driver nobody holds (tokio's wedge cannot happen).
#[test]
fn timers_fire_while_every_worker_is_stuck_in_a_long_poll() {
    let rt = Flavor::MultiThread.rt();
    let handle = rt.handle().clone();
    within(LIMIT, move || {
        let stuck = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let stuck = stuck.clone();
            handle.spawn(async move {
                stuck.fetch_add(1, SeqCst);
                std::thread::sleep(Duration::from_millis(1500));
            });
        }
        runtime_tests::wait_until(Duration::from_secs(10), || stuck.load(SeqCst) == 2);
        let s = {
            let _enter = handle.enter();
            sleep(Duration::from_millis(20))
        };
        let start = std::time::Instant::now();
        handle.block_on(s);
        assert!(
            start.elapsed() < Duration::from_millis(1000),
            "the timer waited for the stuck workers: {:?}",
            start.elapsed()
        );
    });
    drop(rt);
}

#[runtime::test(start_paused = true)]
async fn start_paused_attribute_on_current_thread() {
    let real = std::time::Instant::now();
    let start = Instant::now();
    sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        Instant::now().duration_since(start),
        Duration::from_secs(3600)
    );
    assert!(real.elapsed() < Duration::from_secs(30));
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, start_paused = true)]
async fn start_paused_attribute_on_multi_thread() {
    let real = std::time::Instant::now();
    let start = Instant::now();
    // Tasks on both workers sleeping for days; time jumps only once all are idle.
    let mut tasks = Vec::new();
    for i in 1..=20u64 {
        tasks.push(runtime::spawn(async move {
            for _ in 0..5 {
                sleep(Duration::from_secs(3600 * i)).await;
                yield_now().await;
            }
            i
        }));
    }
    let mut sum = 0;
    for t in tasks {
        sum += t.await.unwrap();
    }
    assert_eq!(sum, 210);
    assert_eq!(
        Instant::now().duration_since(start),
        Duration::from_secs(3600 * 20 * 5)
    );
    assert!(real.elapsed() < Duration::from_secs(30));
}

#[runtime::test]
async fn pause_and_resume_by_hand() {
    time::pause();
    let frozen = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(Instant::now(), frozen, "the paused clock moved");
    time::resume();
    std::thread::sleep(Duration::from_millis(5));
    assert!(Instant::now() > frozen);
    let err = std::panic::catch_unwind(|| time::resume()).unwrap_err();
    let msg = panic_message(&*err);
    assert!(msg.contains("not paused"), "{msg}");
}

#[runtime::test]
async fn a_sleep_dropped_before_its_first_poll_costs_nothing_and_never_fires() {
    for _ in 0..1000 {
        drop(sleep(Duration::from_millis(1)));
    }
    let s = sleep(Duration::from_millis(1));
    assert!(!s.is_elapsed());
    drop(s);
    sleep(Duration::from_millis(2)).await;
}

#[test]
fn dropping_the_runtime_with_pending_timers_loses_nothing() {
    for flavor in Flavor::ALL {
        let rt = flavor.rt();
        let dropped = Arc::new(AtomicUsize::new(0));
        struct Count(Arc<AtomicUsize>);
        impl Drop for Count {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        rt.block_on(async {
            for _ in 0..100 {
                let c = Count(dropped.clone());
                runtime::spawn(async move {
                    let _c = c;
                    sleep(Duration::from_secs(3600)).await;
                });
            }
            yield_now().await;
        });
        drop(rt);
        assert_eq!(dropped.load(SeqCst), 100);
    }
}

#[runtime::test(start_paused = true)]
async fn advance_moves_the_paused_clock_by_exactly_the_duration() {
    for step in [
        Duration::from_micros(51_592),
        Duration::from_micros(1),
        Duration::from_nanos(3_141_592_653),
    ] {
        let before = Instant::now();
        time::advance(step).await;
        assert_eq!(Instant::now() - before, step);
    }
}

#[runtime::test(start_paused = true)]
async fn sub_millisecond_advances_fire_a_timer_once_its_tick_is_reached() {
    let mut one_ms = Box::pin(sleep(Duration::from_millis(1)));
    assert!(poll_once(&mut one_ms).await.is_pending());
    for _ in 0..3 {
        time::advance(Duration::from_micros(250)).await;
        assert!(!one_ms.is_elapsed(), "fired before its deadline");
    }
    time::advance(Duration::from_micros(250)).await;
    assert!(
        one_ms.is_elapsed(),
        "four quarters of a millisecond are one"
    );
}

#[runtime::test]
async fn pausing_mid_run_lets_whole_millisecond_advances_fire_timers_exactly() {
    // The real clock is anywhere within a millisecond here: the pause still lines the
    // timers up with it, without moving the clock.
    sleep(Duration::from_micros(300)).await;
    let before_pause = Instant::now();
    time::pause();
    let paused_at = Instant::now();
    assert!(paused_at - before_pause < Duration::from_millis(50));
    let mut ten = Box::pin(sleep(Duration::from_millis(10)));
    assert!(poll_once(&mut ten).await.is_pending());
    time::advance(Duration::from_millis(9)).await;
    assert!(!ten.is_elapsed());
    time::advance(Duration::from_millis(1)).await;
    assert!(ten.is_elapsed());
    assert_eq!(Instant::now() - paused_at, Duration::from_millis(10));
}

#[test]
fn pause_on_a_running_multi_thread_runtime_panics_but_start_paused_works() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(rt.spawn(async { time::pause() })).unwrap_err();
    let msg = panic_message(&*err.into_panic());
    assert!(msg.contains("current-thread runtime"), "{msg}");
    assert!(msg.contains("start_paused"), "{msg}");

    let rt = paused(Flavor::MultiThread);
    rt.block_on(async {
        let start = Instant::now();
        sleep(Duration::from_secs(5)).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(5));
    });
}

#[cfg(unix)]
#[runtime::test(start_paused = true)]
async fn the_paused_clock_does_not_jump_past_a_ready_io_event() {
    use runtime::net::UnixDatagram;

    let start = Instant::now();
    let (a, b) = UnixDatagram::pair().unwrap();
    a.send(&[1]).await.unwrap();
    let receiver = runtime::spawn(async move {
        let mut buf = [0u8; 1];
        b.recv(&mut buf).await.unwrap();
        Instant::now() - start
    });
    sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.await.unwrap(), Duration::ZERO);
    assert_eq!(Instant::now() - start, Duration::from_millis(100));
}

#[runtime::test(start_paused = true)]
async fn an_interval_does_not_wake_a_task_that_did_not_ask_for_the_next_tick() {
    use std::sync::atomic::AtomicU32;

    let mut ticks = interval(Duration::from_millis(10));
    let polls = Arc::new(AtomicU32::new(0));
    let counted = polls.clone();
    let task = runtime::spawn(poll_fn(move |cx| {
        // Takes the first tick and returns Pending without asking for the next one (which
        // would take another `poll_tick`).
        if counted.fetch_add(1, SeqCst) == 0 {
            assert!(ticks.poll_tick(cx).is_ready());
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }));
    sleep(Duration::from_millis(100)).await;
    assert_eq!(polls.load(SeqCst), 1, "woken for a tick it did not ask for");
    task.abort();
}

#[runtime::test(start_paused = true)]
async fn interval_resets_handle_huge_periods_and_the_past() {
    let mut huge = interval(Duration::MAX);
    huge.tick().await;
    huge.reset();
    huge.reset_after(Duration::MAX);

    let start = Instant::now();
    let mut ticks = interval_at(start, Duration::from_millis(300));
    assert_eq!(ticks.tick().await, start);
    time::advance(Duration::from_millis(100)).await;
    ticks.reset_immediately();
    // Due now: ready on the spot, although the driver last turned at this very tick.
    let mut next = Box::pin(ticks.tick());
    assert_eq!(
        poll_once(&mut next).await,
        Poll::Ready(start + Duration::from_millis(100))
    );
}

#[test]
fn a_block_on_future_that_always_wakes_itself_still_sees_its_timer_fire() {
    struct Starve<F>(F, u64);
    impl<F: Future<Output = ()> + Unpin> Future for Starve<F> {
        type Output = u64;
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<u64> {
            if std::pin::Pin::new(&mut self.0).poll(cx).is_ready() {
                return Poll::Ready(self.1);
            }
            self.1 += 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
    for flavor in Flavor::ALL {
        let rt = flavor.rt();
        within(LIMIT, move || {
            rt.block_on(async {
                let when = Instant::now() + Duration::from_millis(10);
                Starve(Box::pin(sleep_until(when)), 0).await;
                assert!(Instant::now() >= when);
            });
        });
    }
}

#[test]
fn misuse_of_the_clock_panics_at_the_callers_line() {
    fn location_of(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let seen = Arc::new(Mutex::new(String::new()));
        let hook_seen = seen.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            *hook_seen.lock() = info
                .location()
                .map(|l| l.file().to_string())
                .unwrap_or_default();
        }));
        let result = std::panic::catch_unwind(f);
        std::panic::set_hook(previous);
        assert!(result.is_err(), "no panic");
        let file = seen.lock().clone();
        file
    }
    let rt = Flavor::CurrentThread.rt();
    assert_eq!(
        location_of(|| rt.block_on(async {
            time::pause();
            time::pause();
        })),
        file!()
    );
    // A fresh runtime: the first `pause` above did pause that one's clock.
    let rt = Flavor::CurrentThread.rt();
    assert_eq!(
        location_of(|| rt.block_on(async { time::resume() })),
        file!()
    );
    assert_eq!(location_of(|| drop(interval(Duration::ZERO))), file!());
    let no_timers = Builder::new_current_thread().build().unwrap();
    assert_eq!(
        location_of(|| no_timers.block_on(async {
            drop(timeout(
                Duration::from_millis(5),
                std::future::pending::<()>(),
            ));
        })),
        file!()
    );
}
