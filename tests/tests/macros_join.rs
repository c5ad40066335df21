//! `join!`, `try_join!` and `pin!`: outputs in order, concurrency on one task, polling order
//! (rotating, or written order with `biased;`), the first error and the dropped rest, the
//! cooperative budget.
//!
//! Every runtime test runs on both flavors (`both_flavors!`).

use std::cell::RefCell;
use std::future::{pending, poll_fn, ready, Future, IntoFuture};
use std::pin::pin;
use std::task::Poll;

use runtime::sync::oneshot;
use runtime::task::{coop, yield_now};
use runtime_tests::{both_flavors, pending_counted, Counter, PollCounted};

/// Returns `Pending` (waking itself) `n` times, logging `id` on every poll.
async fn logged(id: usize, n: usize, log: &RefCell<Vec<usize>>) -> usize {
    let mut left = n;
    poll_fn(|cx| {
        log.borrow_mut().push(id);
        if left == 0 {
            Poll::Ready(id)
        } else {
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

struct Answer;

impl IntoFuture for Answer {
    type Output = u32;
    type IntoFuture = std::future::Ready<u32>;

    fn into_future(self) -> Self::IntoFuture {
        ready(42)
    }
}

both_flavors! {
    fn join_returns_every_output_in_written_order() {
        rt().block_on(async {
            let (a, b, c) = runtime::join!(
                async {
                    yield_now().await;
                    1u8
                },
                async { "two" },
                Answer,
            );
            assert_eq!((a, b, c), (1, "two", 42));

            let () = runtime::join!();
            let (single,) = runtime::join!(ready('x'));
            assert_eq!(single, 'x');
        });
    }

    fn join_runs_its_futures_concurrently_on_one_task() {
        rt().block_on(async {
            // Each future waits for the other: run one after the other, this would hang.
            let (tx1, rx1) = oneshot::channel();
            let (tx2, rx2) = oneshot::channel();
            let (a, b) = runtime::join!(
                async move {
                    tx1.send(1).unwrap();
                    rx2.await.unwrap()
                },
                async move {
                    tx2.send(2).unwrap();
                    rx1.await.unwrap()
                },
            );
            assert_eq!((a, b), (2, 1));
        });
    }

    fn join_of_twenty_futures() {
        rt().block_on(async {
            let out = runtime::join!(
                ready(0), ready(1), ready(2), ready(3), ready(4), ready(5), ready(6),
                ready(7), ready(8), ready(9), ready(10), ready(11), ready(12), ready(13),
                ready(14), ready(15), ready(16), ready(17), ready(18), ready(19)
            );
            assert_eq!(out.0 + out.19, 19);
            assert_eq!(out.10, 10);
        });
    }

    fn join_starts_each_poll_one_future_further_along() {
        rt().block_on(async {
            let log = RefCell::new(Vec::new());
            let out = runtime::join!(logged(0, 2, &log), logged(1, 2, &log), logged(2, 2, &log));
            assert_eq!(out, (0, 1, 2));
            // Round 1 starts at 0, round 2 at 1, round 3 at 2.
            assert_eq!(*log.borrow(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);
        });
    }

    fn biased_join_polls_in_written_order_and_skips_finished_futures() {
        rt().block_on(async {
            let log = RefCell::new(Vec::new());
            let out = runtime::join!(
                biased;
                logged(0, 0, &log),
                logged(1, 2, &log),
                logged(2, 1, &log),
            );
            assert_eq!(out, (0, 1, 2));
            assert_eq!(*log.borrow(), [0, 1, 2, 1, 2, 1]);
        });
    }

    fn join_yields_when_the_budget_is_spent() {
        let rt = rt();
        rt.block_on(rt.spawn(async {
            let polls = Counter::new();
            let mut join = pin!(async { runtime::join!(PollCounted::new(ready(5), &polls)) });
            poll_fn(|cx| {
                while let Poll::Ready(progress) = coop::poll_proceed(cx) {
                    progress.made_progress();
                }
                assert!(join.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            assert_eq!(polls.get(), 0);
            assert_eq!(join.await, (5,));
        }))
        .unwrap();
    }

    fn try_join_returns_every_ok_value() {
        rt().block_on(async {
            let out: Result<(u32, &str), String> = runtime::try_join!(
                async {
                    yield_now().await;
                    Ok(1)
                },
                async { Ok("two") },
            );
            assert_eq!(out, Ok((1, "two")));

            let empty: Result<(), String> = runtime::try_join!();
            assert_eq!(empty, Ok(()));
        });
    }

    fn try_join_returns_the_first_error_and_drops_the_rest() {
        rt().block_on(async {
            let dropped = Counter::new();
            let out: Result<(u32, (), ()), &str> = runtime::try_join!(
                async { Ok(1) },
                async {
                    pending_counted::<()>(&dropped).await;
                    Ok(())
                },
                async {
                    yield_now().await;
                    Err("failed")
                },
            );
            assert_eq!(out, Err("failed"));
            assert_eq!(dropped.get(), 1, "the pending future was dropped");

            // The error of whichever fails first, even when others fail later.
            let (tx, rx) = oneshot::channel::<()>();
            let out: Result<((), ()), u32> = runtime::try_join!(
                async move {
                    let _ = rx.await;
                    Err(2)
                },
                async move {
                    let _keep = tx;
                    Err(1)
                },
            );
            assert_eq!(out, Err(1));
        });
    }

    fn pin_shadows_variables_with_pinned_references() {
        rt().block_on(async {
            let a = async { 1 };
            let b = async {
                yield_now().await;
                2
            };
            runtime::pin!(a, b);
            // Pinned: polled through `&mut` and still awaitable afterwards.
            assert!(runtime_tests::poll_once(&mut b).await.is_pending());
            assert_eq!((&mut a).await + b.await, 3);

            runtime::pin! {
                let c = async { 3 };
                let d = pending::<u32>();
            }
            let out = runtime::select! {
                v = &mut c => v,
                v = &mut d => v,
            };
            assert_eq!(out, 3);
        });
    }
}

/// The futures of `join!` and `try_join!` are no larger than tokio's on 64-bit targets.
#[cfg(target_pointer_width = "64")]
#[test]
fn join_futures_are_as_small_as_tokios() {
    use std::future::ready;
    use std::mem::size_of_val;

    let one = async {
        let a = ready(0i32);
        runtime::join!(a)
    };
    assert_eq!(size_of_val(&one), 32);
    let two = async {
        let (a, b) = (ready(0i32), ready(0i32));
        runtime::join!(a, b)
    };
    assert_eq!(size_of_val(&two), 48);
    let one_biased = async {
        let a = ready(0i32);
        runtime::join!(biased; a)
    };
    assert_eq!(size_of_val(&one_biased), 24);
    let two_biased = async {
        let (a, b) = (ready(0i32), ready(0i32));
        runtime::join!(biased; a, b)
    };
    assert_eq!(size_of_val(&two_biased), 40);

    let two = async {
        let (a, b) = (ready(Ok::<i32, i32>(0)), ready(Ok::<i32, i32>(0)));
        runtime::try_join!(a, b)
    };
    assert_eq!(size_of_val(&two), 48);
    let two_biased = async {
        let (a, b) = (ready(Ok::<i32, i32>(0)), ready(Ok::<i32, i32>(0)));
        runtime::try_join!(biased; a, b)
    };
    assert_eq!(size_of_val(&two_biased), 40);
}
