//! The multi-thread, work-stealing scheduler.
//!
//! `worker.rs` has the worker loop, `queue.rs` the local run queue, `lifo.rs` the LIFO slot
//! and the poll counter, `idle.rs` the parked/searching accounting, `handle.rs` the shared
//! state, `monitor.rs` the thread that finds workers stuck in one poll. See
//! `docs/architecture.md` for the whole picture.

mod handle;
mod idle;
mod lifo;
mod monitor;
#[cfg(not(feature = "crossbeam-queue"))]
mod queue;
#[cfg(feature = "crossbeam-queue")]
#[path = "queue_crossbeam.rs"]
mod queue;
mod stats;
mod worker;

#[cfg(all(test, loom))]
mod loom_tests;

pub(crate) use handle::{Config, Handle};
pub(crate) use worker::{block_in_place, Context};

use std::fmt;
use std::future::Future;
use std::task::{Poll, Wake, Waker};

use crossbeam_utils::CachePadded;
use runtime_sync::coop;

use self::handle::{Remote, Shared, Synced};
use self::idle::Idle;
use self::worker::{Core, Worker};
use std::sync::Arc;

use crate::loom::{AtomicBool, Mutex, Ordering::SeqCst};
use crate::runtime::blocking;
use crate::runtime::driver::{self, Driver};
use crate::runtime::park;
use crate::runtime::parker::Parker;
use crate::runtime::scheduler;
use crate::runtime::scheduler::inject::Inject;
use crate::task::list::OwnedTasks;
use crate::util::atomic_cell::AtomicCell;

/// The scheduler, owned by the `Runtime`. Its state lives in the `Handle` and the workers.
pub(crate) struct MultiThread {
    _private: (),
}

/// The workers, created with the scheduler and started once the runtime exists.
pub(crate) struct Launch {
    workers: Vec<Arc<Worker>>,
}

impl MultiThread {
    /// Creates a scheduler with `size` workers sharing `driver`.
    pub(crate) fn new(
        size: usize,
        driver: Driver,
        driver_handle: driver::Handle,
        blocking_spawner: blocking::Spawner,
        config: Config,
    ) -> (MultiThread, Arc<Handle>, Launch) {
        assert!(size > 0, "a multi-thread runtime needs at least one worker");
        let first = Parker::new(driver);
        let mut cores = Vec::with_capacity(size);
        let mut remotes = Vec::with_capacity(size);
        for _ in 0..size {
            let park = first.for_another_thread();
            let (steal, run_queue) = queue::local();
            remotes.push(CachePadded::new(Remote::new(steal, park.unparker())));
            cores.push(Core::new(run_queue, park, config.global_queue_interval));
        }
        // `first` only carried the shared driver; every core got its own parker.
        drop(first);
        let (idle, sleepers) = Idle::new(size);
        let handle = Arc::new(Handle {
            shared: Shared {
                remotes: remotes.into_boxed_slice(),
                inject: CachePadded::new(Inject::new()),
                idle,
                owned: OwnedTasks::new(size * 4),
                synced: Mutex::new(Synced { sleepers }),
                shutdown_cores: Mutex::new(Vec::with_capacity(size)),
                config,
                monitor: monitor::Monitor::new(),
                block_on_polling: crate::loom::AtomicUsize::new(0),
                worker_metrics: (0..size)
                    .map(|_| CachePadded::new(crate::runtime::metrics::WorkerMetrics::new()))
                    .collect(),
            },
            driver: driver_handle,
            blocking_spawner,
        });
        let workers = cores
            .into_iter()
            .enumerate()
            .map(|(index, core)| {
                Arc::new(Worker {
                    handle: handle.clone(),
                    index,
                    core: AtomicCell::new(Some(core)),
                })
            })
            .collect();
        (MultiThread { _private: () }, handle, Launch { workers })
    }

    /// Blocks the calling thread on `future`; the workers run the tasks meanwhile.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(&self, handle: &scheduler::Handle, future: F) -> F::Output {
        let scheduler::Handle::MultiThread(handle) = handle else {
            unreachable!("a multi-thread scheduler with another scheduler's handle")
        };
        let Some(_runtime) = coop::enter_runtime(true) else {
            panic!(crate::runtime::context::nested_block_on_message!(
                "`block_on`"
            ));
        };
        if !cfg!(feature = "test-util") {
            // Without `test-util` the clock cannot be paused: nothing needs the count.
            return park::block_on(future);
        }
        // Count this thread as busy from a wake until the end of the poll it causes, so a
        // paused clock never jumps between a wake-up and the poll that would react to it.
        let (thread_waker, park) = park::current_thread_waker();
        let notify = Arc::new(BlockOnWaker {
            thread: thread_waker,
            handle: handle.clone(),
            notified: AtomicBool::new(true),
        });
        // SeqCst on the counter: read by `is_idle_for_clock` together with the idle counts.
        handle.shared.block_on_polling.fetch_add(1, SeqCst);
        let waker = Waker::from(notify.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            handle.shared.block_on_polling.fetch_add(1, SeqCst);
            if notify.notified.swap(false, SeqCst) {
                handle.shared.block_on_polling.fetch_sub(1, SeqCst);
            }
            let res = coop::budget(|| future.as_mut().poll(&mut cx));
            handle.shared.block_on_polling.fetch_sub(1, SeqCst);
            if let Poll::Ready(output) = res {
                if notify.notified.swap(false, SeqCst) {
                    handle.shared.block_on_polling.fetch_sub(1, SeqCst);
                }
                return output;
            }
            handle.poke_paused_clock();
            park();
        }
    }

    /// Shuts the scheduler down: closes it, wakes the workers, and cancels every task that
    /// is not in the middle of a poll right here, on the calling thread. A task being polled
    /// on a worker is cancelled by that worker when the poll returns; the workers then exit,
    /// and the blocking pool's shutdown (which runs them) waits for them.
    pub(crate) fn shutdown(&mut self, handle: &scheduler::Handle) {
        match handle {
            scheduler::Handle::MultiThread(handle) => {
                // Sweep before waking the workers for shutdown, so that every idle task is
                // cancelled here, before this returns; the workers' own sweeps then only
                // find what was mid-poll.
                handle.shared.owned.close_and_shutdown_all();
                handle.close();
            }
            _ => unreachable!("a multi-thread scheduler with another scheduler's handle"),
        }
    }
}

/// The waker of a multi-thread `block_on` future: counts the thread busy until it polls.
struct BlockOnWaker {
    thread: Waker,
    handle: Arc<Handle>,
    /// Set (and counted in `block_on_polling`) from a wake until the next poll starts.
    notified: AtomicBool,
}

impl Wake for BlockOnWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.notified.swap(true, SeqCst) {
            self.handle.shared.block_on_polling.fetch_add(1, SeqCst);
        }
        self.thread.wake_by_ref();
    }
}

/// A worker's full run queue spills into the injection queue.
impl<S: 'static> queue::Overflow<S> for Inject<S> {
    fn push(&self, task: crate::task::Notified<S>) {
        Inject::push(self, task);
    }

    fn push_batch<I: Iterator<Item = crate::task::Notified<S>>>(&self, iter: I) {
        Inject::push_batch(self, iter);
    }
}

impl Launch {
    /// Starts the worker threads and the monitor, on the blocking pool (as tasks that run
    /// even if shutdown begins first, so that every core takes part in it).
    pub(crate) fn launch(self, rt: &scheduler::Handle) {
        let scheduler::Handle::MultiThread(handle) = rt else {
            unreachable!("launching workers with another scheduler's handle");
        };
        for worker in self.workers {
            drop(
                rt.blocking_spawner()
                    .spawn_mandatory_blocking(rt, move || worker::run(worker)),
            );
        }
        let handle = handle.clone();
        drop(
            rt.blocking_spawner()
                .spawn_mandatory_blocking(rt, move || monitor::run(handle)),
        );
    }
}

impl fmt::Debug for MultiThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiThread").finish_non_exhaustive()
    }
}
