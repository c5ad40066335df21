//! `runtime::sync::mpsc` under the runtime: tasks talking through channels on both flavors,
//! misuse panics, a multi-producer stress test with exact counts, and the cooperative budget.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use runtime::sync::{mpsc, oneshot};
use runtime_tests::{both_flavors, within, Flavor, SOON};

/// The cooperative budget per task poll (as in `tests/tests/coop.rs`).
const BUDGET: usize = 128;

/// A runtime with one worker on the multi-thread flavor, so two tasks share a queue.
fn one_worker_rt(flavor: Flavor) -> runtime::runtime::Runtime {
    flavor.builder().worker_threads(1).build().unwrap()
}

both_flavors! {
    fn tasks_exchange_values_through_a_bounded_channel() {
        within(SOON, || {
            let rt = rt();
            let sum = rt.block_on(async {
                let (tx, mut rx) = mpsc::channel::<u64>(8);
                let producer = runtime::spawn(async move {
                    for i in 0..10_000u64 {
                        tx.send(i).await.unwrap();
                    }
                });
                let mut sum = 0;
                let mut next = 0;
                while let Some(v) = rx.recv().await {
                    assert_eq!(v, next);
                    next += 1;
                    sum += v;
                }
                producer.await.unwrap();
                sum
            });
            assert_eq!(sum, (0..10_000u64).sum::<u64>());
        });
    }

    fn unbounded_channel_and_closed() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
                let watcher = {
                    let tx = tx.clone();
                    runtime::spawn(async move { tx.closed().await })
                };
                for i in 0..100 {
                    tx.send(i).unwrap();
                }
                let mut buf = Vec::new();
                let mut got = 0;
                while got < 100 {
                    got += rx.recv_many(&mut buf, 32).await;
                }
                assert_eq!(buf, (0..100).collect::<Vec<_>>());
                drop(rx);
                watcher.await.unwrap();
                assert!(tx.send(1).is_err());
            });
        });
    }

    fn request_reply_with_oneshot() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                let (tx, mut rx) = mpsc::channel::<(u32, oneshot::Sender<u32>)>(16);
                let server = runtime::spawn(async move {
                    while let Some((n, reply)) = rx.recv().await {
                        let _ = reply.send(n * 2);
                    }
                });
                for i in 0..1000 {
                    let (reply_tx, reply_rx) = oneshot::channel();
                    tx.send((i, reply_tx)).await.unwrap();
                    assert_eq!(reply_rx.await.unwrap(), i * 2);
                }
                drop(tx);
                server.await.unwrap();
            });
        });
    }

    fn blocking_send_and_recv_from_spawn_blocking() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                let (tx, rx) = mpsc::channel::<u32>(2);
                let (back_tx, mut back_rx) = mpsc::channel::<u32>(2);
                let worker = runtime::task::spawn_blocking(move || {
                    let mut rx = rx;
                    while let Some(v) = rx.blocking_recv() {
                        back_tx.blocking_send(v + 1).unwrap();
                    }
                });
                for i in 0..100 {
                    tx.send(i).await.unwrap();
                    assert_eq!(back_rx.recv().await, Some(i + 1));
                }
                drop(tx);
                worker.await.unwrap();
                assert_eq!(back_rx.recv().await, None);
            });
        });
    }

    #[should_panic(expected = "`.await`")]
    fn blocking_recv_inside_the_runtime_panics() {
        let rt = rt();
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        tx.try_send(1).unwrap();
        rt.block_on(async move {
            let _ = rx.blocking_recv();
        });
    }

    #[should_panic(expected = "`.await`")]
    fn blocking_send_inside_the_runtime_panics() {
        let rt = rt();
        let (tx, _rx) = mpsc::channel::<u32>(1);
        rt.block_on(async move {
            let _ = tx.blocking_send(1);
        });
    }

    #[should_panic(expected = "`.await`")]
    fn unbounded_blocking_recv_inside_the_runtime_panics() {
        let rt = rt();
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        tx.send(1).unwrap();
        rt.block_on(async move {
            let _ = rx.blocking_recv();
        });
    }

    fn a_receiver_with_ready_messages_still_yields() {
        within(SOON, || {
            let rt = one_worker_rt(FLAVOR);
            let seen_at = rt.block_on(async {
                runtime::spawn(async {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    let total = 8 * BUDGET;
                    for i in 0..total {
                        tx.send(i).unwrap();
                    }
                    let flag = Arc::new(AtomicBool::new(false));
                    let f = flag.clone();
                    runtime::spawn(async move { f.store(true, SeqCst) });
                    let mut seen_at = None;
                    for i in 0..total {
                        assert_eq!(rx.recv().await, Some(i));
                        if seen_at.is_none() && flag.load(SeqCst) {
                            seen_at = Some(i);
                        }
                    }
                    seen_at
                })
                .await
                .unwrap()
            });
            let i = seen_at.expect("a loop over ready messages never yielded");
            assert!(i < 4 * BUDGET, "yielded only at {i}");
        });
    }
}

/// Four producers × 50,000 messages through a small bounded channel on the multi-thread
/// runtime: every message arrives exactly once, each producer's in order.
#[test]
fn stress_four_producers_multi_thread() {
    const PRODUCERS: usize = 4;
    const PER: usize = 50_000;
    within(std::time::Duration::from_secs(120), || {
        let rt = Flavor::MultiThread.rt();
        let received = Arc::new(AtomicUsize::new(0));
        let r = received.clone();
        rt.block_on(async move {
            let (tx, mut rx) = mpsc::channel::<(usize, usize)>(64);
            let (utx, mut urx) = mpsc::unbounded_channel::<(usize, usize)>();
            let mut producers = Vec::new();
            for p in 0..PRODUCERS {
                let tx = tx.clone();
                let utx = utx.clone();
                producers.push(runtime::spawn(async move {
                    for i in 0..PER {
                        tx.send((p, i)).await.unwrap();
                        utx.send((p, i)).unwrap();
                    }
                }));
            }
            drop((tx, utx));
            let consumer = runtime::spawn(async move {
                let mut next = [0usize; PRODUCERS];
                while let Some((p, i)) = urx.recv().await {
                    assert_eq!(i, next[p]);
                    next[p] += 1;
                }
                next
            });
            let mut next = [0usize; PRODUCERS];
            while let Some((p, i)) = rx.recv().await {
                assert_eq!(i, next[p], "producer {p} out of order");
                next[p] += 1;
                r.fetch_add(1, SeqCst);
            }
            assert_eq!(next, [PER; PRODUCERS]);
            assert_eq!(consumer.await.unwrap(), [PER; PRODUCERS]);
            for p in producers {
                p.await.unwrap();
            }
        });
        assert_eq!(received.load(SeqCst), PRODUCERS * PER);
    });
}

both_flavors! {
    fn send_timeout_waits_on_the_runtime_clock() {
        within(SOON, || {
            let rt = builder().start_paused(true).build().unwrap();
            rt.block_on(async {
                use runtime::sync::mpsc::error::SendTimeoutError;
                use runtime::time::{Duration, Instant};

                let (tx, mut rx) = mpsc::channel(1);
                tx.send_timeout(1, Duration::from_secs(60)).await.unwrap();
                // Full: gives up after the timeout, on the paused clock (no real waiting).
                let start = Instant::now();
                let err = tx.send_timeout(2, Duration::from_secs(60)).await.unwrap_err();
                assert_eq!(err, SendTimeoutError::Timeout(2));
                assert_eq!(err.to_string(), "timed out waiting on send operation");
                assert!(start.elapsed() >= Duration::from_secs(60));
                // Room made before the timeout: sent.
                let sender = runtime::spawn({
                    let tx = tx.clone();
                    async move { tx.send_timeout(3, Duration::from_secs(60)).await }
                });
                runtime::time::sleep(Duration::from_secs(1)).await;
                assert_eq!(rx.recv().await, Some(1));
                sender.await.unwrap().unwrap();
                assert_eq!(rx.recv().await, Some(3));
                drop(rx);
                assert_eq!(
                    tx.send_timeout(4, Duration::from_secs(1)).await,
                    Err(SendTimeoutError::Closed(4))
                );
            });
        });
    }

    fn send_timeout_on_a_runtime_without_time_names_enable_time() {
        // Built with I/O but without the time driver.
        let rt = match FLAVOR {
            Flavor::CurrentThread => runtime::runtime::Builder::new_current_thread(),
            Flavor::MultiThread => runtime::runtime::Builder::new_multi_thread(),
        }
        .enable_io()
        .build()
        .unwrap();
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let (tx, _rx) = mpsc::channel::<u8>(1);
                let _ = tx.send_timeout(1, std::time::Duration::from_secs(1)).await;
            })
        }))
        .unwrap_err();
        let msg = err
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(msg.contains("enable_time"), "{msg}");
    }
}

#[test]
fn send_timeout_after_handle_enter_uses_that_runtime() {
    let rt = runtime_tests::current_thread_rt();
    let (tx, _rx) = mpsc::channel::<u8>(1);
    tx.try_send(0).unwrap();
    // Created and first polled inside the runtime's context, then driven by block_on.
    let fut = {
        let _guard = rt.enter();
        let mut fut = Box::pin(tx.send_timeout(1, std::time::Duration::from_millis(10)));
        use std::future::Future;
        let waker = std::task::Waker::noop();
        assert!(fut
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
            .is_pending());
        fut
    };
    assert!(rt.block_on(fut).is_err());
}
