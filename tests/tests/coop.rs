//! The cooperative budget (`runtime::task::coop`): a task whose resources are always ready
//! still yields, `unconstrained` opts out, and the budget is per poll.
//!
//! The tests that need a runtime run on both flavors (`both_flavors!`); where a test checks
//! that another task got to run, the multi-thread runtime has one worker, so that only the
//! budget can have let it run.

use std::future::{poll_fn, ready, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use runtime::sync::oneshot;
use runtime::task::coop::{
    consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained,
};
use runtime::task::yield_now;
use runtime_tests::{both_flavors, within, yield_until, Flavor, SOON};

/// The budget a task gets per poll (tokio's figure, which this runtime keeps).
const BUDGET: usize = 128;

/// A runtime on which only the budget lets another task run while a task loops: the
/// current-thread runtime, or a multi-thread runtime with one worker (with two, the other
/// worker could run the other task in parallel, and would prove nothing about the budget).
fn budget_rt(flavor: Flavor) -> runtime::runtime::Runtime {
    flavor.builder().worker_threads(1).build().unwrap()
}

/// Spawns a task that sets the returned flag when it runs.
fn flag_setter() -> (Arc<AtomicBool>, runtime::task::JoinHandle<()>) {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let h = runtime::spawn(async move { f.store(true, SeqCst) });
    (flag, h)
}

/// Polls `f` once with a waker that does nothing.
fn poll_once_noop<F: Future>(f: F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    pin!(f).poll(&mut cx)
}

both_flavors! {
    fn consume_budget_loop_lets_another_task_run() {
        let n = within(SOON, || {
            let rt = budget_rt(FLAVOR);
            rt.block_on(async {
                // Never waits for anything: only the budget makes it yield. It spawns the
                // task that stops it once it runs (so that on the multi-thread runtime both
                // are on the same worker's queue).
                let spinner = runtime::spawn(async move {
                    let stop = Arc::new(AtomicBool::new(false));
                    let s = stop.clone();
                    drop(runtime::spawn(async move { s.store(true, SeqCst) }));
                    let mut n = 0usize;
                    while !stop.load(SeqCst) {
                        consume_budget().await;
                        n += 1;
                    }
                    n
                });
                spinner.await.unwrap()
            })
        });
        assert!(
            (1..=10 * BUDGET).contains(&n),
            "{n} iterations before yielding"
        );
    }

    fn looping_on_an_always_ready_cooperative_future_yields() {
        let n = within(SOON, || {
            let rt = budget_rt(FLAVOR);
            rt.block_on(async {
                let spinner = runtime::spawn(async move {
                    let stop = Arc::new(AtomicBool::new(false));
                    let s = stop.clone();
                    drop(runtime::spawn(async move { s.store(true, SeqCst) }));
                    let mut n = 0usize;
                    while !stop.load(SeqCst) {
                        cooperative(ready(())).await;
                        n += 1;
                    }
                    n
                });
                spinner.await.unwrap()
            })
        });
        assert!(n <= 10 * BUDGET, "{n} iterations before yielding");
    }

    fn awaiting_finished_join_handles_spends_the_budget() {
        let rt = budget_rt(FLAVOR);
        let seen_at = rt.block_on(async {
            let handles: Vec<_> = (0..4 * BUDGET)
                .map(|i| runtime::spawn(async move { i }))
                .collect();
            // Let every one of them finish.
            yield_until(FLAVOR, 1000, || handles.iter().all(|h| h.is_finished())).await;
            assert!(handles.iter().all(|h| h.is_finished()));
            let consumer = runtime::spawn(async move {
                let (flag, _setter) = flag_setter();
                let mut seen_at = None;
                for (i, h) in handles.into_iter().enumerate() {
                    assert_eq!(h.await.unwrap(), i);
                    if seen_at.is_none() && flag.load(SeqCst) {
                        seen_at = Some(i);
                    }
                }
                seen_at
            });
            consumer.await.unwrap()
        });
        let i = seen_at.expect("the other task never ran while ready handles were awaited");
        assert!(i < 4 * BUDGET);
    }

    fn awaiting_ready_oneshot_receivers_spends_the_budget() {
        let rt = budget_rt(FLAVOR);
        let seen = rt.block_on(async {
            runtime::spawn(async {
                let (flag, _setter) = flag_setter();
                let mut seen_at = None;
                for i in 0..4 * BUDGET {
                    let (tx, rx) = oneshot::channel();
                    tx.send(i).unwrap();
                    assert_eq!(rx.await.unwrap(), i);
                    if seen_at.is_none() && flag.load(SeqCst) {
                        seen_at = Some(i);
                    }
                }
                seen_at
            })
            .await
            .unwrap()
        });
        assert!(seen.is_some(), "a loop over ready receivers never yielded");
    }

    fn unconstrained_disables_the_budget() {
        let rt = budget_rt(FLAVOR);
        let (constrained, free) = rt.block_on(async {
            // With the budget: the other task gets to run during the loop.
            let a = runtime::spawn(async {
                let (flag, _setter) = flag_setter();
                for _ in 0..4 * BUDGET {
                    consume_budget().await;
                }
                flag.load(SeqCst)
            });
            let constrained = a.await.unwrap();

            // Without: the loop runs to the end in one poll, and the other task waits.
            let b = runtime::spawn(unconstrained(async {
                let (flag, _setter) = flag_setter();
                for _ in 0..40 * BUDGET {
                    consume_budget().await;
                    cooperative(ready(())).await;
                    assert!(has_budget_remaining());
                }
                flag.load(SeqCst)
            }));
            let free = b.await.unwrap();
            (constrained, free)
        });
        assert!(constrained, "the budgeted loop should have yielded");
        assert!(!free, "the unconstrained loop must not yield");
    }

    fn has_budget_remaining_goes_false_after_the_budget_is_spent() {
        let rt = rt();
        let (spent, fresh) = rt.block_on(async {
            runtime::spawn(async {
                // All in one poll.
                let spent = poll_fn(|cx| {
                    let mut n = 0;
                    while has_budget_remaining() {
                        match poll_proceed(cx) {
                            Poll::Ready(restore) => {
                                restore.made_progress();
                                n += 1;
                            }
                            Poll::Pending => panic!("budget ran out while some remained"),
                        }
                        assert!(n <= 100_000, "the budget never runs out");
                    }
                    assert!(
                        poll_proceed(cx).is_pending(),
                        "spent budget must say Pending"
                    );
                    Poll::Ready(n)
                })
                .await;
                // A new poll gets a new budget.
                yield_now().await;
                (spent, has_budget_remaining())
            })
            .await
            .unwrap()
        });
        assert_eq!(spent, BUDGET);
        assert!(fresh);
    }

    fn an_operation_that_makes_no_progress_refunds_its_unit() {
        let rt = rt();
        let ok = rt.block_on(async {
            runtime::spawn(async {
                poll_fn(|cx| {
                    for _ in 0..10 * BUDGET {
                        // Dropped without `made_progress`: refunded.
                        match poll_proceed(cx) {
                            Poll::Ready(restore) => drop(restore),
                            Poll::Pending => return Poll::Ready(false),
                        }
                    }
                    Poll::Ready(has_budget_remaining())
                })
                .await
            })
            .await
            .unwrap()
        });
        assert!(ok);
    }

    fn block_on_future_is_budgeted_too() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                let (flag, _setter) = flag_setter();
                // Never awaits anything but the budget; the spawned task must still run.
                while !flag.load(SeqCst) {
                    consume_budget().await;
                }
            });
            // And the budget makes it yield (on the multi-thread runtime, too, where the
            // tasks do not need it to).
            let mut polls = 0;
            let mut spent = 0;
            rt.block_on(poll_fn(|cx| {
                polls += 1;
                while spent < 4 * BUDGET {
                    match poll_proceed(cx) {
                        Poll::Ready(restore) => {
                            restore.made_progress();
                            spent += 1;
                        }
                        Poll::Pending => return Poll::Pending,
                    }
                }
                Poll::Ready(())
            }));
            assert!(
                polls >= 4,
                "{polls} polls for {} units of budget",
                4 * BUDGET
            );
            assert!(
                polls <= 5,
                "{polls} polls for {} units of budget",
                4 * BUDGET
            );
        });
    }

    fn outside_a_runtime_everything_is_unconstrained() {
        assert!(has_budget_remaining());
        let res = poll_once_noop(async {
            for _ in 0..100 * BUDGET {
                consume_budget().await;
            }
            has_budget_remaining()
        });
        assert_eq!(res, Poll::Ready(true));

        // Blocking-pool closures own their thread: no budget there either.
        let rt = rt();
        let inside = rt.block_on(async {
            runtime::task::spawn_blocking(|| {
                poll_once_noop(async {
                    for _ in 0..100 * BUDGET {
                        consume_budget().await;
                    }
                    has_budget_remaining()
                })
            })
            .await
            .unwrap()
        });
        assert_eq!(inside, Poll::Ready(true));
    }
}
