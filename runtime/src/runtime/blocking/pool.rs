//! The blocking thread pool.
//!
//! A FIFO of blocking tasks behind one lock and condvar. A spawn hands its task to an idle
//! thread if there is one, or starts a new thread while under `thread_cap`, or leaves it
//! queued for the next thread that frees up. Idle threads exit after `keep_alive`.
//!
//! At shutdown, a queued closure that was given a thread (a new one, or an idle one it
//! claimed) still runs: it counts as started, as in tokio. A closure still waiting for a
//! thread to free up (the pool is at its cap) is cancelled. The runtime waits, up to the
//! `shutdown_timeout`, for the running closures to return.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use runtime_sync::coop;

use super::shutdown;
use super::task::BlockingTask;
use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering::Relaxed};
use crate::runtime::config::{Callback, ThreadNameFn};
use crate::runtime::{context, scheduler};
use crate::task::{self, BlockingSchedule, Id, JoinHandle, UnownedTask};

/// The pool, owned by the `Runtime`.
pub(crate) struct BlockingPool {
    spawner: Spawner,
    shutdown_rx: shutdown::Receiver,
    /// Threads to join once shutdown has begun; taken by the first `shutdown` that waits.
    #[allow(clippy::type_complexity)]
    to_join: Option<(
        Option<thread::JoinHandle<()>>,
        HashMap<usize, thread::JoinHandle<()>>,
    )>,
}

/// Queues blocking tasks; cloned into the scheduler handle.
#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

/// Whether blocking work in flight is counted: only a paused clock (`test-util`) asks.
const COUNT_IN_FLIGHT: bool = cfg!(feature = "test-util");

/// A `block_in_place` section in progress; see `Spawner::enter_blocking_section`.
pub(crate) struct BlockingSection {
    inner: Arc<Inner>,
    rt: scheduler::Handle,
}

impl Drop for BlockingSection {
    fn drop(&mut self) {
        self.inner.blocking_work_done(&self.rt);
    }
}

/// Pool settings from the builder.
pub(crate) struct Config {
    pub(crate) thread_name: ThreadNameFn,
    pub(crate) stack_size: Option<usize>,
    pub(crate) after_start: Option<Callback>,
    pub(crate) before_stop: Option<Callback>,
    pub(crate) thread_cap: usize,
    pub(crate) keep_alive: Duration,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Blocking closures (not the runtime's own threads) queued or running, and
    /// `block_in_place` sections: while there are any, a paused clock must not jump.
    in_flight: AtomicUsize,
    /// Signalled when a task is handed to an idle thread, and at shutdown.
    condvar: Condvar,
    config: Config,
}

/// A queued blocking task.
struct Task {
    task: UnownedTask<BlockingSchedule>,
    /// Runs even after shutdown began (a scheduler worker must get to shut its core down).
    mandatory: bool,
    /// A thread was started or claimed for it: it counts as started and runs even if
    /// shutdown begins before the thread gets to it. Tasks waiting for a thread at the cap
    /// are cancelled at shutdown instead.
    dispatched: bool,
    /// Counted as blocking work in flight (a paused clock waits for it): every task but the
    /// scheduler's own workers.
    counted: bool,
}

struct Shared {
    queue: VecDeque<Task>,
    /// Threads alive.
    num_th: usize,
    /// Threads waiting on the condvar that no spawn has claimed yet.
    num_idle: usize,
    /// Claims made by spawns (each took one thread off `num_idle`) not yet picked up.
    num_notify: usize,
    shutdown: bool,
    /// Cloned into each new thread; dropped at shutdown so `shutdown_rx` can see the end.
    shutdown_tx: Option<shutdown::Sender>,
    /// The threads, so shutdown can join them.
    worker_threads: HashMap<usize, thread::JoinHandle<()>>,
    next_worker_id: usize,
    /// A thread that exited on keep-alive timeout: joined by the next one that does, so exited
    /// threads never pile up unjoined.
    last_exiting_thread: Option<thread::JoinHandle<()>>,
}

impl BlockingPool {
    pub(crate) fn new(config: Config) -> BlockingPool {
        let (shutdown_tx, shutdown_rx) = shutdown::channel();
        BlockingPool {
            spawner: Spawner {
                inner: Arc::new(Inner {
                    shared: Mutex::new(Shared {
                        queue: VecDeque::new(),
                        num_th: 0,
                        num_idle: 0,
                        num_notify: 0,
                        shutdown: false,
                        shutdown_tx: Some(shutdown_tx),
                        worker_threads: HashMap::new(),
                        next_worker_id: 0,
                        last_exiting_thread: None,
                    }),
                    in_flight: AtomicUsize::new(0),
                    condvar: Condvar::new(),
                    config,
                }),
            },
            shutdown_rx,
            to_join: None,
        }
    }

    pub(crate) fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// Stops taking work: from now on queued tasks that are not mandatory are cancelled
    /// instead of run, new spawns are cancelled on arrival, and idle threads exit. Calling it
    /// again does nothing.
    ///
    /// The runtime calls this *before* shutting its scheduler down, so that worker threads
    /// returning to the pool do not pick up queued closures on their way out.
    pub(crate) fn begin_shutdown(&mut self) {
        let mut shared = self.spawner.inner.shared.lock();
        if shared.shutdown {
            return;
        }
        shared.shutdown = true;
        shared.shutdown_tx = None;
        self.spawner.inner.condvar.notify_all();
        self.to_join = Some((
            shared.last_exiting_thread.take(),
            std::mem::take(&mut shared.worker_threads),
        ));
    }

    /// Stops the pool (see `begin_shutdown`) and waits up to `timeout` (`None`: for good) for
    /// running tasks. Only the first call waits.
    ///
    /// # Panics
    ///
    /// Panics if it would have to wait while the thread is inside a runtime.
    #[track_caller]
    pub(crate) fn shutdown(&mut self, timeout: Option<Duration>) {
        self.begin_shutdown();
        let Some((last_exited, workers)) = self.to_join.take() else {
            return;
        };

        if timeout == Some(Duration::ZERO) {
            return;
        }
        if coop::is_in_runtime() {
            if std::thread::panicking() {
                return;
            }
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed: a runtime \
                 was dropped inside an async context (a task, `block_on` or \
                 `#[runtime::main]`), and dropping it blocks this thread until the runtime's \
                 blocking work finishes, which would stall the runtime that runs this code. \
                 Drop it outside async code, drop it inside `runtime::task::spawn_blocking`, \
                 or call `Runtime::shutdown_background()`"
            );
        }
        // The calling thread may be one of this pool's (a blocking task dropping its own
        // runtime): it cannot wait for itself, nor join itself. It waits for the others; its
        // own thread exits when the task returns.
        let own_id = own_worker_id(&self.spawner.inner);
        if self
            .shutdown_rx
            .wait(usize::from(own_id.is_some()), timeout)
        {
            if let Some(thread) = last_exited {
                let _ = thread.join();
            }
            for (id, thread) in workers {
                if Some(id) != own_id {
                    let _ = thread.join();
                }
            }
        }
    }
}

thread_local! {
    /// On a blocking-pool thread: which pool (its `Inner`'s address) and which worker it is.
    static THIS_WORKER: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// This thread's worker id in `pool`, if it is one of that pool's threads.
fn own_worker_id(pool: &Arc<Inner>) -> Option<usize> {
    let address = Arc::as_ptr(pool) as usize;
    THIS_WORKER
        .try_with(Cell::get)
        .ok()
        .flatten()
        .filter(|(pool, _)| *pool == address)
        .map(|(_, id)| id)
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPool").finish_non_exhaustive()
    }
}

impl Spawner {
    /// Whether no blocking closure is queued or running (and no `block_in_place` section).
    /// Only counted with `test-util`, where a paused clock needs to know.
    pub(crate) fn is_idle(&self) -> bool {
        self.inner.in_flight.load(Relaxed) == 0
    }

    /// Counts a `block_in_place` section as blocking work until the guard drops (with
    /// `test-util`; `None` otherwise).
    pub(crate) fn enter_blocking_section(&self, rt: &scheduler::Handle) -> Option<BlockingSection> {
        if !COUNT_IN_FLIGHT {
            return None;
        }
        self.inner.in_flight.fetch_add(1, Relaxed);
        Some(BlockingSection {
            inner: self.inner.clone(),
            rt: rt.clone(),
        })
    }
    /// Queues `func` on the pool.
    ///
    /// # Panics
    ///
    /// Panics if the pool has no thread and the OS refuses to start one.
    #[track_caller]
    pub(crate) fn spawn_blocking<F, R>(&self, rt: &scheduler::Handle, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking_inner(rt, func, false)
    }

    /// Like `spawn_blocking`, for a task that must run even if shutdown begins before it
    /// starts: a scheduler worker, which has to take part in the shutdown.
    #[track_caller]
    pub(crate) fn spawn_mandatory_blocking<F, R>(
        &self,
        rt: &scheduler::Handle,
        func: F,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking_inner(rt, func, true)
    }

    #[track_caller]
    fn spawn_blocking_inner<F, R>(
        &self,
        rt: &scheduler::Handle,
        func: F,
        mandatory: bool,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking_reporting(rt, func, mandatory, !mandatory)
            .0
    }

    /// Queues a closure for `runtime-net`'s blocking hook (name lookups, stdio, fs), which
    /// tells a shut-down pool apart: returns `false` if shutdown had begun, in which case the
    /// closure was dropped without running.
    #[track_caller]
    pub(crate) fn spawn_for_hook<F>(&self, rt: &scheduler::Handle, func: F, mandatory: bool) -> bool
    where
        F: FnOnce() + Send + 'static,
    {
        self.spawn_blocking_reporting(rt, func, mandatory, true).1
    }

    /// Queues `func`; the `bool` is `false` if the pool had shut down (the task is cancelled).
    #[track_caller]
    fn spawn_blocking_reporting<F, R>(
        &self,
        rt: &scheduler::Handle,
        func: F,
        mandatory: bool,
        counted: bool,
    ) -> (JoinHandle<R>, bool)
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, join) = task::unowned(BlockingTask::new(func), BlockingSchedule, Id::next());
        match self.spawn_task(
            Task {
                task,
                mandatory,
                counted,
                dispatched: false,
            },
            rt,
        ) {
            Ok(queued) => (join, queued),
            Err(err) => panic!(
                "the blocking pool has no thread and the OS refused to start one: {err}. \
                 Lower `max_blocking_threads` or raise the process's thread limit"
            ),
        }
    }

    /// Queues `task`; `Ok(false)` if shutdown had begun and the task was cancelled instead.
    fn spawn_task(&self, mut task: Task, rt: &scheduler::Handle) -> io::Result<bool> {
        let mut shared = self.inner.shared.lock();
        if shared.shutdown {
            drop(shared);
            // Spawned after shutdown began: the task never runs (even a mandatory one: the
            // shutdown it would take part in is already under way without it); its
            // JoinHandle reports it cancelled.
            task.task.shutdown();
            return Ok(false);
        }
        if COUNT_IN_FLIGHT && task.counted {
            // Relaxed: read under no lock by a paused clock's idle check, which is a hint
            // backed by a periodic re-check.
            self.inner.in_flight.fetch_add(1, Relaxed);
        }
        if shared.num_idle > 0 {
            // Claim one idle thread for this task.
            shared.num_idle -= 1;
            shared.num_notify += 1;
            task.dispatched = true;
            shared.queue.push_back(task);
            self.inner.condvar.notify_one();
            return Ok(true);
        }
        if shared.num_th == self.inner.config.thread_cap {
            // At the cap: the task waits for a busy thread to finish.
            shared.queue.push_back(task);
            return Ok(true);
        }
        // A new thread for this task (if the OS agrees; otherwise it waits like one at the cap).
        task.dispatched = true;
        shared.queue.push_back(task);
        let shutdown_tx = shared
            .shutdown_tx
            .clone()
            .expect("the blocking pool lost its shutdown sender before shutdown");
        let id = shared.next_worker_id;
        match self.spawn_thread(shutdown_tx, rt, id) {
            Ok(handle) => {
                shared.num_th += 1;
                shared.next_worker_id += 1;
                shared.worker_threads.insert(id, handle);
                Ok(true)
            }
            // Some thread will get to the queued task.
            Err(_) if shared.num_th > 0 => {
                // No thread of its own after all: it waits like a task at the cap.
                if let Some(task) = shared.queue.back_mut() {
                    task.dispatched = false;
                }
                Ok(true)
            }
            Err(err) => {
                // Nobody will ever run it: take it back out and cancel it before reporting.
                if let Some(task) = shared.queue.pop_back() {
                    drop(shared);
                    if COUNT_IN_FLIGHT && task.counted {
                        self.inner.in_flight.fetch_sub(1, Relaxed);
                    }
                    task.task.shutdown();
                }
                Err(err)
            }
        }
    }

    fn spawn_thread(
        &self,
        shutdown_tx: shutdown::Sender,
        rt: &scheduler::Handle,
        id: usize,
    ) -> io::Result<thread::JoinHandle<()>> {
        let mut builder = thread::Builder::new().name((self.inner.config.thread_name)());
        if let Some(stack_size) = self.inner.config.stack_size {
            builder = builder.stack_size(stack_size);
        }
        let rt = rt.clone();
        let inner = self.inner.clone();
        builder.spawn(move || {
            let _ = THIS_WORKER.try_with(|this| this.set(Some((Arc::as_ptr(&inner) as usize, id))));
            // Blocking closures may call `Handle::current()`, `spawn` or `Handle::block_on`.
            let _enter = context::try_set_current(&rt);
            inner.run(id, &rt);
            drop(shutdown_tx);
        })
    }
}

impl Inner {
    fn blocking_work_done(&self, rt: &scheduler::Handle) {
        if self.in_flight.fetch_sub(1, Relaxed) == 1 && rt.driver().is_clock_paused() {
            // The last blocking work finished: a paused clock may be free to jump now.
            rt.driver().unpark();
        }
    }

    fn run(&self, worker_id: usize, rt: &scheduler::Handle) {
        if let Some(f) = &self.config.after_start {
            // A panicking hook must not kill the thread behind the pool's back: its counts
            // would be off for good. The panic message has been printed by the panic hook.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f()));
        }

        let mut shared = self.shared.lock();
        let mut join_on_exit = None;
        loop {
            // Busy: run the queue dry (after shutdown, cancel instead of running the tasks that
            // were still waiting for a thread).
            while let Some(task) = shared.queue.pop_front() {
                let cancel = shared.shutdown && !task.mandatory && !task.dispatched;
                let counted = task.counted;
                drop(shared);
                if cancel {
                    task.task.shutdown();
                } else {
                    task.task.run();
                }
                if COUNT_IN_FLIGHT && counted {
                    self.blocking_work_done(rt);
                }
                shared = self.shared.lock();
            }
            if shared.shutdown {
                break;
            }

            // Idle: wait to be claimed, for shutdown, or for the keep-alive to run out.
            shared.num_idle += 1;
            let exit = loop {
                let timed_out = self
                    .condvar
                    .wait_for(&mut shared, self.config.keep_alive)
                    .timed_out();
                if shared.num_notify > 0 {
                    // A spawn claimed an idle thread (and took it off `num_idle`): us.
                    shared.num_notify -= 1;
                    break false;
                }
                if shared.shutdown || timed_out {
                    shared.num_idle -= 1;
                    break true;
                }
                // Spurious wake-up.
            };
            if exit && !shared.shutdown {
                // Keep-alive ran out. Hand our JoinHandle to the next thread to exit (or to
                // shutdown), and join the one that exited before us.
                let mine = shared.worker_threads.remove(&worker_id);
                join_on_exit = std::mem::replace(&mut shared.last_exiting_thread, mine);
                break;
            }
        }

        shared.num_th -= 1;
        drop(shared);

        if let Some(f) = &self.config.before_stop {
            // As for `after_start`; here the counts are already settled, but the thread must
            // still drop its shutdown sender.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f()));
        }
        if let Some(thread) = join_on_exit {
            let _ = thread.join();
        }
    }
}
