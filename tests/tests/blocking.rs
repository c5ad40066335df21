//! `spawn_blocking` and the blocking pool: results, panics, the thread cap, keep-alive,
//! thread settings and hooks, the runtime context on pool threads, aborting queued work.
//!
//! Every test runs on both flavors (`both_flavors!`). The multi-thread runtime's workers and
//! monitor live on the blocking pool too: thread counts and names allow for them.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;
use runtime::runtime::Handle;
use runtime::sync::oneshot;
use runtime::task::{self, spawn_blocking, yield_now};
use runtime_tests::{
    both_flavors, quiet_expected_panics, wait_until, within, Flavor, EXPECTED_PANIC, SOON,
};

/// Uses about `depth * 4 KiB` of stack.
fn eat_stack(depth: usize) -> u64 {
    let buf = std::hint::black_box([1u8; 4096]);
    if depth == 0 {
        return u64::from(buf[0]);
    }
    eat_stack(depth - 1) + u64::from(std::hint::black_box(buf[4095]))
}

const STACK_CHILD_ENV: &str = "RUNTIME_TESTS_STACK_CHILD";

/// The body run in a child process: ~16 MiB of recursion on a blocking thread, or (on the
/// multi-thread runtime) inside a task on a worker thread.
fn stack_child(flavor: Flavor, stack_size: Option<usize>, in_task: bool) {
    let mut b = flavor.builder();
    if let Some(size) = stack_size {
        b.thread_stack_size(size);
    }
    let rt = b.build().unwrap();
    let sum = if in_task {
        rt.block_on(async { runtime::spawn(async { eat_stack(4096) }).await.unwrap() })
    } else {
        rt.block_on(async { spawn_blocking(|| eat_stack(4096)).await.unwrap() })
    };
    assert_eq!(sum, 4097);
}

fn run_stack_child(test_name: &str, mode: &str) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(STACK_CHILD_ENV, mode)
        .env_remove("RUST_MIN_STACK")
        .output()
        .unwrap()
}

both_flavors! {
    fn spawn_blocking_returns_the_result_off_the_runtime_thread() {
        let rt = rt();
        let main_thread = thread::current().id();
        let (value, tid) = rt.block_on(async {
            spawn_blocking(|| ((1..=100u64).sum::<u64>(), thread::current().id()))
                .await
                .unwrap()
        });
        assert_eq!(value, 5050);
        assert_ne!(tid, main_thread);

        // From outside the runtime, through the runtime and through a handle.
        let a = rt.spawn_blocking(|| "runtime");
        let b = rt.handle().spawn_blocking(|| "handle");
        let c = thread::spawn({
            let handle = rt.handle().clone();
            move || handle.spawn_blocking(|| "other thread")
        })
        .join()
        .unwrap();
        assert_eq!(rt.block_on(a).unwrap(), "runtime");
        assert_eq!(rt.block_on(b).unwrap(), "handle");
        assert_eq!(rt.block_on(c).unwrap(), "other thread");
    }

    fn blocking_panic_becomes_a_join_error_and_the_pool_keeps_working() {
        quiet_expected_panics();
        let rt = builder().max_blocking_threads(1).build().unwrap();
        rt.block_on(async {
            let err = spawn_blocking(|| -> u32 { panic!("{EXPECTED_PANIC} blocking boom") })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert!(err.to_string().contains("blocking boom"));
            // The single pool thread survived (or was replaced).
            assert_eq!(spawn_blocking(|| 4).await.unwrap(), 4);
        });
    }

    fn max_blocking_threads_caps_concurrency_and_runs_everything() {
        within(SOON, || {
            let rt = builder().max_blocking_threads(2).build().unwrap();
            let running = Arc::new(AtomicUsize::new(0));
            let high_water = Arc::new(AtomicUsize::new(0));
            let done = Arc::new(AtomicUsize::new(0));
            let threads = Arc::new(Mutex::new(HashSet::new()));
            // The first two wait for each other, so both threads must be up at once.
            let first_two = Arc::new(Barrier::new(2));
            rt.block_on(async {
                let handles: Vec<_> = (0..20)
                    .map(|i| {
                        let (running, high_water, done, threads, first_two) = (
                            running.clone(),
                            high_water.clone(),
                            done.clone(),
                            threads.clone(),
                            first_two.clone(),
                        );
                        spawn_blocking(move || {
                            let now = running.fetch_add(1, SeqCst) + 1;
                            high_water.fetch_max(now, SeqCst);
                            threads.lock().insert(thread::current().id());
                            if i < 2 {
                                first_two.wait();
                            }
                            thread::sleep(Duration::from_millis(5));
                            running.fetch_sub(1, SeqCst);
                            done.fetch_add(1, SeqCst);
                            i
                        })
                    })
                    .collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                assert_eq!(sum, (0..20).sum::<i32>());
            });
            assert_eq!(done.load(SeqCst), 20);
            assert_eq!(high_water.load(SeqCst), 2, "never more than 2 at once");
            assert!(threads.lock().len() <= 2, "{:?}", threads.lock());
        });
    }

    fn idle_threads_exit_after_keep_alive() {
        within(SOON, || {
            let started = Arc::new(AtomicUsize::new(0));
            let stopped = Arc::new(AtomicUsize::new(0));
            let rt = {
                let (started, stopped) = (started.clone(), stopped.clone());
                builder()
                    .thread_keep_alive(Duration::from_millis(100))
                    .on_thread_start(move || {
                        started.fetch_add(1, SeqCst);
                    })
                    .on_thread_stop(move || {
                        stopped.fetch_add(1, SeqCst);
                    })
                    .build()
                    .unwrap()
            };
            // The scheduler's own pool threads (multi-thread: workers and monitor) start
            // with the runtime and stay until it is dropped.
            let base = FLAVOR.scheduler_threads();
            wait_until(SOON, || started.load(SeqCst) == base);
            // Three closures that wait for each other need three threads.
            let barrier = Arc::new(Barrier::new(3));
            rt.block_on(async {
                let handles: Vec<_> = (0..3)
                    .map(|_| {
                        let barrier = barrier.clone();
                        spawn_blocking(move || {
                            barrier.wait();
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            });
            assert_eq!(started.load(SeqCst), base + 3);
            wait_until(Duration::from_secs(5), || stopped.load(SeqCst) == 3);

            // A new closure needs a new thread.
            rt.block_on(async { spawn_blocking(|| ()).await.unwrap() });
            assert_eq!(started.load(SeqCst), base + 4);
            drop(rt);
            // Dropping the runtime waited for the last thread (and the scheduler's), which
            // ran its stop hook.
            assert_eq!(stopped.load(SeqCst), base + 4);
        });
    }

    fn idle_threads_are_reused_within_keep_alive() {
        let started = Arc::new(AtomicUsize::new(0));
        let rt = {
            let started = started.clone();
            builder()
                .on_thread_start(move || {
                    started.fetch_add(1, SeqCst);
                })
                .build()
                .unwrap()
        };
        let base = FLAVOR.scheduler_threads();
        wait_until(SOON, || started.load(SeqCst) == base);
        rt.block_on(async {
            for i in 0..20 {
                assert_eq!(spawn_blocking(move || i).await.unwrap(), i);
                // Give the thread time to go back to idle: a spawn that races a thread's
                // return to idle may start one more thread (as in tokio's pool).
                thread::sleep(Duration::from_millis(5));
            }
        });
        // Sequential closures reuse the idle thread.
        let n = started.load(SeqCst) - base;
        assert!(
            (1..=5).contains(&n),
            "{n} threads for 20 sequential closures"
        );
    }

    fn thread_hooks_run_on_pool_threads_and_at_shutdown() {
        let names = Arc::new(Mutex::new(Vec::new()));
        let stops = Arc::new(AtomicUsize::new(0));
        let rt = {
            let (names, stops) = (names.clone(), stops.clone());
            builder()
                .thread_name("hooked")
                .on_thread_start(move || {
                    names
                        .lock()
                        .push(thread::current().name().unwrap_or("").to_owned());
                })
                .on_thread_stop(move || {
                    stops.fetch_add(1, SeqCst);
                })
                .build()
                .unwrap()
        };
        let barrier = Arc::new(Barrier::new(2));
        rt.block_on(async {
            let a = spawn_blocking({
                let b = barrier.clone();
                move || {
                    b.wait();
                }
            });
            let b = spawn_blocking({
                let b = barrier.clone();
                move || {
                    b.wait();
                }
            });
            a.await.unwrap();
            b.await.unwrap();
        });
        // The two closures' threads, and the scheduler's own.
        let base = FLAVOR.scheduler_threads();
        wait_until(SOON, || names.lock().len() >= base + 2);
        assert_eq!(*names.lock(), vec!["hooked"; base + 2]);
        drop(rt);
        assert_eq!(stops.load(SeqCst), base + 2);
    }

    fn thread_name_is_applied() {
        let rt = builder().thread_name("my-blocking-pool").build().unwrap();
        let name = rt.block_on(async {
            spawn_blocking(|| thread::current().name().map(str::to_owned))
                .await
                .unwrap()
        });
        assert_eq!(name.as_deref(), Some("my-blocking-pool"));
    }

    fn thread_name_fn_names_each_thread() {
        let counter = Arc::new(AtomicUsize::new(0));
        let rt = {
            let counter = counter.clone();
            builder()
                .thread_name_fn(move || format!("pool-{}", counter.fetch_add(1, SeqCst)))
                .build()
                .unwrap()
        };
        // The scheduler's own threads start with the runtime and take the first names.
        let base = FLAVOR.scheduler_threads();
        wait_until(SOON, || counter.load(SeqCst) == base);
        let barrier = Arc::new(Barrier::new(3));
        let names = rt.block_on(async {
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    let barrier = barrier.clone();
                    spawn_blocking(move || {
                        barrier.wait();
                        thread::current().name().unwrap().to_owned()
                    })
                })
                .collect();
            let mut names = HashSet::new();
            for h in handles {
                names.insert(h.await.unwrap());
            }
            names
        });
        // One call of the name function per thread: the scheduler's and three for the
        // closures.
        assert_eq!(counter.load(SeqCst), base + 3);
        assert_eq!(names.len(), 3, "{names:?}");
        match FLAVOR {
            Flavor::CurrentThread => {
                let expected: HashSet<String> = (0..3).map(|i| format!("pool-{i}")).collect();
                assert_eq!(names, expected);
            }
            // The pool's threads take queued work in any order: the closures may run on
            // threads started for the scheduler while its own work went to newer threads.
            Flavor::MultiThread => {
                let all: HashSet<String> = (0..base + 3).map(|i| format!("pool-{i}")).collect();
                assert!(names.is_subset(&all), "{names:?}");
            }
        }
    }

    fn thread_stack_size_is_applied() {
        match std::env::var(STACK_CHILD_ENV).as_deref() {
            Ok("big") => return stack_child(FLAVOR, Some(64 * 1024 * 1024), false),
            Ok("default") => return stack_child(FLAVOR, None, false),
            Ok("big-task") => return stack_child(FLAVOR, Some(64 * 1024 * 1024), true),
            Ok("default-task") => return stack_child(FLAVOR, None, true),
            _ => {}
        }
        // Blocking threads; on the multi-thread runtime, worker threads as well.
        let mut places = vec![("", "a blocking closure")];
        if FLAVOR.is_multi_thread() {
            places.push(("-task", "a task"));
        }
        for (suffix, what) in places {
            // Run in child processes: a stack overflow aborts the whole process.
            let big = run_stack_child(TEST_NAME, &format!("big{suffix}"));
            let stdout = String::from_utf8_lossy(&big.stdout);
            assert!(
                big.status.success() && stdout.contains("1 passed"),
                "16 MiB of recursion in {what} must fit in a 64 MiB `thread_stack_size`: {big:?}"
            );
            let default = run_stack_child(TEST_NAME, &format!("default{suffix}"));
            let stderr = String::from_utf8_lossy(&default.stderr);
            assert!(
                // Rust's handler reports "overflowed its stack"; under AddressSanitizer its
                // own handler reports "stack-overflow" first.
                !default.status.success()
                    && (stderr.contains("overflowed its stack")
                        || stderr.contains("stack-overflow")),
                "control: the same recursion in {what} must overflow the default 2 MiB stack: \
                 {default:?}"
            );
        }
    }

    fn handle_current_and_block_on_work_inside_a_blocking_closure() {
        within(SOON, || {
            let rt = rt();
            let out = rt.block_on(async {
                spawn_blocking(|| {
                    let handle = Handle::current();
                    // Wait for async work from blocking code; the task runs on the thread that
                    // drives the runtime (the one awaiting this closure, or a worker).
                    handle.block_on(async {
                        let task = runtime::spawn(async {
                            yield_now().await;
                            40
                        });
                        task.await.unwrap() + 2
                    })
                })
                .await
                .unwrap()
            });
            assert_eq!(out, 42);
        });
    }

    fn spawn_and_spawn_blocking_work_inside_a_blocking_closure() {
        within(SOON, || {
            let rt = rt();
            let main_thread = thread::current().id();
            let (task_thread, nested) = rt.block_on(async {
                let (task, nested) = spawn_blocking(|| {
                    let task = runtime::spawn(async { thread::current().id() });
                    let nested = spawn_blocking(|| 5);
                    (task, nested)
                })
                .await
                .unwrap();
                (task.await.unwrap(), nested.await.unwrap())
            });
            match FLAVOR {
                Flavor::CurrentThread => assert_eq!(
                    task_thread, main_thread,
                    "the task runs on the runtime's thread"
                ),
                Flavor::MultiThread => {
                    assert_ne!(task_thread, main_thread, "the task runs on a worker")
                }
            }
            assert_eq!(nested, 5);
        });
    }

    fn blocking_recv_is_allowed_inside_a_blocking_closure() {
        within(SOON, || {
            let rt = rt();
            let out = rt.block_on(async {
                let (tx, rx) = oneshot::channel();
                let h = spawn_blocking(move || rx.blocking_recv().unwrap());
                runtime_tests::yield_n(3).await;
                tx.send("handed over").unwrap();
                h.await.unwrap()
            });
            assert_eq!(out, "handed over");
        });
    }

    fn task_id_inside_a_blocking_closure_matches_its_handle() {
        let rt = rt();
        rt.block_on(async {
            let h = spawn_blocking(task::try_id);
            let id = h.id();
            assert_eq!(h.await.unwrap(), Some(id));
        });
    }

    fn abort_prevents_a_queued_blocking_task_from_running() {
        within(SOON, || {
            let rt = builder().max_blocking_threads(1).build().unwrap();
            let ran = Arc::new(AtomicBool::new(false));
            let started = Arc::new(AtomicBool::new(false));
            rt.block_on(async {
                // Fill the only thread with a closure that waits for us.
                let (tx, rx) = mpsc::channel::<u32>();
                let first = spawn_blocking({
                    let started = started.clone();
                    move || {
                        started.store(true, SeqCst);
                        rx.recv().unwrap()
                    }
                });
                while !started.load(SeqCst) {
                    thread::sleep(Duration::from_millis(1));
                }
                let queued = spawn_blocking({
                    let ran = ran.clone();
                    move || ran.store(true, SeqCst)
                });
                assert!(!queued.is_finished());
                queued.abort();
                tx.send(7).unwrap();
                assert_eq!(first.await.unwrap(), 7);
                let err = queued.await.unwrap_err();
                assert!(err.is_cancelled());
                // The pool still runs new work on its one thread.
                assert_eq!(spawn_blocking(|| 8).await.unwrap(), 8);
            });
            assert!(
                !ran.load(SeqCst),
                "an aborted queued closure must never run"
            );
        });
    }

    fn abort_does_not_stop_a_running_blocking_task() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                let started = Arc::new(AtomicBool::new(false));
                let (tx, rx) = mpsc::channel::<u32>();
                let h = spawn_blocking({
                    let started = started.clone();
                    move || {
                        started.store(true, SeqCst);
                        rx.recv().unwrap() * 2
                    }
                });
                while !started.load(SeqCst) {
                    thread::sleep(Duration::from_millis(1));
                }
                h.abort();
                tx.send(21).unwrap();
                // It ran to the end: its output is delivered.
                assert_eq!(h.await.unwrap(), 42);
            });
        });
    }

    fn blocking_join_handle_is_finished_and_detaches() {
        within(SOON, || {
            let rt = rt();
            rt.block_on(async {
                let (tx, rx) = mpsc::channel::<()>();
                let h = spawn_blocking(move || rx.recv().unwrap());
                thread::sleep(Duration::from_millis(10));
                assert!(!h.is_finished());
                tx.send(()).unwrap();
                for _ in 0..5000 {
                    if h.is_finished() {
                        break;
                    }
                    thread::sleep(Duration::from_millis(1));
                }
                assert!(h.is_finished());
                h.await.unwrap();

                // Dropping the handle detaches: the closure still runs.
                let (done_tx, done_rx) = oneshot::channel();
                drop(spawn_blocking(move || {
                    thread::sleep(Duration::from_millis(10));
                    done_tx.send(1).unwrap();
                }));
                assert_eq!(done_rx.await.unwrap(), 1);
            });
        });
    }

    fn extreme_keep_alive_values_work() {
        within(SOON, || {
            for keep_alive in [Duration::ZERO, Duration::from_nanos(1), Duration::MAX] {
                let rt = builder().thread_keep_alive(keep_alive).build().unwrap();
                rt.block_on(async {
                    for i in 0..5 {
                        assert_eq!(spawn_blocking(move || i).await.unwrap(), i);
                    }
                });
                // Shutdown wakes idle threads however long they would have waited.
                drop(rt);
            }
            // An unbounded shutdown timeout waits for the work and returns.
            let rt = rt();
            let done = Arc::new(AtomicBool::new(false));
            let started = Arc::new(AtomicBool::new(false));
            drop(rt.spawn_blocking({
                let (done, started) = (done.clone(), started.clone());
                move || {
                    started.store(true, SeqCst);
                    thread::sleep(Duration::from_millis(10));
                    done.store(true, SeqCst);
                }
            }));
            wait_until(SOON, || started.load(SeqCst));
            rt.shutdown_timeout(Duration::MAX);
            assert!(done.load(SeqCst));
        });
    }
}
