//! `runtime::sync::oneshot` across tasks and threads: delivery, closing from either side,
//! `try_recv` states, and the value's destructor running exactly once.
//!
//! The tests that need a runtime run on both flavors (`both_flavors!`).

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use runtime::sync::oneshot::{self, error::RecvError, error::TryRecvError};
use runtime::task::yield_now;
use runtime_tests::{both_flavors, within, yield_until, Counter, DropGuard, PollCounted, SOON};

#[test]
fn dropping_the_receiver_hands_the_value_back_intact() {
    let drops = Counter::new();
    let (tx, rx) = oneshot::channel::<(String, DropGuard)>();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    let (s, guard) = tx.send(("intact".to_string(), drops.guard())).unwrap_err();
    assert_eq!(s, "intact");
    assert_eq!(drops.get(), 0, "the returned value was not dropped");
    drop(guard);
    assert_eq!(drops.get(), 1);

    // Across threads: the receiver dropped on another thread first.
    let (tx, rx) = oneshot::channel::<Vec<u32>>();
    thread::spawn(move || drop(rx)).join().unwrap();
    assert_eq!(tx.send(vec![7; 3]), Err(vec![7, 7, 7]));
}

#[test]
fn try_recv_reports_each_state() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    assert!(!rx.is_terminated());
    tx.send(5).unwrap();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(5));
    assert!(rx.is_terminated());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "already taken");

    let (tx, mut rx) = oneshot::channel::<u32>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    // Sent before a close: still received.
    let (tx, mut rx) = oneshot::channel::<u32>();
    tx.send(9).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(9));

    // Sent from another thread: visible once the send has returned.
    let (tx, mut rx) = oneshot::channel::<u32>();
    thread::spawn(move || tx.send(11).unwrap()).join().unwrap();
    assert_eq!(rx.try_recv(), Ok(11));
}

#[test]
fn an_unreceived_value_is_dropped_exactly_once() {
    // Receiver dropped after the send, without reading.
    let drops = Counter::new();
    let (tx, rx) = oneshot::channel::<DropGuard>();
    tx.send(drops.guard()).unwrap();
    assert_eq!(drops.get(), 0);
    drop(rx);
    assert_eq!(drops.get(), 1);

    // Received: dropped once, by the receiver's owner.
    let drops = Counter::new();
    let (tx, rx) = oneshot::channel::<DropGuard>();
    tx.send(drops.guard()).unwrap();
    let value = rx.blocking_recv().unwrap();
    assert_eq!(drops.get(), 0);
    drop(value);
    assert_eq!(drops.get(), 1);
}

#[test]
fn racing_send_and_receiver_drop_across_threads_drop_each_value_once() {
    const ROUNDS: usize = 2_000;
    within(SOON, || {
        let drops = Counter::new();
        let returned = Counter::new();
        for i in 0..ROUNDS {
            let (tx, rx) = oneshot::channel::<DropGuard>();
            let guard = drops.guard();
            let go = Arc::new(AtomicBool::new(false));
            let sender = {
                let go = go.clone();
                let returned = returned.clone();
                thread::spawn(move || {
                    while !go.load(SeqCst) {
                        std::hint::spin_loop();
                    }
                    if let Err(value) = tx.send(guard) {
                        returned.inc();
                        drop(value);
                    }
                })
            };
            go.store(true, SeqCst);
            if i % 2 == 0 {
                drop(rx);
            } else {
                // Receive if it is already there, otherwise give up.
                let mut rx = rx;
                let _ = rx.try_recv();
            }
            sender.join().unwrap();
            assert_eq!(drops.get(), i + 1, "round {i}");
        }
        // Whichever side won each race, nothing leaked or was dropped twice.
        assert_eq!(drops.get(), ROUNDS);
        assert!(returned.get() <= ROUNDS);
    });
}

both_flavors! {
    fn send_and_receive_between_tasks() {
        let rt = rt();
        let out = rt.block_on(async {
            let (tx, rx) = oneshot::channel::<String>();
            // (Polled once: the receiver waits when the value is sent.)
            let polls = Counter::new();
            let receiver =
                runtime::spawn(PollCounted::new(async move { rx.await.unwrap() }, &polls));
            yield_until(FLAVOR, 2, || polls.get() >= 1).await;
            tx.send("between tasks".into()).unwrap();
            receiver.await.unwrap()
        });
        assert_eq!(out, "between tasks");

        // Sender in a task, receiver in `block_on`.
        let out = rt.block_on(async {
            let (tx, rx) = oneshot::channel();
            drop(runtime::spawn(async move {
                yield_now().await;
                tx.send(vec![1, 2, 3]).unwrap();
            }));
            rx.await.unwrap()
        });
        assert_eq!(out, [1, 2, 3]);
    }

    fn send_from_a_thread_to_a_task_and_back() {
        within(SOON, || {
            let rt = rt();
            let (to_task_tx, to_task_rx) = oneshot::channel::<u64>();
            let (to_thread_tx, to_thread_rx) = oneshot::channel::<u64>();
            let thread = thread::spawn(move || {
                thread::sleep(Duration::from_millis(10));
                to_task_tx.send(20).unwrap();
                // No runtime on this thread: blocking is fine.
                to_thread_rx.blocking_recv().unwrap()
            });
            rt.block_on(async move {
                let task = runtime::spawn(async move {
                    let v = to_task_rx.await.unwrap();
                    to_thread_tx.send(v * 2 + 2).unwrap();
                });
                task.await.unwrap();
            });
            assert_eq!(thread.join().unwrap(), 42);
        });
    }

    fn dropping_the_sender_completes_the_receiver_with_an_error() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                // Dropped before the receiver waits.
                let (tx, rx) = oneshot::channel::<u8>();
                drop(tx);
                let err: RecvError = rx.await.unwrap_err();
                assert_eq!(err.to_string(), "channel closed");

                // Dropped while a task waits.
                let (tx, rx) = oneshot::channel::<u8>();
                let polls = Counter::new();
                let waiter = runtime::spawn(PollCounted::new(rx, &polls));
                yield_until(FLAVOR, 2, || polls.get() >= 1).await;
                drop(tx);
                assert!(waiter.await.unwrap().is_err());

                // Dropped on another thread while a task waits.
                let (tx, rx) = oneshot::channel::<u8>();
                let polls = Counter::new();
                let waiter = runtime::spawn(PollCounted::new(rx, &polls));
                yield_until(FLAVOR, 2, || polls.get() >= 1).await;
                thread::spawn(move || {
                    thread::sleep(Duration::from_millis(10));
                    drop(tx);
                });
                let err = waiter.await.unwrap().unwrap_err();
                assert_eq!(err.to_string(), "channel closed");
            });
        });
    }

    fn closed_completes_when_the_receiver_drops() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                // In a task, with the receiver dropped from `block_on`.
                let (mut tx, rx) = oneshot::channel::<u8>();
                let polls = Counter::new();
                let watcher = runtime::spawn(PollCounted::new(
                    async move {
                        tx.closed().await;
                        tx.is_closed()
                    },
                    &polls,
                ));
                yield_until(FLAVOR, 3, || polls.get() >= 1).await;
                assert!(!watcher.is_finished());
                drop(rx);
                assert!(watcher.await.unwrap());

                // With the receiver dropped on another thread.
                let (mut tx, rx) = oneshot::channel::<u8>();
                let t = thread::spawn(move || {
                    thread::sleep(Duration::from_millis(10));
                    drop(rx);
                });
                tx.closed().await;
                t.join().unwrap();

                // `Receiver::close` counts too, and `closed` is immediate afterwards.
                let (mut tx, mut rx) = oneshot::channel::<u8>();
                rx.close();
                tx.closed().await;
                assert_eq!(tx.send(1), Err(1));
                assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            });
        });
    }

    fn closed_does_not_complete_while_the_receiver_lives() {
        let rt = rt();
        rt.block_on(async {
            let (mut tx, rx) = oneshot::channel::<u8>();
            let mut closed = Box::pin(async move {
                tx.closed().await;
            });
            for _ in 0..5 {
                assert!(runtime_tests::poll_once(&mut closed).await.is_pending());
                yield_now().await;
            }
            drop(rx);
            assert!(runtime_tests::poll_once(&mut closed).await.is_ready());
        });
    }

    fn a_value_sent_to_a_cancelled_task_is_dropped_exactly_once() {
        // Sent into a receiver held by a task that the runtime cancels.
        let drops = Counter::new();
        let rt = rt();
        let (tx, rx) = oneshot::channel::<DropGuard>();
        let task = rt.spawn(async move {
            std::future::pending::<()>().await;
            drop(rx);
        });
        tx.send(drops.guard()).unwrap();
        task.abort();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(drops.get(), 1);
    }

    fn receiver_awaited_in_a_task_woken_from_another_thread() {
        within(SOON, || {
            let rt = rt();
            let sum = rt.block_on(async {
                let mut handles = Vec::new();
                let mut threads = Vec::new();
                for i in 0..16u64 {
                    let (tx, rx) = oneshot::channel();
                    handles.push(runtime::spawn(async move { rx.await.unwrap() }));
                    threads.push(thread::spawn(move || {
                        thread::sleep(Duration::from_millis(1 + i % 4));
                        tx.send(i).unwrap();
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
            assert_eq!(sum, (0..16u64).sum::<u64>());
        });
    }

    fn receiver_and_closed_moved_to_another_task_wake_the_new_one() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                // The receiver registers `block_on`'s waker, then moves into a task.
                let (tx, mut rx) = oneshot::channel::<u32>();
                assert!(runtime_tests::poll_once(&mut rx).await.is_pending());
                let polls = Counter::new();
                let receiver =
                    runtime::spawn(PollCounted::new(async move { rx.await.unwrap() }, &polls));
                // The task has registered its own waker.
                yield_until(FLAVOR, 3, || polls.get() >= 1).await;
                let t = thread::spawn(move || tx.send(5).unwrap());
                assert_eq!(receiver.await.unwrap(), 5);
                t.join().unwrap();

                // Same for the sender's `closed`.
                let (mut tx, rx) = oneshot::channel::<u32>();
                {
                    let mut closed = Box::pin(tx.closed());
                    assert!(runtime_tests::poll_once(&mut closed).await.is_pending());
                }
                let polls = Counter::new();
                let watcher =
                    runtime::spawn(PollCounted::new(async move { tx.closed().await }, &polls));
                yield_until(FLAVOR, 3, || polls.get() >= 1).await;
                let t = thread::spawn(move || drop(rx));
                watcher.await.unwrap();
                t.join().unwrap();
            });
        });
    }
}
