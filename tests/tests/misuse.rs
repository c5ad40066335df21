//! Misuse panics: each names the mistake (and the fix) instead of deadlocking or misbehaving.
//! Every test checks a distinctive fragment of the real message.
//!
//! The misuses that involve a runtime are checked on both flavors (`both_flavors!`).

use std::time::Duration;

use runtime::runtime::{Builder, Handle};
use runtime::sync::oneshot;
use runtime::task;
use runtime_tests::both_flavors;

/// Awaits `h` and resumes the task's panic on this thread, so `should_panic` sees its message.
async fn resume_task_panic<T>(h: task::JoinHandle<T>) -> T {
    match h.await {
        Ok(v) => v,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

#[test]
#[should_panic(expected = "`runtime::spawn` called outside of a runtime")]
fn spawn_without_a_runtime() {
    drop(runtime::spawn(async {}));
}

#[test]
#[should_panic(expected = "`runtime::task::spawn_blocking` called outside of a runtime")]
fn spawn_blocking_without_a_runtime() {
    drop(task::spawn_blocking(|| ()));
}

#[test]
#[should_panic(expected = "`Handle::current()` called outside of a runtime")]
fn handle_current_without_a_runtime() {
    let _ = Handle::current();
}

#[test]
#[should_panic(expected = "`runtime::task::id()` called outside of a task")]
fn task_id_outside_a_task() {
    let _ = task::id();
}

#[test]
#[should_panic(expected = "`max_blocking_threads` must be at least 1")]
fn max_blocking_threads_zero() {
    Builder::new_current_thread().max_blocking_threads(0);
}

#[test]
#[should_panic(expected = "`event_interval` must be greater than 0")]
fn event_interval_zero() {
    Builder::new_current_thread().event_interval(0);
}

#[test]
#[should_panic(expected = "`global_queue_interval` must be greater than 0")]
fn global_queue_interval_zero() {
    Builder::new_current_thread().global_queue_interval(0);
}

both_flavors! {
    #[should_panic(expected = "`runtime::spawn` called outside of a runtime")]
    fn spawn_after_leaving_block_on() {
        let rt = rt();
        rt.block_on(async {});
        drop(runtime::spawn(async {}));
    }

    #[should_panic(expected = "`block_on` called from inside an async runtime")]
    fn block_on_inside_block_on() {
        let outer = rt();
        let inner = rt();
        outer.block_on(async { inner.block_on(async {}) });
    }

    #[should_panic(expected = "`block_on` called from inside an async runtime")]
    fn block_on_of_the_same_runtime_inside_its_block_on() {
        let rt = rt();
        rt.block_on(async { rt.block_on(async {}) });
    }

    #[should_panic(expected = "`block_on` called from inside an async runtime")]
    fn block_on_inside_a_task() {
        let rt = std::sync::Arc::new(rt());
        let rt2 = rt.clone();
        rt.block_on(async move {
            let h = runtime::spawn(async move { rt2.block_on(async {}) });
            resume_task_panic(h).await
        });
    }

    #[should_panic(expected = "`Handle::block_on` called from inside an async runtime")]
    fn handle_block_on_inside_a_task() {
        let rt = rt();
        rt.block_on(async {
            let h = runtime::spawn(async { Handle::current().block_on(async {}) });
            resume_task_panic(h).await
        });
    }

    #[should_panic(expected = "`Handle::block_on` called from inside an async runtime")]
    fn handle_block_on_inside_block_on() {
        let rt = rt();
        let handle = rt.handle().clone();
        rt.block_on(async move { handle.block_on(async {}) });
    }

    #[should_panic(expected = "a runtime was dropped inside an async context")]
    fn dropping_a_runtime_inside_a_task_of_another_runtime() {
        let outer = rt();
        let inner = rt();
        outer.block_on(async move {
            let h = runtime::spawn(async move { drop(inner) });
            resume_task_panic(h).await
        });
    }

    #[should_panic(expected = "a runtime was dropped inside an async context")]
    fn dropping_a_runtime_inside_block_on_of_another_runtime() {
        let outer = rt();
        let inner = rt();
        outer.block_on(async move { drop(inner) });
    }

    #[should_panic(expected = "a runtime was dropped inside an async context")]
    fn shutdown_timeout_inside_an_async_context() {
        let outer = rt();
        let inner = rt();
        outer.block_on(async move { inner.shutdown_timeout(Duration::from_millis(10)) });
    }

    #[should_panic(expected = "`EnterGuard`s dropped out of order")]
    fn enter_guards_dropped_out_of_order() {
        let a = rt();
        let b = rt();
        let ga = a.enter();
        let gb = b.enter();
        drop(ga);
        drop(gb);
    }

    #[should_panic(expected = "`runtime::task::id()` called outside of a task")]
    fn task_id_in_the_block_on_future() {
        let rt = rt();
        rt.block_on(async {
            let _ = task::id();
        });
    }

    #[should_panic(expected = "`JoinError::into_panic` called on a cancellation")]
    fn into_panic_on_a_cancellation() {
        let rt = rt();
        let h = rt.spawn(std::future::pending::<()>());
        h.abort();
        let err = rt.block_on(h).unwrap_err();
        let _ = err.into_panic();
    }

    #[should_panic(expected = "`Receiver::blocking_recv` called from inside an async runtime")]
    fn oneshot_blocking_recv_inside_block_on() {
        let rt = rt();
        let (tx, rx) = oneshot::channel::<u32>();
        tx.send(1).unwrap();
        rt.block_on(async move {
            let _ = rx.blocking_recv();
        });
    }

    #[should_panic(expected = "`Receiver::blocking_recv` called from inside an async runtime")]
    fn oneshot_blocking_recv_inside_a_task() {
        let rt = rt();
        rt.block_on(async {
            let (tx, rx) = oneshot::channel::<u32>();
            tx.send(1).unwrap();
            let h = runtime::spawn(async move { rx.blocking_recv() });
            resume_task_panic(h).await
        })
        .unwrap();
    }

    #[should_panic(expected = "`JoinHandle` polled after it returned its output")]
    fn join_handle_polled_after_completion() {
        let rt = rt();
        rt.block_on(async {
            let mut h = runtime::spawn(async { 1 });
            assert_eq!((&mut h).await.unwrap(), 1);
            let _ = (&mut h).await;
        });
    }

    #[should_panic(expected = "`oneshot::Receiver` polled after completion")]
    fn oneshot_receiver_polled_after_completion() {
        let rt = rt();
        rt.block_on(async {
            let (tx, mut rx) = oneshot::channel::<u32>();
            tx.send(1).unwrap();
            assert_eq!((&mut rx).await.unwrap(), 1);
            let _ = (&mut rx).await;
        });
    }

    fn the_runtime_survives_a_misuse_panic_in_block_on() {
        // After `block_on` unwinds from a misuse panic, the runtime is still usable.
        let outer = rt();
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            outer.block_on(async {
                let h = runtime::spawn(async { 5 });
                let _ = task::id(); // panics: `block_on`'s future is not a task
                h.await
            })
        }));
        assert!(res.is_err());
        assert_eq!(
            outer.block_on(async { runtime::spawn(async { 6 }).await.unwrap() }),
            6
        );
        // And the context was restored on the way out.
        assert!(Handle::try_current().is_err());
    }
}
