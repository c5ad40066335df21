//! The shared half of the multi-thread scheduler: what every worker, task and `Handle` sees.

use std::fmt;
use std::future::Future;

use crossbeam_utils::CachePadded;

use super::idle::{Idle, Sleepers};
use super::lifo::{LifoSlot, PollCounter};
use super::monitor::Monitor;
use super::queue;
use super::worker::Core;
use std::sync::Arc;

use crate::loom::{AtomicUsize, Mutex, Ordering::*};
use crate::runtime::blocking;
use crate::runtime::config::Callback;
use crate::runtime::context;
use crate::runtime::driver;
use crate::runtime::metrics::WorkerMetrics;
use crate::runtime::parker::Unparker;
use crate::runtime::scheduler;
use crate::runtime::scheduler::inject::Inject;
use crate::task::list::OwnedTasks;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};

/// The scheduler's shared state, behind an `Arc`.
pub(crate) struct Handle {
    pub(super) shared: Shared,
    pub(crate) driver: driver::Handle,
    pub(crate) blocking_spawner: blocking::Spawner,
}

pub(super) struct Shared {
    /// One per core (not per thread: a core moves to another thread in `block_in_place`).
    pub(super) remotes: Box<[CachePadded<Remote>]>,
    /// Tasks scheduled from outside the workers, and local-queue overflow.
    pub(super) inject: CachePadded<Inject<Arc<Handle>>>,
    pub(super) idle: Idle,
    pub(super) owned: OwnedTasks<Arc<Handle>>,
    pub(super) synced: Mutex<Synced>,
    /// Cores that have finished shutting down; the last one to arrive finishes the job.
    /// Boxed: cores travel between threads as `Box<Core>` and are not moved out of the box.
    #[allow(clippy::vec_box)]
    pub(super) shutdown_cores: Mutex<Vec<Box<Core>>>,
    pub(super) config: Config,
    pub(super) monitor: Monitor,
    /// Threads inside a poll of a `Runtime::block_on` future: busy, so a paused clock must
    /// not jump.
    pub(super) block_on_polling: AtomicUsize,
    /// Each core's counters, on cache lines of their own; written only by the core's holder.
    pub(super) worker_metrics: Box<[CachePadded<WorkerMetrics>]>,
}

/// State behind the shared lock.
pub(crate) struct Synced {
    pub(super) sleepers: Sleepers,
}

/// What other threads may touch of one core.
pub(super) struct Remote {
    /// Steals from the core's run queue.
    pub(super) steal: queue::Steal<Arc<Handle>>,
    /// Wakes the thread that holds the core when it parks.
    pub(super) unpark: Unparker,
    /// The task to run next (the last one woken by this core's thread); see `lifo.rs`.
    pub(super) lifo: LifoSlot<Arc<Handle>>,
    /// Poll starts and ends, and whether the monitor found the core stuck in one.
    pub(super) polls: PollCounter,
}

/// Scheduler settings from the builder.
pub(crate) struct Config {
    /// `None`: each worker tunes it to its poll times (see `stats.rs`).
    pub(crate) global_queue_interval: Option<u32>,
    pub(crate) event_interval: u32,
    pub(crate) before_park: Option<Callback>,
    pub(crate) after_unpark: Option<Callback>,
    /// The runtime's name (`Builder::name`).
    pub(crate) name: Option<String>,
    /// Whether a searching worker may take the LIFO task of a worker stuck in one poll.
    pub(crate) lifo_stealing: bool,
    /// Whether the monitor turns the driver when no worker holds it.
    pub(crate) monitor_turns_driver: bool,
}

impl Remote {
    pub(super) fn new(steal: queue::Steal<Arc<Handle>>, unpark: Unparker) -> Remote {
        Remote {
            steal,
            unpark,
            lifo: LifoSlot::new(),
            polls: PollCounter::new(),
        }
    }
}

impl Handle {
    pub(crate) fn name(&self) -> Option<&str> {
        self.shared.config.name.as_deref()
    }

    pub(crate) fn owned_id(&self) -> std::num::NonZeroU64 {
        self.shared.owned.id()
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.shared.owned.len()
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.shared.inject.len()
    }

    pub(crate) fn worker_metrics(&self, index: usize) -> Option<&WorkerMetrics> {
        self.shared.worker_metrics.get(index).map(|m| &**m)
    }

    pub(crate) fn spawn<F>(me: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = me.shared.owned.bind(future, me.clone(), id);
        if let Some(notified) = notified {
            me.schedule_task(notified, false);
        }
        join
    }

    /// Schedules a woken task: on the current worker's core if this thread runs one of ours,
    /// otherwise through the injection queue.
    pub(super) fn schedule_task(self: &Arc<Self>, task: Notified<Arc<Handle>>, is_yield: bool) {
        context::with_scheduler(|cx| {
            if let Some(scheduler::Context::MultiThread(cx)) = cx {
                if Arc::ptr_eq(self, &cx.worker.handle) {
                    if let Some(core) = cx.core.borrow_mut().as_mut() {
                        cx.schedule_local(core, task, is_yield);
                        return;
                    }
                }
            }
            self.push_remote_task(task);
        });
    }

    pub(super) fn next_remote_task(&self) -> Option<Notified<Arc<Handle>>> {
        self.shared.inject.pop()
    }

    /// Queues a task from outside the workers and wakes one if nobody is searching.
    pub(super) fn push_remote_task(&self, task: Notified<Arc<Handle>>) {
        self.shared.inject.push(task);
        self.notify_parked();
    }

    /// Wakes a parked worker to search for work, unless one is already searching.
    pub(super) fn notify_parked(&self) {
        if let Some(index) = self.shared.idle.worker_to_notify(&self.shared.synced) {
            self.shared.remotes[index].unpark.unpark(&self.driver);
        }
    }

    /// Wakes every worker (shutdown).
    pub(super) fn notify_all(&self) {
        for remote in self.shared.remotes.iter() {
            remote.unpark.unpark(&self.driver);
        }
    }

    /// After the last searcher parked: if any queue still has work, wake a worker for it.
    pub(super) fn notify_if_work_pending(&self) {
        self.shared.idle.fence_before_last_look();
        for remote in self.shared.remotes.iter() {
            if !remote.steal.is_empty() {
                self.notify_parked();
                return;
            }
        }
        if !self.shared.inject.is_empty() {
            self.notify_parked();
        }
    }

    /// Begins shutdown: closes the injection queue and wakes every worker to see it.
    pub(crate) fn close(&self) {
        if self.shared.inject.close() {
            self.notify_all();
            self.shared.monitor.shutdown();
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.shared.inject.is_closed()
    }

    /// Whether the runtime has nothing at all to do: every worker parked (so nobody
    /// searching), no queued task, no `block_on` future being polled and no blocking work in
    /// flight. Only then may a paused clock jump to the next timer.
    pub(super) fn is_idle_for_clock(&self) -> bool {
        self.shared.idle.all_parked()
            && self.shared.inject.is_empty()
            && self.shared.block_on_polling.load(SeqCst) == 0
            && self.blocking_spawner.is_idle()
    }

    /// With the clock paused, wakes the thread in the driver when the runtime just went idle,
    /// so that it can let time jump.
    pub(super) fn poke_paused_clock(&self) {
        if self.driver.is_clock_paused() && self.is_idle_for_clock() {
            self.driver.unpark();
        }
    }

    /// Number of worker threads.
    pub(crate) fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }
}

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule_task(task, true);
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("multi_thread::Handle")
            .field("workers", &self.shared.remotes.len())
            .field("tasks", &self.shared.owned.len())
            .field("injected", &self.shared.inject.len())
            .field("searching", &self.shared.idle.num_searching())
            .finish()
    }
}
