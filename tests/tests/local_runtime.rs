//! `LocalRuntime` (`Builder::build_local`) and `flavor = "local"`: `!Send` tasks from inside
//! and outside, `spawn_local` from any task of the runtime, `Send` tasks and other threads'
//! spawns alongside, shutdown, misuse.

use std::cell::{Cell, RefCell};
use std::panic::catch_unwind;
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use runtime::runtime::{Builder, LocalOptions, LocalRuntime, RuntimeFlavor};
use runtime::sync::oneshot;
use runtime::task::{self, yield_now};
use runtime_tests::{panic_message, pending_counted, yield_n, Counter};

fn local_rt() -> LocalRuntime {
    Builder::new_current_thread()
        .enable_all()
        .build_local(LocalOptions::default())
        .unwrap()
}

#[test]
fn spawn_local_from_outside_runs_during_block_on() {
    let rt = local_rt();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let task = rt.spawn_local(async move {
        yield_now().await;
        l.borrow_mut().push("task");
    });
    assert!(log.borrow().is_empty());
    rt.block_on(async {
        task.await.unwrap();
    });
    assert_eq!(*log.borrow(), ["task"]);
}

#[test]
fn spawn_local_works_from_the_body_and_from_send_tasks_of_the_runtime() {
    let rt = local_rt();
    let out = rt.block_on(async {
        let rc = Rc::new(10);
        let a = task::spawn_local(async move { *rc + 1 }).await.unwrap();
        // A `Send` task on a local runtime runs on the same thread, so it may spawn local
        // tasks too (it only awaits their `Send` outputs).
        let b = runtime::spawn(async {
            let inner = task::spawn_local(async {
                let rc = Rc::new(20);
                yield_now().await;
                *rc
            });
            inner.await.unwrap() + 1
        })
        .await
        .unwrap();
        a + b
    });
    assert_eq!(out, 32);
}

#[test]
fn handles_on_other_threads_spawn_send_tasks_onto_it() {
    let rt = local_rt();
    let handle = rt.handle().clone();
    assert_eq!(handle.runtime_flavor(), RuntimeFlavor::CurrentThread);
    let (tx, rx) = oneshot::channel();
    let spawner = thread::spawn(move || {
        handle.spawn(async move {
            tx.send(thread::current().id()).unwrap();
        });
    });
    spawner.join().unwrap();
    let ran_on = rt.block_on(async { rx.await.unwrap() });
    assert_eq!(ran_on, thread::current().id());
}

#[test]
fn spawn_local_from_a_blocking_thread_panics() {
    let rt = local_rt();
    let err = rt
        .block_on(rt.spawn_blocking(|| {
            task::spawn_local(async {});
        }))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(
        err.to_string()
            .contains("Local tasks can only be spawned on a LocalRuntime from the thread the runtime was created on"),
        "{err}"
    );
}

#[test]
fn dropping_the_runtime_cancels_local_tasks_inside_its_context() {
    let rt = local_rt();
    let dropped = Counter::new();
    let saw_runtime = Rc::new(Cell::new(false));
    struct ChecksRuntime(Rc<Cell<bool>>);
    impl Drop for ChecksRuntime {
        fn drop(&mut self) {
            self.0.set(runtime::runtime::Handle::try_current().is_ok());
        }
    }
    let guard = ChecksRuntime(saw_runtime.clone());
    rt.spawn_local(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    for _ in 0..5 {
        rt.spawn_local(pending_counted::<()>(&dropped));
    }
    rt.block_on(yield_n(3));
    drop(rt);
    assert_eq!(dropped.get(), 5);
    assert!(
        saw_runtime.get(),
        "local tasks are dropped inside the runtime's context"
    );
}

#[test]
fn shutdown_timeout_cancels_local_tasks_and_returns() {
    let rt = local_rt();
    let dropped = Counter::new();
    rt.spawn_local(pending_counted::<()>(&dropped));
    rt.spawn_blocking(|| thread::sleep(Duration::from_secs(2)));
    rt.block_on(yield_n(2));
    let start = std::time::Instant::now();
    rt.shutdown_timeout(Duration::from_millis(10));
    assert_eq!(dropped.get(), 1);
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn local_runtime_new_has_every_driver() {
    let rt = LocalRuntime::new().unwrap();
    assert_eq!(
        rt.block_on(async { task::spawn_local(async { 5 }).await.unwrap() }),
        5
    );
    let _guard = rt.enter();
    assert!(runtime::runtime::Handle::try_current().is_ok());
}

#[test]
fn build_local_on_a_multi_thread_builder_panics_with_a_message() {
    let result = catch_unwind(|| {
        let _ = Builder::new_multi_thread().build_local(LocalOptions::default());
    });
    let message = panic_message(&*result.unwrap_err()).unwrap();
    assert!(
        message.contains("Builder::new_current_thread()"),
        "{message}"
    );
}

#[test]
fn block_on_inside_the_local_runtime_panics() {
    let rt = local_rt();
    let inner = local_rt();
    let result = catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { inner.block_on(async {}) })
    }));
    let message = panic_message(&*result.unwrap_err()).unwrap();
    assert!(
        message.contains("use `.await` on the future instead of blocking on it"),
        "{message}"
    );
}

#[runtime::main(flavor = "local")]
async fn a_local_main() -> usize {
    let shared = Rc::new(RefCell::new(0));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let shared = shared.clone();
        tasks.push(task::spawn_local(async move {
            yield_now().await;
            *shared.borrow_mut() += 1;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = *shared.borrow();
    n
}

#[test]
fn main_with_the_local_flavor() {
    assert_eq!(a_local_main(), 10);
}

#[runtime::test(flavor = "local")]
async fn test_with_the_local_flavor() {
    // An `Rc` held across an await: the body need not be `Send`.
    let rc = Rc::new(1);
    yield_now().await;
    let task = task::spawn_local(async move { *rc + 1 });
    assert_eq!(task.await.unwrap(), 2);
}

#[test]
fn spawn_local_under_the_runtimes_enter_guard_spawns_on_it() {
    let rt = local_rt();
    let _guard = rt.enter();
    let value = Rc::new(5);
    let task = task::spawn_local(async move {
        yield_now().await;
        *value + 1
    });
    assert_eq!(rt.block_on(task).unwrap(), 6);
}

#[test]
fn spawn_local_in_the_context_of_another_threads_local_runtime_panics() {
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let owner = thread::spawn(move || {
        let rt = local_rt();
        tx.send(rt.handle().clone()).unwrap();
        // Keep the runtime alive until the other thread has tried.
        let _ = done_rx.recv();
    });
    let handle = rx.recv().unwrap();
    let result = catch_unwind(|| {
        let _guard = handle.enter();
        drop(task::spawn_local(async {}));
    });
    done_tx.send(()).unwrap();
    owner.join().unwrap();
    let message = panic_message(&*result.unwrap_err()).unwrap();
    assert!(
        message.contains(
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was \
             created on"
        ),
        "{message}"
    );
}
