//! `broadcast`, `watch`, `CancellationToken`, `Barrier`, `OnceCell` and `SetOnce` under the
//! runtime: their contracts on both flavors, `blocking_*` misuse, and stress tests on the
//! multi-thread runtime.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use runtime::sync::{broadcast, watch, Barrier, CancellationToken, OnceCell, SetOnce};
use runtime_tests::{both_flavors, multi_thread_rt, panic_message, settle, within, SOON};

both_flavors! {
    fn broadcast_tasks_receive_every_value_in_order() {
        rt().block_on(async {
            let (tx, rx) = broadcast::channel::<u32>(64);
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let mut rx = rx.resubscribe();
                    runtime::spawn(async move {
                        let mut seen = Vec::new();
                        while let Ok(v) = rx.recv().await {
                            seen.push(v);
                        }
                        seen
                    })
                })
                .collect();
            drop(rx);
            for v in 0..50 {
                assert_eq!(tx.send(v), Ok(8));
                if v % 10 == 0 {
                    runtime::task::yield_now().await;
                }
            }
            drop(tx);
            for handle in handles {
                assert_eq!(handle.await.unwrap(), (0..50).collect::<Vec<_>>());
            }
        });
    }

    fn broadcast_lagging_task_gets_lagged_then_the_oldest_value() {
        rt().block_on(async {
            let (tx, mut rx) = broadcast::channel::<u32>(4);
            for v in 0..10 {
                tx.send(v).unwrap();
            }
            assert_eq!(rx.recv().await, Err(broadcast::error::RecvError::Lagged(6)));
            assert_eq!(rx.recv().await, Ok(6));
        });
    }

    fn broadcast_a_dropped_recv_loses_nothing() {
        rt().block_on(async {
            let (tx, mut rx) = broadcast::channel::<u32>(4);
            {
                let mut recv = Box::pin(rx.recv());
                assert!(runtime_tests::poll_once(&mut recv).await.is_pending());
            }
            tx.send(1).unwrap();
            assert_eq!(rx.recv().await, Ok(1));
        });
    }

    fn broadcast_sender_closed_waits_for_the_last_receiver() {
        rt().block_on(async {
            let (tx, rx) = broadcast::channel::<u32>(4);
            let task = runtime::spawn(async move {
                runtime::task::yield_now().await;
                drop(rx);
            });
            tx.closed().await;
            assert_eq!(tx.receiver_count(), 0);
            task.await.unwrap();
        });
    }

    fn broadcast_blocking_recv_inside_the_runtime_panics_naming_await() {
        let rt = rt();
        let (_tx, mut rx) = broadcast::channel::<u32>(4);
        let payload = rt
            .block_on(async move {
                runtime::spawn(async move { rx.blocking_recv() }).await
            })
            .unwrap_err()
            .into_panic();
        let msg = panic_message(&*payload).unwrap();
        assert!(msg.contains("`.await`"), "{msg}");
    }

    fn broadcast_blocking_recv_from_spawn_blocking() {
        rt().block_on(async {
            let (tx, mut rx) = broadcast::channel::<u32>(4);
            let reader = runtime::task::spawn_blocking(move || rx.blocking_recv());
            settle(FLAVOR).await;
            tx.send(9).unwrap();
            assert_eq!(reader.await.unwrap(), Ok(9));
        });
    }
}

/// 100 receiver tasks × 10,000 values through a buffer too small to hold them: each task
/// sees increasing values, and received + missed == sent, exactly; every value is dropped.
#[test]
fn broadcast_stress_100_receivers_exact_accounting() {
    const RECEIVERS: usize = 100;
    const VALUES: u64 = 10_000;
    within(SOON * 6, || {
        let rt = multi_thread_rt();
        static CLONES: AtomicUsize = AtomicUsize::new(0);
        let drops = Arc::new(AtomicUsize::new(0));
        struct Tracked(u64, Arc<AtomicUsize>);
        impl Clone for Tracked {
            fn clone(&self) -> Tracked {
                CLONES.fetch_add(1, SeqCst);
                Tracked(self.0, self.1.clone())
            }
        }
        impl Drop for Tracked {
            fn drop(&mut self) {
                self.1.fetch_add(1, SeqCst);
            }
        }
        let received = rt.block_on(async {
            let (tx, rx) = broadcast::channel::<Tracked>(256);
            let handles: Vec<_> = (0..RECEIVERS)
                .map(|_| {
                    let mut rx = rx.resubscribe();
                    runtime::spawn(async move {
                        let (mut got, mut missed, mut last) = (0u64, 0u64, None);
                        loop {
                            match rx.recv().await {
                                Ok(Tracked(v, _)) => {
                                    assert!(last < Some(v));
                                    last = Some(v);
                                    got += 1;
                                }
                                Err(broadcast::error::RecvError::Lagged(n)) => missed += n,
                                Err(broadcast::error::RecvError::Closed) => break,
                            }
                        }
                        (got, missed)
                    })
                })
                .collect();
            drop(rx);
            let sender = runtime::spawn({
                let drops = drops.clone();
                async move {
                    for v in 0..VALUES {
                        assert_eq!(tx.send(Tracked(v, drops.clone())).ok(), Some(RECEIVERS));
                        if v % 32 == 0 {
                            runtime::task::yield_now().await;
                        }
                    }
                }
            });
            sender.await.unwrap();
            let mut received = 0;
            for handle in handles {
                let (got, missed) = handle.await.unwrap();
                assert_eq!(got + missed, VALUES);
                received += got;
            }
            received
        });
        drop(rt);
        // Every original and every clone was dropped exactly once, and a receiver got each
        // value it received either as a clone or as the original (moved to the last reader).
        let (dropped, clones) = (drops.load(SeqCst) as u64, CLONES.load(SeqCst) as u64);
        assert_eq!(dropped, VALUES + clones);
        assert!(
            received <= clones + VALUES && received >= clones,
            "{received} {clones}"
        );
    });
}

both_flavors! {
    fn watch_tasks_follow_the_value_to_the_last_one() {
        rt().block_on(async {
            let (tx, rx) = watch::channel(0u32);
            let handles: Vec<_> = (0..10)
                .map(|_| {
                    let mut rx = rx.clone();
                    runtime::spawn(async move {
                        let mut last = 0;
                        while rx.changed().await.is_ok() {
                            let v = *rx.borrow_and_update();
                            assert!(v > last);
                            last = v;
                        }
                        last
                    })
                })
                .collect();
            for v in 1..=100 {
                tx.send(v).unwrap();
                if v % 7 == 0 {
                    runtime::task::yield_now().await;
                }
            }
            drop(tx);
            for handle in handles {
                assert_eq!(handle.await.unwrap(), 100);
            }
        });
    }

    fn watch_wait_for_and_sender_closed() {
        rt().block_on(async {
            let (tx, mut rx) = watch::channel("init");
            let waiter = runtime::spawn(async move {
                let v = *rx.wait_for(|v| *v == "ready").await.unwrap();
                v
            });
            tx.send("busy").unwrap();
            tx.send("ready").unwrap();
            assert_eq!(waiter.await.unwrap(), "ready");
            // The receiver went with the task.
            tx.closed().await;
            assert!(tx.send("late").is_err());
        });
    }

    fn token_cancel_wakes_tasks_waiting_on_descendants() {
        rt().block_on(async {
            let root = CancellationToken::new();
            let handles: Vec<_> = (0..20)
                .map(|_| {
                    let token = root.child_token().child_token();
                    runtime::spawn(async move { token.cancelled_owned().await })
                })
                .collect();
            settle(FLAVOR).await;
            root.cancel();
            for handle in handles {
                handle.await.unwrap();
            }
            let token = CancellationToken::new();
            let t2 = token.clone();
            let work = runtime::spawn(async move {
                t2.run_until_cancelled(std::future::pending::<()>()).await
            });
            runtime::task::yield_now().await;
            token.cancel();
            assert_eq!(work.await.unwrap(), None);
        });
    }

    fn barrier_releases_tasks_with_one_leader_per_generation() {
        rt().block_on(async {
            let barrier = Arc::new(Barrier::new(5));
            let leaders = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..5)
                .map(|_| {
                    let barrier = barrier.clone();
                    let leaders = leaders.clone();
                    runtime::spawn(async move {
                        for _ in 0..10 {
                            if barrier.wait().await.is_leader() {
                                leaders.fetch_add(1, SeqCst);
                            }
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
            assert_eq!(leaders.load(SeqCst), 10);
        });
    }

    fn once_cell_and_set_once_under_tasks() {
        rt().block_on(async {
            let cell = Arc::new(OnceCell::new());
            let runs = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..10)
                .map(|i| {
                    let cell = cell.clone();
                    let runs = runs.clone();
                    runtime::spawn(async move {
                        *cell
                            .get_or_init(|| async move {
                                runs.fetch_add(1, SeqCst);
                                runtime::task::yield_now().await;
                                i
                            })
                            .await
                    })
                })
                .collect();
            let mut values = Vec::new();
            for handle in handles {
                values.push(handle.await.unwrap());
            }
            assert_eq!(runs.load(SeqCst), 1);
            assert!(values.iter().all(|v| *v == values[0]));

            let once = Arc::new(SetOnce::new());
            let waiter = runtime::spawn({
                let once = once.clone();
                async move { *once.wait().await }
            });
            runtime::task::yield_now().await;
            once.set(3).unwrap();
            assert_eq!(waiter.await.unwrap(), 3);
        });
    }
}

/// One sender, 100 receiver tasks on the multi-thread runtime: every task ends on the last
/// value, having seen an increasing sequence.
#[test]
fn watch_stress_100_receivers() {
    within(SOON * 6, || {
        let rt = multi_thread_rt();
        rt.block_on(async {
            let (tx, rx) = watch::channel(0u64);
            let handles: Vec<_> = (0..100)
                .map(|_| {
                    let mut rx = rx.clone();
                    runtime::spawn(async move {
                        let mut last = 0;
                        while rx.changed().await.is_ok() {
                            let v = *rx.borrow_and_update();
                            assert!(v > last);
                            last = v;
                        }
                        last
                    })
                })
                .collect();
            drop(rx);
            let sender = runtime::spawn(async move {
                for v in 1..=10_000u64 {
                    tx.send(v).unwrap();
                    if v % 16 == 0 {
                        runtime::task::yield_now().await;
                    }
                }
            });
            sender.await.unwrap();
            for handle in handles {
                assert_eq!(handle.await.unwrap(), 10_000);
            }
        });
    });
}

/// A tree of 10,000 tokens (fan-out 10, depth 4 plus leaves) with a task waiting on every
/// node, cancelled from the root while the tasks wait: every task finishes.
#[test]
fn token_tree_of_10_000_cancelled_while_tasks_wait() {
    within(SOON * 6, || {
        let rt = multi_thread_rt();
        rt.block_on(async {
            let root = CancellationToken::new();
            let mut level = vec![root.clone()];
            let mut all = Vec::new();
            while all.len() < 10_000 {
                let mut next = Vec::new();
                for parent in &level {
                    for _ in 0..10 {
                        if all.len() + next.len() >= 10_000 {
                            break;
                        }
                        next.push(parent.child_token());
                    }
                }
                all.extend(next.iter().cloned());
                level = next;
            }
            assert_eq!(all.len(), 10_000);
            let done = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = all
                .into_iter()
                .map(|token| {
                    let done = done.clone();
                    runtime::spawn(async move {
                        token.cancelled().await;
                        done.fetch_add(1, SeqCst);
                    })
                })
                .collect();
            drop(level);
            runtime::task::yield_now().await;
            root.cancel();
            for handle in handles {
                handle.await.unwrap();
            }
            assert_eq!(done.load(SeqCst), 10_000);
        });
    });
}
