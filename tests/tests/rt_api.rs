//! Runtime identity and introspection: `Builder::name` / `Handle::name`, `Handle::id` and
//! `runtime::Id`, `LocalSet::id`, the ordering of task ids, `worker_index`, `RuntimeMetrics`,
//! `is_rt_shutdown_err`, and the auto traits of the runtime and task types.

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Duration;

use runtime::runtime::{is_rt_shutdown_err, worker_index, Builder, Handle, Runtime};
use runtime::task::LocalSet;
use runtime_tests::{both_flavors, wait_until, Flavor};

both_flavors! {
    fn a_runtime_has_no_name_unless_the_builder_gives_it_one() {
        let rt = rt();
        assert_eq!(rt.handle().name(), None);
        let named = builder().name("ingest").build().unwrap();
        assert_eq!(named.handle().name(), Some("ingest"));
        // Inside the runtime, the current handle carries the name too.
        let inside = named.block_on(async {
            runtime::runtime::Handle::current().name().map(str::to_owned)
        });
        assert_eq!(inside.as_deref(), Some("ingest"));
    }

    fn handles_of_one_runtime_share_its_id_and_other_runtimes_differ() {
        let rt1 = rt();
        let rt2 = rt();
        let h1 = rt1.handle().clone();
        assert_eq!(h1.id(), rt1.handle().id());
        let inside = rt1.block_on(async { runtime::runtime::Handle::current().id() });
        assert_eq!(inside, h1.id());
        assert_ne!(rt1.handle().id(), rt2.handle().id());
        assert_eq!(h1.id().to_string(), rt1.handle().id().to_string());
    }
}

#[test]
#[should_panic(expected = "runtime name shouldn't be empty")]
fn an_empty_runtime_name_panics() {
    Builder::new_current_thread().name("  ");
}

#[test]
fn local_sets_have_their_own_ids() {
    let rt = Builder::new_current_thread().build().unwrap();
    let a = LocalSet::new();
    let b = LocalSet::new();
    assert_ne!(a.id(), b.id());
    assert_ne!(a.id(), rt.handle().id());
    assert_eq!(a.id(), a.id());
}

#[test]
fn task_ids_are_ordered() {
    let rt = Builder::new_current_thread().build().unwrap();
    let ids: BTreeSet<runtime::task::Id> = rt.block_on(async {
        let mut ids = BTreeSet::new();
        for _ in 0..10 {
            ids.insert(runtime::spawn(async { runtime::task::id() }).await.unwrap());
        }
        ids
    });
    assert_eq!(ids.len(), 10);
    let v: Vec<_> = ids.into_iter().collect();
    assert!(v.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn worker_index_is_the_workers_own_and_none_elsewhere() {
    assert_eq!(worker_index(), None);
    let rt = Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(async { worker_index() }), Some(0));
    // `Handle::block_on` drives no scheduler.
    assert_eq!(rt.handle().block_on(async { worker_index() }), None);

    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .unwrap();
    // The `block_on` thread and the blocking pool are not workers.
    assert_eq!(rt.block_on(async { worker_index() }), None);
    let blocking = rt.block_on(rt.spawn_blocking(worker_index)).unwrap();
    assert_eq!(blocking, None);
    for _ in 0..20 {
        let index = rt.block_on(rt.spawn(async { worker_index() })).unwrap();
        assert!(index.is_some_and(|i| i < 3), "{index:?}");
    }
}

both_flavors! {
    fn metrics_count_workers_tasks_and_the_global_queue() {
        let rt = rt();
        let metrics = rt.metrics();
        let workers = if FLAVOR.is_multi_thread() { runtime_tests::WORKERS } else { 1 };
        assert_eq!(metrics.num_workers(), workers);
        assert_eq!(metrics.num_alive_tasks(), 0);
        let (release, wait) = runtime::sync::oneshot::channel::<()>();
        let task = rt.spawn(async move {
            let _ = wait.await;
        });
        assert_eq!(metrics.num_alive_tasks(), 1);
        release.send(()).unwrap();
        rt.block_on(task).unwrap();
        wait_until(Duration::from_secs(10), || metrics.num_alive_tasks() == 0);
    }

    fn metrics_track_parks_and_busy_time_per_worker() {
        let rt = rt();
        let metrics = rt.metrics();
        rt.block_on(async {
            for _ in 0..5 {
                runtime::spawn(async { runtime::task::yield_now().await }).await.unwrap();
            }
            runtime::time::sleep(Duration::from_millis(2)).await;
        });
        drop(rt);
        for worker in 0..metrics.num_workers() {
            assert!(metrics.worker_total_busy_duration(worker) > Duration::ZERO);
            // Every worker woke up for shutdown: an even count.
            assert_eq!(metrics.worker_park_unpark_count(worker) % 2, 0, "worker {worker}");
            assert!(metrics.worker_park_count(worker) <= metrics.worker_park_unpark_count(worker));
        }
        // The current-thread scheduler slept in the driver while the timer ran.
        assert!(metrics.worker_park_count(0) >= 1 || FLAVOR.is_multi_thread());
    }
}

#[test]
fn the_global_queue_holds_spawns_from_outside_until_a_worker_takes_them() {
    let rt = Builder::new_current_thread().build().unwrap();
    let metrics = rt.metrics();
    let handle = rt.handle().clone();
    std::thread::spawn(move || {
        drop(handle.spawn(async {}));
        drop(handle.spawn(async {}));
    })
    .join()
    .unwrap();
    assert_eq!(metrics.global_queue_depth(), 2);
    rt.block_on(runtime::task::yield_now());
    assert_eq!(metrics.global_queue_depth(), 0);

    // A multi-thread runtime whose only worker is blocked leaves them queued too.
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let metrics = rt.metrics();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    rt.spawn(async move {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv();
    });
    started_rx.recv().unwrap();
    for i in 0..5 {
        assert_eq!(metrics.global_queue_depth(), i);
        rt.spawn(async {});
    }
    release_tx.send(()).unwrap();
    wait_until(Duration::from_secs(10), || {
        metrics.global_queue_depth() == 0
    });
}

#[test]
#[should_panic(expected = "worker index 1 out of range: this runtime has 1 worker(s)")]
fn a_worker_index_out_of_range_panics_with_the_count() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.metrics().worker_park_count(1);
}

#[test]
fn the_shutdown_error_of_io_resources_is_recognised_and_nothing_else_is() {
    runtime_tests::quiet_expected_panics();
    let rt1 = Flavor::CurrentThread.rt();
    let rt2 = Flavor::CurrentThread.rt();
    let listener = rt1
        .block_on(runtime::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    drop(rt1);
    let err = rt2.block_on(listener.accept()).unwrap_err();
    assert!(is_rt_shutdown_err(&err), "{err:?}");

    // Blocking work of the I/O crate (here a name lookup) cancelled by the shutdown.
    let rt3 = Flavor::CurrentThread.rt();
    let handle = rt3.handle().clone();
    rt3.shutdown_timeout(Duration::from_secs(10));
    let Err(err) = handle.block_on(runtime::net::lookup_host("localhost:80")) else {
        panic!("a lookup on a shut-down runtime succeeded");
    };
    assert!(is_rt_shutdown_err(&err), "{err:?}");

    assert!(!is_rt_shutdown_err(&std::io::Error::other("disk full")));
    assert!(!is_rt_shutdown_err(&std::io::Error::from(
        std::io::ErrorKind::Other
    )));
    // The same text with more around it is not the runtime's error.
    let wrapped = std::io::Error::other(format!("proxy: {err}"));
    assert!(!is_rt_shutdown_err(&wrapped));
    let join_err = rt2
        .block_on(rt2.spawn(async { panic!("{}", runtime_tests::EXPECTED_PANIC) }))
        .unwrap_err();
    assert!(!is_rt_shutdown_err(&std::io::Error::from(join_err)));
}

#[test]
fn join_error_debug_is_tokios() {
    runtime_tests::quiet_expected_panics();
    let rt = Builder::new_current_thread().build().unwrap();
    let err = rt
        .block_on(rt.spawn(async { panic!("{} payload", runtime_tests::EXPECTED_PANIC) }))
        .unwrap_err();
    let debug = format!("{err:?}");
    assert!(debug.starts_with("JoinError::Panic(Id("), "{debug}");
    let tail = format!("), \"{} payload\", ...)", runtime_tests::EXPECTED_PANIC);
    assert!(debug.ends_with(&tail), "{debug}");
}

/// Compile-time checks of the auto traits tokio's types have.
#[test]
fn runtime_and_task_types_have_tokios_auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    fn sync<T: Sync>() {}
    send_sync::<Runtime>();
    send_sync::<Handle>();
    send_sync::<runtime::runtime::RuntimeMetrics>();
    send_sync::<runtime::runtime::Id>();
    unwind_safe::<Runtime>();
    unwind_safe::<Handle>();
    unwind_safe::<runtime::runtime::LocalRuntime>();
    unwind_safe::<runtime::task::JoinHandle<u8>>();
    unwind_safe::<runtime::task::AbortHandle>();
    sync::<runtime::runtime::EnterGuard<'static>>();
}
