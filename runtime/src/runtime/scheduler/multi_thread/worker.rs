//! The worker loop of the multi-thread scheduler.
//!
//! Each worker owns a `Core` (run queue, tick, RNG, parker) in a `Box` that can move between
//! threads: `block_in_place` hands it to a new thread while the current one blocks. The idle
//! set and the `remotes` (stealing, unparking, the LIFO slot) are indexed by core.
//!
//! # One turn of the loop
//!
//! 1. Every `event_interval` ticks, turn the driver without sleeping and check for shutdown.
//! 2. Take a task: every `global_queue_interval` ticks the injection queue first; otherwise
//!    the LIFO slot, the local queue, then a batch from the injection queue.
//! 3. If there is none but tasks are deferred (they yielded), turn the driver without
//!    sleeping, which requeues them. The worker has work of its own, so it does not steal:
//!    stealing here moved tasks back and forth between two yielding workers every round
//!    (`mt_yield_many` took 1.4 times tokio's time with it, 0.7 without).
//! 4. Otherwise search: steal half of another worker's queue (random start), then, on the
//!    last pass, the LIFO task of a worker the monitor found stuck in one poll, then the
//!    injection queue.
//! 5. If that fails too, park.
//!
//! Running a task: stop searching first (the last searcher to stop wakes another worker, so
//! work that arrives behind it is never stranded), poll it under a fresh budget, then run
//! the LIFO slot's task (at most `MAX_LIFO_POLLS_PER_TICK` in a row, while budget remains).
//!
//! Scheduling from a worker: a woken task goes to the LIFO slot and its previous occupant to
//! the back of the queue; only a push to the queue wakes a parked worker, never a push to the
//! LIFO slot (that wake-up was what made tokio's stealable slot 30 % slower). A task that
//! woke itself (a yield, a spent budget) is deferred: it joins the back of the queue after the
//! next turn of the driver (and with nothing else to do, the worker turns the driver without
//! sleeping to get there), so a task yielding in a loop cannot hide I/O and timers. Once the
//! slot is closed for the tick (`MAX_LIFO_POLLS_PER_TICK`), a woken task goes to the queue,
//! and wakes a parked worker only if the queue already held work: alone there, it is the
//! slot's stand-in and runs here next. Either way a task stranded behind a long poll is the
//! monitor's to rescue: it notifies a parked worker when a stuck worker's slot or queue holds
//! work.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use runtime_sync::coop;

use super::handle::{Handle, Remote};
use super::queue;
use super::stats::PollStats;
use crate::runtime::config::Callback;
use crate::runtime::context;
use crate::runtime::metrics::{BusyTimer, WorkerMetrics};
use crate::runtime::parker::Parker;
use crate::runtime::scheduler;
use crate::task::Notified;
use crate::util::atomic_cell::AtomicCell;
use crate::util::rand::FastRand;

/// How many LIFO-slot tasks may run in a row before the slot is bypassed for the rest of the
/// tick (so two tasks waking each other cannot starve the queue).
const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// One worker: a core slot and the scheduler it belongs to.
pub(super) struct Worker {
    pub(super) handle: Arc<Handle>,
    pub(super) index: usize,
    /// The core, while no thread is running it.
    pub(super) core: AtomicCell<Core>,
}

/// A worker's mutable state; lives with the thread that runs it.
pub(crate) struct Core {
    tick: u32,
    /// Whether the LIFO slot may be used this tick.
    lifo_enabled: bool,
    run_queue: queue::Local<Arc<Handle>>,
    /// Tasks that woke themselves during their poll (`yield_now`, a spent budget): they join
    /// the run queue after the next turn of the driver, so that yielding in a loop cannot keep
    /// I/O and timers from being seen (as tokio).
    deferred: Vec<Notified<Arc<Handle>>>,
    is_searching: bool,
    is_shutdown: bool,
    /// `None` only while the thread is parked in it.
    park: Option<Parker>,
    rand: FastRand,
    /// Since when this core's holder has been busy (awake).
    busy: BusyTimer,
    /// The poll-time average that tunes the injection queue's interval.
    stats: PollStats,
}

/// The thread-local state of a worker thread.
pub(crate) struct Context {
    pub(super) worker: Arc<Worker>,
    /// The core, while a task (or a hook, or the driver) runs.
    pub(super) core: RefCell<Option<Box<Core>>>,
}

/// `Err` means the thread lost its core (to `block_in_place`) and must stop running the loop.
type RunResult = Result<Box<Core>, ()>;

impl Core {
    pub(super) fn new(
        run_queue: queue::Local<Arc<Handle>>,
        park: Parker,
        global_queue_interval: Option<u32>,
    ) -> Box<Core> {
        Box::new(Core {
            tick: 0,
            lifo_enabled: true,
            run_queue,
            deferred: Vec::new(),
            is_searching: false,
            is_shutdown: false,
            park: Some(park),
            rand: FastRand::new(),
            busy: BusyTimer::default(),
            stats: PollStats::new(global_queue_interval),
        })
    }
}

/// The body of a worker thread (or of the thread that takes a core over from
/// `block_in_place`).
pub(super) fn run(worker: Arc<Worker>) {
    let Some(core) = worker.core.take() else {
        // The thread that handed the core away took it back before we started.
        return;
    };
    let handle = scheduler::Handle::MultiThread(worker.handle.clone());
    let Some(_runtime) = coop::enter_runtime(false) else {
        panic!("a runtime worker started on a thread that is already inside a runtime");
    };
    let _current = context::try_set_current(&handle);
    let cx = scheduler::Context::MultiThread(Context {
        worker,
        core: RefCell::new(None),
    });
    context::set_scheduler(&cx, || {
        let scheduler::Context::MultiThread(cx) = &cx else {
            unreachable!()
        };
        // `run` only returns when the core is gone: shut down, or handed away.
        assert!(cx.run(core).is_err());
    });
}

impl Context {
    /// The index of the core this thread runs (`runtime::worker_index`).
    pub(crate) fn worker_index(&self) -> usize {
        self.worker.index
    }

    fn remote(&self) -> &Remote {
        &self.worker.handle.shared.remotes[self.worker.index]
    }

    fn metrics(&self) -> &WorkerMetrics {
        &self.worker.handle.shared.worker_metrics[self.worker.index]
    }

    /// The core starts (or resumes, after a park) running tasks.
    fn start_batch(&self, core: &mut Core) {
        let now = Instant::now();
        core.busy.start(now);
        core.stats.start_batch(now, self.remote().polls.load());
    }

    /// The core stops running tasks (to park, or for good).
    fn end_batch(&self, core: &mut Core) {
        let now = Instant::now();
        core.busy.stop(now, self.metrics());
        core.stats.end_batch(now, self.remote().polls.load());
    }

    fn run(&self, mut core: Box<Core>) -> RunResult {
        self.start_batch(&mut core);
        while !core.is_shutdown {
            core.tick = core.tick.wrapping_add(1);
            core.lifo_enabled = true;
            core = self.maintenance(core);

            if let Some(task) = core.next_task(&self.worker) {
                core = self.run_task(task, core)?;
                continue;
            }
            if !core.deferred.is_empty() {
                // Only deferred tasks left: turn the driver without sleeping, then run them.
                core = self.park_yield(core);
            } else if let Some(task) = core.steal_work(&self.worker) {
                core = self.run_task(task, core)?;
            } else {
                core = self.park(core);
            }
        }
        self.end_batch(&mut core);
        core.pre_shutdown(&self.worker);
        self.shutdown_core(core);
        Err(())
    }

    fn run_task(&self, task: Notified<Arc<Handle>>, mut core: Box<Core>) -> RunResult {
        let handle = &self.worker.handle;
        let task = handle.shared.owned.assert_owner(task);
        // Stop searching before polling: the task may spawn work that only a searcher (woken
        // now, if we were the last one) would find.
        core.transition_from_searching(&self.worker);

        *self.core.borrow_mut() = Some(core);
        coop::budget(|| {
            let polls = &self.remote().polls;
            polls.bump();
            task.run();
            let mut lifo_polls = 0;
            loop {
                // The task may have handed the core to another thread (`block_in_place`).
                let Some(mut core) = self.core.borrow_mut().take() else {
                    return Err(());
                };
                polls.bump();
                let Some(task) = (if core.lifo_enabled {
                    self.remote().lifo.take()
                } else {
                    None
                }) else {
                    return Ok(core);
                };
                if !coop::has_budget_remaining() {
                    // Not enough budget to run it now: to the back of the queue.
                    core.run_queue
                        .push_back_or_overflow(task, &*handle.shared.inject);
                    return Ok(core);
                }
                lifo_polls += 1;
                if lifo_polls >= MAX_LIFO_POLLS_PER_TICK {
                    core.lifo_enabled = false;
                }
                *self.core.borrow_mut() = Some(core);
                let task = handle.shared.owned.assert_owner(task);
                polls.bump();
                task.run();
            }
        })
    }

    fn maintenance(&self, mut core: Box<Core>) -> Box<Core> {
        if core.tick % self.worker.handle.shared.config.event_interval == 0 {
            if core.stats.is_tuning() {
                // One clock reading per `event_interval` ticks: end this batch of polls (and
                // re-tune the injection queue's interval) and begin the next.
                let now = Instant::now();
                let polls = self.remote().polls.load();
                core.stats.end_batch(now, polls);
                core.stats.start_batch(now, polls);
            }
            // Let the driver hand out events even though work is ready.
            core = self.park_yield(core);
        }
        core
    }

    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let config = &self.worker.handle.shared.config;
        if let Some(f) = &config.before_park {
            core = self.run_hook(core, f);
        }
        if core.transition_to_parked(&self.worker) {
            // Counted once per park, however many spurious wake-ups it takes.
            self.metrics().about_to_park();
            self.end_batch(&mut core);
            // With the clock paused, the last worker to go idle lets the driver's holder know
            // that time may jump.
            self.worker.handle.poke_paused_clock();
            while !core.is_shutdown {
                core = self.park_in(core);
                core.is_shutdown = self.worker.handle.is_closed();
                if core.transition_from_parked(&self.worker) {
                    break;
                }
            }
            self.metrics().unparked();
            self.start_batch(&mut core);
        }
        self.worker.handle.shared.monitor.worker_unparked();
        if let Some(f) = &config.after_unpark {
            core = self.run_hook(core, f);
        }
        core
    }

    /// Sleeps in the parker (in the driver, if this thread gets it).
    fn park_in(&self, mut core: Box<Core>) -> Box<Core> {
        let mut park = core.park.take().expect("parker missing");
        let handle = &self.worker.handle;
        // Nor may time jump past a task that the driver's own turn of the reactor has just
        // woken into this worker's queue.
        let idle = || {
            handle.is_idle_for_clock()
                && self
                    .core
                    .borrow()
                    .as_ref()
                    .is_none_or(|core| !core.has_tasks(&self.worker))
        };
        core = self.with_core(core, || park.park(&handle.driver, &idle));
        core.park = Some(park);
        self.after_park(core)
    }

    /// Turns the driver without sleeping, and checks for shutdown.
    fn park_yield(&self, mut core: Box<Core>) -> Box<Core> {
        let mut park = core.park.take().expect("parker missing");
        let driver = &self.worker.handle.driver;
        core = self.with_core(core, || park.park_yield(driver));
        core.park = Some(park);
        // `park_yield` consumed any pending unpark, including the one that announced
        // shutdown: look for it now, or the next park would sleep through it.
        core.is_shutdown = self.worker.handle.is_closed();
        self.after_park(core)
    }

    fn after_park(&self, mut core: Box<Core>) -> Box<Core> {
        // The driver has turned: the deferred tasks may run again.
        for task in core.deferred.drain(..) {
            core.run_queue
                .push_back_or_overflow(task, &*self.worker.handle.shared.inject);
        }
        // Events the driver turned into tasks landed on our queue without waking anyone
        // (notifications wait until the park is over); share them now.
        if !core.is_searching && core.run_queue.len() > 1 {
            self.worker.handle.notify_parked();
        }
        core
    }

    /// Runs a park or unpark hook with the core in the context.
    ///
    /// A panic in the hook is caught here: unwinding out of the worker loop would take the
    /// core (and its searching count) with it and wedge the runtime. The panic hook has
    /// already printed the message.
    fn run_hook(&self, core: Box<Core>, hook: &Callback) -> Box<Core> {
        self.with_core(core, || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook()));
        })
    }

    /// Runs `f` with the core in the context, so that wakes on this thread reach the core.
    fn with_core(&self, core: Box<Core>, f: impl FnOnce()) -> Box<Core> {
        *self.core.borrow_mut() = Some(core);
        f();
        self.core
            .borrow_mut()
            .take()
            .expect("core missing from the worker context")
    }
}

impl Core {
    fn next_task(&mut self, worker: &Worker) -> Option<Notified<Arc<Handle>>> {
        let handle = &worker.handle;
        if self.tick % self.stats.global_queue_interval() == 0 {
            return handle
                .next_remote_task()
                .or_else(|| self.next_local_task(worker));
        }
        if let Some(task) = self.next_local_task(worker) {
            return Some(task);
        }
        if handle.shared.inject.is_empty() {
            return None;
        }
        // Out of local work: take a batch from the injection queue, leaving some for the
        // other workers. Only other workers' steals can change our queue meanwhile, and they
        // only remove tasks, so the room counted here stays available.
        let room = self.run_queue.remaining_slots().min(queue::CAPACITY / 2);
        let fair_share = handle.shared.inject.len() / handle.num_workers() + 1;
        let n = fair_share.min(room).max(1);
        let mut tasks = handle.shared.inject.pop_n(n);
        let first = tasks.next();
        self.run_queue.push_back(tasks);
        first
    }

    fn next_local_task(&mut self, worker: &Worker) -> Option<Notified<Arc<Handle>>> {
        let lifo = if self.lifo_enabled {
            worker.handle.shared.remotes[worker.index].lifo.take()
        } else {
            None
        };
        lifo.or_else(|| self.run_queue.pop())
    }

    fn steal_work(&mut self, worker: &Worker) -> Option<Notified<Arc<Handle>>> {
        if !self.transition_to_searching(worker) {
            return None;
        }
        let remotes = &worker.handle.shared.remotes;
        let num = remotes.len();
        let start = self.rand.fastrand_n(num as u32) as usize;
        for i in 0..num {
            let i = (start + i) % num;
            if i == worker.index {
                continue;
            }
            if let Some(task) = remotes[i].steal.steal_into(&mut self.run_queue) {
                return Some(task);
            }
        }
        // Last pass: a task stranded in the LIFO slot of a worker stuck in one poll.
        if worker.handle.shared.config.lifo_stealing {
            for i in 0..num {
                let i = (start + i) % num;
                let remote = &remotes[i];
                if i != worker.index && remote.polls.is_stuck() {
                    if let Some(task) = remote.lifo.take() {
                        return Some(task);
                    }
                }
            }
        }
        worker.handle.next_remote_task()
    }

    fn transition_to_searching(&mut self, worker: &Worker) -> bool {
        if !self.is_searching {
            self.is_searching = worker.handle.shared.idle.transition_worker_to_searching();
        }
        self.is_searching
    }

    fn transition_from_searching(&mut self, worker: &Worker) {
        if !self.is_searching {
            return;
        }
        self.is_searching = false;
        if worker.handle.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: there may be more where it came
            // from, and nobody is looking now. Wake another worker to look.
            worker.handle.notify_parked();
        }
    }

    fn has_tasks(&self, worker: &Worker) -> bool {
        !worker.handle.shared.remotes[worker.index].lifo.is_empty()
            || self.run_queue.has_tasks()
            || !self.deferred.is_empty()
    }

    /// Returns `false` (and does not park) if there is work after all.
    fn transition_to_parked(&mut self, worker: &Worker) -> bool {
        if self.has_tasks(worker) {
            return false;
        }
        let handle = &worker.handle;
        let is_last_searcher = handle.shared.idle.transition_worker_to_parked(
            &handle.shared.synced,
            worker.index,
            self.is_searching,
        );
        self.is_searching = false;
        if is_last_searcher {
            handle.notify_if_work_pending();
        }
        true
    }

    /// Returns `true` when the worker should stop parking.
    fn transition_from_parked(&mut self, worker: &Worker) -> bool {
        let handle = &worker.handle;
        if self.has_tasks(worker) {
            // Woken by our own queue filling up (the driver delivered events): unparked, but
            // not searching unless someone notified us.
            self.is_searching = !handle
                .shared
                .idle
                .unpark_worker_by_id(&handle.shared.synced, worker.index);
            return true;
        }
        if handle
            .shared
            .idle
            .is_parked(&handle.shared.synced, worker.index)
        {
            // Spurious wake-up.
            return false;
        }
        // Notified: the notifier counted us as searching.
        self.is_searching = true;
        true
    }

    /// Cancels every task this worker can reach. All workers do this at shutdown, each
    /// starting at its own shard so they spread out.
    fn pre_shutdown(&mut self, worker: &Worker) {
        if self.is_searching {
            self.transition_from_searching(worker);
        }
        worker.handle.shared.owned.close_and_shutdown_all();
    }

    /// Drops what is left in the core's queues. The last core also shuts the driver down.
    fn shutdown(&mut self, handle: &Handle, remote: &Remote) {
        while let Some(task) = remote.lifo.take() {
            drop(task);
        }
        while let Some(task) = self.run_queue.pop() {
            drop(task);
        }
        self.deferred.clear();
        if let Some(park) = self.park.as_mut() {
            park.shutdown(&handle.driver);
        }
    }
}

impl Context {
    /// Collects a core whose worker has seen the shutdown; the last one drains the rest.
    fn shutdown_core(&self, core: Box<Core>) {
        let handle = &self.worker.handle;
        let mut cores = handle.shared.shutdown_cores.lock();
        cores.push(core);
        if cores.len() != handle.shared.remotes.len() {
            return;
        }
        // Every task was cancelled by `pre_shutdown`; what is left are stale notifications.
        for (index, mut core) in cores.drain(..).enumerate() {
            core.shutdown(handle, &handle.shared.remotes[index]);
        }
        while let Some(task) = handle.next_remote_task() {
            drop(task);
        }
    }

    /// Schedules a task woken on this worker's thread, which holds `core`
    /// (`Handle::schedule_task`).
    pub(super) fn schedule_local(
        &self,
        core: &mut Core,
        task: Notified<Arc<Handle>>,
        is_yield: bool,
    ) {
        let handle = &self.worker.handle;
        let should_notify = if is_yield {
            // Deferred until the driver turns; nobody else can run it before then, so nobody
            // is woken for it.
            core.deferred.push(task);
            false
        } else if !core.lifo_enabled {
            // The LIFO slot is closed for this tick: the queue stands in for it. Alone in the
            // queue, the task runs on this worker next, exactly as from the slot, so it wakes
            // nobody either (a lock convoy would otherwise hop between workers every few
            // hand-offs, paying an unpark each time). Behind other work, it is work another
            // worker could run now.
            let alone = !core.run_queue.has_tasks();
            core.run_queue
                .push_back_or_overflow(task, &*handle.shared.inject);
            !alone
        } else {
            // Never notify for the LIFO slot itself: the task runs right after the current
            // one. The task it displaces goes to the queue, where others can steal it.
            match self.remote().lifo.push(task) {
                Some(prev) => {
                    core.run_queue
                        .push_back_or_overflow(prev, &*handle.shared.inject);
                    true
                }
                None => false,
            }
        };
        // While the core is parked (the driver is delivering events), hold the notification:
        // events come in batches, and `after_park` notifies once for all of them.
        if should_notify && core.park.is_some() {
            handle.notify_parked();
        }
    }
}

/// Runs `f`, a blocking section, without stalling the tasks queued on this worker: the
/// worker's core moves to a new thread for the duration.
#[track_caller]
pub(crate) fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    // Takes the core back (if the thread that took it over has not started yet, or gave it
    // back) when the blocking section ends, also on unwind.
    struct Reset {
        take_core: bool,
    }

    impl Drop for Reset {
        fn drop(&mut self) {
            if !self.take_core {
                return;
            }
            context::with_scheduler(|cx| {
                if let Some(scheduler::Context::MultiThread(cx)) = cx {
                    let core = cx.worker.core.take();
                    if core.is_some() {
                        // Back inside the poll that called `block_in_place`.
                        cx.remote().polls.bump();
                    }
                    let mut slot = cx.core.borrow_mut();
                    assert!(slot.is_none(), "a core appeared during block_in_place");
                    *slot = core;
                }
            });
        }
    }

    if crate::task::local_set::is_entered() {
        panic!(
            "can call blocking only when running on the multi-threaded runtime: \
             `block_in_place` called inside a `LocalSet`, whose tasks must stay on this thread \
             and could not run while it blocks. Use `spawn_blocking` instead"
        );
    }
    let mut had_entered = false;
    let mut take_core = false;
    // Counts as blocking work while it lasts (a paused clock must not jump meanwhile).
    let mut section = None;
    let setup = context::with_scheduler(|cx| {
        let multi_thread = match cx {
            Some(scheduler::Context::MultiThread(cx)) => Some(cx),
            _ => None,
        };
        match (coop::entered_runtime(), multi_thread) {
            // On a worker thread of a multi-thread runtime: hand the core over.
            (Some(_), Some(cx)) => {
                had_entered = true;
                let Some(mut core) = cx.core.borrow_mut().take() else {
                    // Already handed away (a nested call): blocking is fine.
                    return Ok(());
                };
                // The LIFO task could only run on this core; put it where others can steal it.
                if let Some(task) = cx.remote().lifo.take() {
                    core.run_queue
                        .push_back_or_overflow(task, &*cx.worker.handle.shared.inject);
                }
                // End the poll on the core's behalf: its next holder counts its own polls.
                cx.remote().polls.bump();
                take_core = true;
                cx.worker.core.set(core);
                let worker = cx.worker.clone();
                let rt = scheduler::Handle::MultiThread(worker.handle.clone());
                section = rt.blocking_spawner().enter_blocking_section(&rt);
                // A blocking-pool thread takes the core over and runs the worker loop.
                drop(
                    rt.blocking_spawner()
                        .spawn_mandatory_blocking(&rt, move || run(worker)),
                );
                Ok(())
            }
            // Blocked in a multi-thread runtime's `block_on`: blocking is fine there.
            (Some(true), None) => {
                had_entered = true;
                Ok(())
            }
            // On a current-thread runtime (or a local set): nobody can take over.
            (Some(false), None) => Err(()),
            // Outside any runtime, or already inside a `block_in_place`.
            (None, _) => Ok(()),
        }
    });
    if setup.is_err() {
        panic!(
            "can call blocking only when running on the multi-threaded runtime: \
             `block_in_place` called on a current-thread runtime: there is no other thread to \
             take over its tasks while this one blocks. Use `spawn_blocking` instead, or build \
             the runtime with `Builder::new_multi_thread()`"
        );
    }
    let _section = section;
    if had_entered {
        let _reset = Reset { take_core };
        // Blocking code is not bound by the task's budget; the budget is restored after.
        coop::exit_runtime(|| coop::with_unconstrained(f))
    } else {
        f()
    }
}
