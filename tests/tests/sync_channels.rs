//! `broadcast`, `watch`, `CancellationToken`, `Barrier`, `OnceCell` and `SetOnce` under the
//! runtime: their contracts on both flavors, `blocking_*` misuse, and stress tests on the
//! multi-thread runtime.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use runtime::sync::broadcast;
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
