//! `task_local!`: scopes, reads, nesting, values that follow their task across threads and
//! never leak into other tasks, destructors inside the scope, misuse.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use runtime::task::yield_now;
use runtime_tests::{both_flavors, panic_message, Counter};

runtime::task_local! {
    /// A request id.
    pub static REQUEST: u32;
    static NAME: String;
}

runtime::task_local! {
    static OBSERVED_ON_DROP: Arc<AtomicUsize>;
}

/// Records, when dropped, the task-local value it can see (or 0 for none).
struct ReadsOnDrop(Arc<AtomicUsize>);

impl Drop for ReadsOnDrop {
    fn drop(&mut self) {
        let seen = REQUEST.try_with(|v| *v as usize).unwrap_or(0);
        self.0.store(seen, SeqCst);
    }
}

both_flavors! {
    fn scope_sets_the_value_for_the_future_only() {
        rt().block_on(async {
            assert!(REQUEST.try_with(|_| ()).is_err());
            let out = REQUEST
                .scope(7, async {
                    assert_eq!(REQUEST.get(), 7);
                    yield_now().await;
                    REQUEST.with(|v| *v * 2)
                })
                .await;
            assert_eq!(out, 14);
            assert!(REQUEST.try_with(|_| ()).is_err(), "gone after the scope");
        });
    }

    fn nested_scopes_shadow_and_restore() {
        rt().block_on(async {
            REQUEST
                .scope(1, async {
                    NAME.scope("outer".to_string(), async {
                        REQUEST
                            .scope(2, async {
                                yield_now().await;
                                assert_eq!(REQUEST.get(), 2);
                                assert_eq!(NAME.get(), "outer");
                            })
                            .await;
                        assert_eq!(REQUEST.get(), 1);
                    })
                    .await;
                })
                .await;
        });
    }

    fn values_follow_their_tasks_and_never_leak_into_others() {
        rt().block_on(async {
            let checks = Counter::new();
            let mut tasks = Vec::new();
            for id in 0..200u32 {
                let checks = checks.clone();
                tasks.push(runtime::spawn(REQUEST.scope(id, async move {
                    for _ in 0..20 {
                        assert_eq!(REQUEST.get(), id);
                        yield_now().await;
                        checks.inc();
                    }
                })));
                // A task without a scope sees nothing, whatever ran on its thread before.
                tasks.push(runtime::spawn(async {
                    for _ in 0..5 {
                        assert!(REQUEST.try_with(|_| ()).is_err());
                        yield_now().await;
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(checks.get(), 200 * 20);
        });
    }

    fn the_inner_future_is_dropped_inside_its_scope() {
        rt().block_on(async {
            // Cancelled before completion.
            let seen = Arc::new(AtomicUsize::new(usize::MAX));
            let guard = ReadsOnDrop(seen.clone());
            let mut future = Box::pin(REQUEST.scope(5, async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            }));
            assert!(runtime_tests::poll_once(&mut future).await.is_pending());
            drop(future);
            assert_eq!(seen.load(SeqCst), 5);

            // Completed: its locals are dropped inside the scope too.
            let seen = Arc::new(AtomicUsize::new(usize::MAX));
            let guard = ReadsOnDrop(seen.clone());
            REQUEST
                .scope(6, async move {
                    let _guard = guard;
                    yield_now().await;
                })
                .await;
            assert_eq!(seen.load(SeqCst), 6);

            // Never polled.
            let seen = Arc::new(AtomicUsize::new(usize::MAX));
            let guard = ReadsOnDrop(seen.clone());
            drop(REQUEST.scope(8, async move {
                let _guard = guard;
            }));
            assert_eq!(seen.load(SeqCst), 8);
        });
    }

    fn take_value_removes_the_value_from_the_future() {
        rt().block_on(async {
            let mut future = Box::pin(NAME.scope("taken".to_string(), async {
                yield_now().await;
                NAME.try_with(|n| n.clone()).is_ok()
            }));
            assert!(runtime_tests::poll_once(&mut future).await.is_pending());
            assert_eq!(future.as_mut().take_value().as_deref(), Some("taken"));
            assert_eq!(future.as_mut().take_value(), None);
            assert!(!future.await, "the future runs on without the value");
        });
    }

    fn a_value_set_in_a_task_is_seen_by_futures_it_joins_but_not_tasks_it_spawns() {
        rt().block_on(async {
            REQUEST
                .scope(3, async {
                    let (a, b) = runtime::join!(async { REQUEST.get() }, async {
                        yield_now().await;
                        REQUEST.get()
                    });
                    assert_eq!((a, b), (3, 3));
                    let spawned = runtime::spawn(async { REQUEST.try_with(|v| *v).ok() });
                    assert_eq!(spawned.await.unwrap(), None);
                })
                .await;
        });
    }
}

#[test]
fn sync_scope_sets_the_value_for_a_closure() {
    let out = REQUEST.sync_scope(11, || {
        assert_eq!(REQUEST.get(), 11);
        REQUEST.sync_scope(12, || REQUEST.get()) + REQUEST.get()
    });
    assert_eq!(out, 23);
    assert!(REQUEST.try_with(|_| ()).is_err());
}

#[test]
fn a_panic_inside_sync_scope_still_restores_the_slot() {
    let result = catch_unwind(|| REQUEST.sync_scope(1, || panic!("inside")));
    assert!(result.is_err());
    assert!(REQUEST.try_with(|_| ()).is_err());
    assert_eq!(REQUEST.sync_scope(2, || REQUEST.get()), 2);
}

#[test]
fn with_outside_a_scope_panics_with_a_message() {
    let result = catch_unwind(|| REQUEST.with(|v| *v));
    let message = panic_message(&*result.unwrap_err()).unwrap();
    assert!(message.contains("outside of its scope"), "{message}");
    assert!(message.contains("LocalKey::scope"), "{message}");
}

#[test]
fn entering_a_scope_inside_with_of_the_same_key_panics_with_a_message() {
    let result = catch_unwind(AssertUnwindSafe(|| {
        REQUEST.sync_scope(1, || REQUEST.with(|_| REQUEST.sync_scope(2, || ())))
    }));
    let message = panic_message(&*result.unwrap_err()).unwrap();
    assert!(message.contains("borrowed"), "{message}");
    // The outer scope is intact afterwards.
    assert!(REQUEST.try_with(|_| ()).is_err());
}

#[test]
fn the_access_error_displays_and_debugs() {
    let err = OBSERVED_ON_DROP.try_with(|_| ()).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    assert_eq!(format!("{err:?}"), "AccessError");
    let _: &dyn std::error::Error = &err;
}

#[test]
fn try_get_copies_the_value_inside_a_scope_and_errs_outside() {
    let rt = runtime_tests::current_thread_rt();
    assert!(REQUEST.try_get().is_err());
    rt.block_on(REQUEST.scope(9, async {
        assert_eq!(REQUEST.try_get(), Ok(9));
        yield_now().await;
        assert_eq!(REQUEST.try_get(), Ok(9));
    }));
    let mut scoped = Box::pin(REQUEST.scope(1, async { REQUEST.try_get() }));
    assert_eq!(scoped.as_mut().take_value(), Some(1));
    assert!(rt.block_on(scoped).is_err());
}
