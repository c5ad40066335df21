//! `Mutex`, `RwLock`, `Semaphore` and `Notify` under the runtime, on both flavors: exact
//! counts under contention, bounded concurrency, cancellation through `select!` and abort,
//! the budget, and the blocking methods' misuse panic.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use runtime::sync::{Mutex, Notify, RwLock, Semaphore};
use runtime::task::{yield_now, JoinSet};
use runtime_tests::{both_flavors, settle, yield_until};

both_flavors! {
    fn mutex_contended_by_16_tasks_counts_exactly() {
        rt().block_on(async {
            let counter = Arc::new(Mutex::new(0u64));
            let mut set = JoinSet::new();
            for _ in 0..16 {
                let counter = counter.clone();
                set.spawn(async move {
                    for i in 0..5_000u32 {
                        let mut n = counter.lock().await;
                        *n += 1;
                        if i % 64 == 0 {
                            // Hold the lock across an await now and then.
                            yield_now().await;
                        }
                    }
                });
            }
            while let Some(res) = set.join_next().await {
                res.unwrap();
            }
            assert_eq!(*counter.lock().await, 80_000);
        });
    }

    fn a_semaphore_bounds_concurrency() {
        rt().block_on(async {
            let sem = Arc::new(Semaphore::new(3));
            let inside = Arc::new(AtomicUsize::new(0));
            let peak = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..100 {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                set.spawn(async move {
                    let _permit = sem.acquire_owned().await.unwrap();
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    yield_now().await;
                    inside.fetch_sub(1, SeqCst);
                });
            }
            while let Some(res) = set.join_next().await {
                res.unwrap();
            }
            assert!(peak.load(SeqCst) <= 3);
            assert_eq!(sem.available_permits(), 3);
        });
    }

    fn rwlock_readers_and_writers_under_load() {
        rt().block_on(async {
            let lock = Arc::new(RwLock::new(Vec::<u32>::new()));
            let mut set = JoinSet::new();
            for w in 0..4u32 {
                let lock = lock.clone();
                set.spawn(async move {
                    for i in 0..500 {
                        lock.write().await.push(w * 1_000 + i);
                        yield_now().await;
                    }
                });
            }
            for _ in 0..8 {
                let lock = lock.clone();
                set.spawn(async move {
                    for _ in 0..500 {
                        let v = lock.read().await;
                        // A reader never sees a half-done write: lengths only grow.
                        assert!(v.len() <= 2_000);
                        drop(v);
                        yield_now().await;
                    }
                });
            }
            while let Some(res) = set.join_next().await {
                res.unwrap();
            }
            assert_eq!(lock.read().await.len(), 2_000);
        });
    }

    fn aborting_a_task_waiting_for_a_lock_passes_the_lock_on() {
        rt().block_on(async {
            let lock = Arc::new(Mutex::new(0));
            let started = Arc::new(AtomicUsize::new(0));
            let guard = lock.clone().lock_owned().await;
            let spawn_locker = |add: u32| {
                let (lock, started) = (lock.clone(), started.clone());
                runtime::spawn(async move {
                    started.fetch_add(1, SeqCst);
                    *lock.lock().await += add;
                })
            };
            let waiting = spawn_locker(1);
            yield_until(FLAVOR, 20, || started.load(SeqCst) == 1).await;
            settle(FLAVOR).await;
            let next = spawn_locker(10);
            yield_until(FLAVOR, 20, || started.load(SeqCst) == 2).await;
            settle(FLAVOR).await;
            // `waiting` is first in line; aborting it must hand the lock to `next`.
            waiting.abort();
            assert!(waiting.await.unwrap_err().is_cancelled());
            drop(guard);
            next.await.unwrap();
            assert_eq!(*lock.lock().await, 10);
        });
    }

    fn select_over_notified_loses_no_wake_up() {
        rt().block_on(async {
            let notify = Arc::new(Notify::new());
            let hits = Arc::new(AtomicUsize::new(0));
            let waiter = runtime::spawn({
                let (notify, hits) = (notify.clone(), hits.clone());
                async move {
                    while hits.load(SeqCst) < 1_000 {
                        runtime::select! {
                            _ = notify.notified() => { hits.fetch_add(1, SeqCst); }
                            _ = yield_now() => {}
                        }
                    }
                }
            });
            let mut sent = 0;
            // One load per round: with two (`< 1_000`, then `== sent`), the last hit can land
            // between them and a notification too many goes out.
            loop {
                let seen = hits.load(SeqCst);
                if seen >= 1_000 {
                    break;
                }
                if seen == sent {
                    sent += 1;
                    notify.notify_one();
                }
                yield_now().await;
            }
            waiter.await.unwrap();
            assert_eq!(hits.load(SeqCst), 1_000);
        });
    }

    fn eight_waiters_dropping_their_notified_futures_lose_no_wake_up() {
        // Each notification is sent only once the previous one was consumed, so a lost one
        // (picked for a future that was then dropped without passing it on, or a woken
        // future that never completes) hangs the loop. The waiters drop their `Notified`
        // whenever the `yield_now` branch wins, often right after being picked.
        rt().block_on(async {
            const NOTIFICATIONS: usize = 2_000;
            let notify = Arc::new(Notify::new());
            let hits = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..8 {
                let (notify, hits) = (notify.clone(), hits.clone());
                set.spawn(async move {
                    while hits.load(SeqCst) < NOTIFICATIONS {
                        runtime::select! {
                            _ = notify.notified() => { hits.fetch_add(1, SeqCst); }
                            _ = yield_now() => {}
                        }
                    }
                });
            }
            let mut sent = 0;
            // One load per round: with two (`< NOTIFICATIONS`, then `== sent`), the last hit can land
            // between them and a notification too many goes out.
            loop {
                let seen = hits.load(SeqCst);
                if seen >= NOTIFICATIONS {
                    break;
                }
                if seen == sent {
                    sent += 1;
                    notify.notify_one();
                }
                yield_now().await;
            }
            while let Some(res) = set.join_next().await {
                res.unwrap();
            }
            assert_eq!(hits.load(SeqCst), NOTIFICATIONS);
        });
    }

    fn an_always_free_mutex_still_lets_other_tasks_run() {
        rt().block_on(async {
            let lock = Arc::new(Mutex::new(0u64));
            let other_ran = Arc::new(AtomicUsize::new(0));
            let other = runtime::spawn({
                let other_ran = other_ran.clone();
                async move {
                    other_ran.store(1, SeqCst);
                }
            });
            let spinner = runtime::spawn({
                let (lock, other_ran) = (lock.clone(), other_ran.clone());
                async move {
                    // Never waits for the lock, but the budget makes it yield.
                    let mut n = 0u64;
                    while other_ran.load(SeqCst) == 0 {
                        *lock.lock().await += 1;
                        n += 1;
                        assert!(n < 10_000_000, "the other task never ran");
                    }
                }
            });
            other.await.unwrap();
            spinner.await.unwrap();
        });
    }

    fn blocking_lock_inside_the_runtime_panics_with_a_message() {
        let rt = rt();
        let lock = Arc::new(Mutex::new(()));
        let err = rt
            .block_on(rt.spawn({
                let lock = lock.clone();
                async move {
                    drop(lock.blocking_lock());
                }
            }))
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("Mutex::blocking_lock"), "{message}");
        assert!(message.contains("`.await`"), "{message}");
        // From a blocking thread it is fine.
        rt.block_on(async move {
            runtime::task::spawn_blocking(move || drop(lock.blocking_lock()))
                .await
                .unwrap();
        });
    }
}
