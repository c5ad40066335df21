//! `select!`: branch grammar, which branch wins, dropping the losers, preconditions,
//! disabled branches and `else`, `biased;`, fairness in loops, the cooperative budget.
//!
//! Every test runs on both flavors (`both_flavors!`).

use std::cell::Cell;
use std::future::{pending, poll_fn, ready, Future, IntoFuture};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;

use runtime::sync::oneshot;
use runtime::task::{coop, yield_now};
use runtime_tests::{both_flavors, pending_counted, Counter, PollCounted};

/// A type that is not a future but turns into one.
struct Answer;

impl IntoFuture for Answer {
    type Output = u32;
    type IntoFuture = std::future::Ready<u32>;

    fn into_future(self) -> Self::IntoFuture {
        ready(42)
    }
}

both_flavors! {
    fn the_ready_branch_wins_and_the_losers_are_dropped_before_its_handler() {
        rt().block_on(async {
            let dropped = Counter::new();
            let out = runtime::select! {
                _ = pending_counted::<()>(&dropped) => unreachable!(),
                v = async { 7 } => {
                    // The losers are gone by the time the handler runs.
                    assert_eq!(dropped.get(), 2);
                    v
                }
                _ = pending_counted::<()>(&dropped) => unreachable!(),
            };
            assert_eq!(out, 7);
            assert_eq!(dropped.get(), 2);
        });
    }

    fn a_branch_that_completes_later_wins_when_woken() {
        rt().block_on(async {
            let (tx, rx) = oneshot::channel();
            let sender = runtime::spawn(async move {
                for _ in 0..3 {
                    yield_now().await;
                }
                tx.send("late").unwrap();
            });
            let out = runtime::select! {
                v = rx => v.unwrap(),
                _ = pending::<()>() => unreachable!(),
            };
            assert_eq!(out, "late");
            sender.await.unwrap();
        });
    }

    fn handlers_can_await_break_continue_and_use_question_mark() {
        async fn parse_first(s: &str) -> Result<u32, std::num::ParseIntError> {
            runtime::select! {
                n = async { s.parse::<u32>() } => {
                    let n = n?;
                    yield_now().await;
                    Ok(n + 1)
                }
            }
        }
        rt().block_on(async {
            assert_eq!(parse_first("41").await, Ok(42));
            assert!(parse_first("x").await.is_err());

            let mut seen = Vec::new();
            for i in 0..6 {
                runtime::select! {
                    v = async { i } => {
                        if v % 2 == 0 {
                            continue;
                        }
                        if v == 5 {
                            break;
                        }
                        seen.push(v);
                    }
                }
            }
            assert_eq!(seen, [1, 3]);
        });
    }

    fn a_false_precondition_disables_a_branch_whose_future_is_still_built_but_not_polled() {
        rt().block_on(async {
            let built = Cell::new(0);
            let polls = Counter::new();
            let out = runtime::select! {
                v = {
                    built.set(built.get() + 1);
                    PollCounted::new(ready(1), &polls)
                }, if false => v,
                v = ready(2) => v,
            };
            assert_eq!(out, 2);
            assert_eq!(built.get(), 1, "the disabled branch's expression is evaluated");
            assert_eq!(polls.get(), 0, "the disabled branch's future is never polled");
        });
    }

    fn an_output_that_does_not_match_disables_its_branch() {
        rt().block_on(async {
            let polls = Counter::new();
            let mut rounds = 0;
            let out = runtime::select! {
                biased;
                Some(v) = PollCounted::new(async { None::<u32> }, &polls) => v,
                v = poll_fn(|cx| {
                    // Ready on the second poll only: by then the first branch has completed
                    // without matching, and must not be polled again.
                    rounds += 1;
                    if rounds == 1 {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    } else {
                        Poll::Ready(9)
                    }
                }) => v,
            };
            assert_eq!(out, 9);
            assert_eq!(polls.get(), 1);
            assert_eq!(rounds, 2);
        });
    }

    fn else_runs_when_every_branch_is_disabled() {
        rt().block_on(async {
            let out = runtime::select! {
                Some(v) = async { None::<u32> } => v,
                Ok(v) = async { Err::<u32, ()>(()) } => v,
                else => 100,
            };
            assert_eq!(out, 100);

            let flag = false;
            let out = runtime::select! {
                v = pending::<u32>(), if flag => v,
                else => 200,
            };
            assert_eq!(out, 200);
        });
    }

    fn without_else_every_branch_disabled_panics_with_a_message() {
        let rt = rt();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                runtime::select! {
                    Some(v) = async { None::<u32> } => v,
                }
            })
        }));
        let message = runtime_tests::panic_message(&*result.unwrap_err()).unwrap();
        assert!(
            message.contains("all branches of `select!` are disabled and there is no `else`"),
            "{message}"
        );
    }

    fn biased_polls_in_written_order() {
        rt().block_on(async {
            for _ in 0..1_000 {
                let out = runtime::select! {
                    biased;
                    v = ready(1) => v,
                    v = ready(2) => v,
                    v = ready(3) => v,
                };
                assert_eq!(out, 1);
            }
        });
    }

    fn without_biased_the_start_branch_is_random_so_a_loop_is_fair() {
        rt().block_on(async {
            let mut wins = [0u32; 3];
            for _ in 0..1_000 {
                let i = runtime::select! {
                    v = ready(0) => v,
                    v = ready(1) => v,
                    v = ready(2) => v,
                };
                wins[i] += 1;
            }
            // Each branch wins about a third of the time; the bounds are > 10 sigma wide.
            for (branch, &n) in wins.iter().enumerate() {
                assert!((200..=467).contains(&n), "branch {branch} won {n} of 1000: {wins:?}");
            }
        });
    }

    fn a_future_kept_across_loop_iterations_through_mut_ref() {
        rt().block_on(async {
            let ticks = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = oneshot::channel::<&str>();
            let sender = runtime::spawn({
                let ticks = ticks.clone();
                async move {
                    // Sends only once the loop below has gone round ten times with the same
                    // receiver future pending.
                    while ticks.load(SeqCst) < 10 {
                        yield_now().await;
                    }
                    tx.send("done").unwrap();
                }
            });
            let mut rx = pin!(rx);
            let out = loop {
                runtime::select! {
                    v = &mut rx => break v.unwrap(),
                    _ = yield_now() => {
                        ticks.fetch_add(1, SeqCst);
                    }
                }
            };
            assert_eq!(out, "done");
            assert!(ticks.load(SeqCst) >= 10);
            sender.await.unwrap();
        });
    }

    fn patterns_with_mut_ref_and_alternatives_bind_as_written() {
        rt().block_on(async {
            let out = runtime::select! {
                (mut a, ref b) = async { (1, String::from("x")) } => {
                    a += 1;
                    format!("{a}{b}")
                }
            };
            assert_eq!(out, "2x");

            let out = runtime::select! {
                1 | 2 = async { 2 } => "small",
                else => "other",
            };
            assert_eq!(out, "small");
        });
    }

    fn a_handler_may_use_what_the_futures_borrowed() {
        rt().block_on(async {
            let (tx, mut rx) = oneshot::channel::<u32>();
            tx.send(3).unwrap();
            let mut count = 0u32;
            let out = runtime::select! {
                biased;
                // The handler mutates `count`, which the other future borrows: this compiles
                // because the futures are dropped before a handler runs.
                v = &mut rx => {
                    count += 1;
                    v.unwrap() + count
                }
                _ = poll_fn(|_| {
                    let _ = &count;
                    Poll::<()>::Pending
                }) => unreachable!(),
            };
            assert_eq!(out, 4);
        });
    }

    fn anything_into_future_is_accepted() {
        rt().block_on(async {
            let out = runtime::select! {
                v = Answer => v,
            };
            assert_eq!(out, 42);
        });
    }

    fn it_yields_when_the_budget_is_spent_even_if_a_branch_is_ready() {
        let rt = rt();
        rt.block_on(rt.spawn(async {
            let polls = Counter::new();
            let mut select = pin!(async {
                runtime::select! {
                    v = PollCounted::new(ready(5), &polls) => v,
                }
            });
            poll_fn(|cx| {
                while let Poll::Ready(progress) = coop::poll_proceed(cx) {
                    progress.made_progress();
                }
                assert!(!coop::has_budget_remaining());
                assert!(select.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            assert_eq!(polls.get(), 0, "no branch polled on an empty budget");
            // The next poll of the task has a fresh budget.
            assert_eq!(select.await, 5);
        }))
        .unwrap();
    }

    fn sixty_four_branches() {
        rt().block_on(async {
            let out = runtime::select! {
                biased;
                _ = pending::<()>() => 0, _ = pending::<()>() => 1, _ = pending::<()>() => 2,
                _ = pending::<()>() => 3, _ = pending::<()>() => 4, _ = pending::<()>() => 5,
                _ = pending::<()>() => 6, _ = pending::<()>() => 7, _ = pending::<()>() => 8,
                _ = pending::<()>() => 9, _ = pending::<()>() => 10, _ = pending::<()>() => 11,
                _ = pending::<()>() => 12, _ = pending::<()>() => 13, _ = pending::<()>() => 14,
                _ = pending::<()>() => 15, _ = pending::<()>() => 16, _ = pending::<()>() => 17,
                _ = pending::<()>() => 18, _ = pending::<()>() => 19, _ = pending::<()>() => 20,
                _ = pending::<()>() => 21, _ = pending::<()>() => 22, _ = pending::<()>() => 23,
                _ = pending::<()>() => 24, _ = pending::<()>() => 25, _ = pending::<()>() => 26,
                _ = pending::<()>() => 27, _ = pending::<()>() => 28, _ = pending::<()>() => 29,
                _ = pending::<()>() => 30, _ = pending::<()>() => 31, _ = pending::<()>() => 32,
                _ = pending::<()>() => 33, _ = pending::<()>() => 34, _ = pending::<()>() => 35,
                _ = pending::<()>() => 36, _ = pending::<()>() => 37, _ = pending::<()>() => 38,
                _ = pending::<()>() => 39, _ = pending::<()>() => 40, _ = pending::<()>() => 41,
                _ = pending::<()>() => 42, _ = pending::<()>() => 43, _ = pending::<()>() => 44,
                _ = pending::<()>() => 45, _ = pending::<()>() => 46, _ = pending::<()>() => 47,
                _ = pending::<()>() => 48, _ = pending::<()>() => 49, _ = pending::<()>() => 50,
                _ = pending::<()>() => 51, _ = pending::<()>() => 52, _ = pending::<()>() => 53,
                _ = pending::<()>() => 54, _ = pending::<()>() => 55, _ = pending::<()>() => 56,
                _ = pending::<()>() => 57, _ = pending::<()>() => 58, _ = pending::<()>() => 59,
                _ = pending::<()>() => 60, _ = pending::<()>() => 61, _ = pending::<()>() => 62,
                v = ready(63) => v,
            };
            assert_eq!(out, 63);
        });
    }

    fn select_inside_spawned_tasks_on_many_tasks() {
        rt().block_on(async {
            let mut tasks = Vec::new();
            for i in 0..200u32 {
                tasks.push(runtime::spawn(async move {
                    let (tx, rx) = oneshot::channel();
                    let helper = runtime::spawn(async move {
                        yield_now().await;
                        let _ = tx.send(i);
                    });
                    let out = runtime::select! {
                        v = rx => v.unwrap(),
                        _ = pending::<()>() => unreachable!(),
                    };
                    helper.await.unwrap();
                    out
                }));
            }
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap();
            }
            assert_eq!(sum, (0..200).sum::<u32>());
        });
    }

    fn else_alone_is_the_value_of_the_select() {
        rt().block_on(async {
            let out = runtime::select! {
                else => 1,
            };
            assert_eq!(out, 1);
            let out = runtime::select! {
                biased;
                else => 2,
            };
            assert_eq!(out, 2);
        });
    }

    fn a_ref_mut_binding_can_change_the_output() {
        rt().block_on(async {
            let out = runtime::select! {
                Some(ref mut s) = async { Some(String::from("a")) } => {
                    s.push('b');
                    s.clone()
                }
            };
            assert_eq!(out, "ab");
        });
    }

    fn a_borrowed_temporary_lives_as_long_as_the_select() {
        rt().block_on(async {
            let out = runtime::select! {
                v = &mut ready(5) => v,
            };
            assert_eq!(out, 5);
        });
    }
}

/// The future of a `select!` is no larger than tokio's (32, 40 and 48 bytes for one to three
/// `Ready<i32>` branches on 64-bit targets): the futures sit in one tuple behind one
/// reference, and the disabled set takes the smallest integer with a bit per branch.
#[cfg(target_pointer_width = "64")]
#[test]
fn select_futures_are_as_small_as_tokios() {
    let one = async {
        let a = ready(0i32);
        runtime::select! {
            _ = a => {},
        }
    };
    assert_eq!(std::mem::size_of_val(&one), 32);
    let two = async {
        let (a, b) = (ready(0i32), ready(0i32));
        runtime::select! {
            _ = a => {},
            _ = b => {},
        }
    };
    assert_eq!(std::mem::size_of_val(&two), 40);
    let three = async {
        let (a, b, c) = (ready(0i32), ready(0i32), ready(0i32));
        runtime::select! {
            _ = a => {},
            _ = b => {},
            _ = c => {},
        }
    };
    assert_eq!(std::mem::size_of_val(&three), 48);
}
