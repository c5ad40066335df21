//! The current-thread scheduler: every task runs on the thread that calls `block_on`.
//!
//! The scheduler's mutable state (`Core`: the local run queue, the tick, the driver) moves
//! into whichever thread is inside `Runtime::block_on`; other threads that call `block_on` at
//! the same time poll their own future and wait for the core to come back. Wakes and spawns
//! from the thread that holds the core go straight to the local queue; from anywhere else
//! they go to the injection queue and unpark the driver.
//!
//! Fairness: the injection queue is checked first every `global_queue_interval` ticks, and the
//! driver is turned with a zero timeout every `event_interval` ticks even when tasks are
//! ready, so neither remote work nor I/O and timers can be starved by a busy local queue.
//!
//! A task that wakes itself during its poll (`yield_now`, a spent budget) is *deferred*: it
//! runs again only after the driver has been turned, so a task that yields in a loop cannot
//! keep I/O and timers from being seen (tokio does the same). With nothing else to run, the
//! scheduler turns the driver without sleeping and then runs the deferred tasks.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
// `Arc` stays `std`'s: `Waker::from` takes a `std::sync::Arc`.
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::time::Instant;

use runtime_sync::coop;

use super::inject::Inject;
use crate::loom::{AtomicBool, Mutex, Ordering::*};
use crate::runtime::blocking;
use crate::runtime::config::Callback;
use crate::runtime::context;
use crate::runtime::driver::{self, Driver};
use crate::runtime::metrics::{BusyTimer, WorkerMetrics};
use crate::runtime::park;
use crate::runtime::parker::{Parker, Unparker};
use crate::runtime::scheduler;
use crate::task::list::OwnedTasks;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};

/// The scheduler, owned by the `Runtime`.
pub(crate) struct CurrentThread {
    /// The core, while no thread is inside `block_on`.
    core: Mutex<Option<Box<Core>>>,
    /// Threads waiting in `block_on` for the core to come back.
    waiters: Mutex<Vec<Waker>>,
}

/// The shared half, referenced by every task (as its scheduler) and every `Handle`.
pub(crate) struct Handle {
    shared: Shared,
    pub(crate) driver: driver::Handle,
    /// Wakes the thread that drives the scheduler.
    unpark: Unparker,
    pub(crate) blocking_spawner: blocking::Spawner,
}

struct Shared {
    inject: Inject<Arc<Handle>>,
    owned: OwnedTasks<Arc<Handle>>,
    /// Set when the `block_on` future is woken.
    woken: AtomicBool,
    config: Config,
    /// The one worker's counters, written by the thread holding the core.
    worker_metrics: WorkerMetrics,
}

/// Scheduler settings from the builder.
pub(crate) struct Config {
    pub(crate) global_queue_interval: u32,
    pub(crate) event_interval: u32,
    pub(crate) before_park: Option<Callback>,
    pub(crate) after_unpark: Option<Callback>,
    /// The runtime's name (`Builder::name`).
    pub(crate) name: Option<String>,
    /// Whether this is a `LocalRuntime`'s scheduler.
    pub(crate) local: bool,
}

/// The scheduler's mutable state; lives with the thread that drives it.
struct Core {
    tasks: VecDeque<Notified<Arc<Handle>>>,
    /// Tasks that woke themselves during their poll; queued after the next driver turn.
    deferred: Vec<Notified<Arc<Handle>>>,
    tick: u32,
    /// Polls (of tasks and of the `block_on` future) since the driver last turned: at
    /// `event_interval` it turns, even though work remains.
    polls_since_turn: u32,
    /// How the driving thread sleeps (in the driver); `None` only while it is parked.
    park: Option<Parker>,
    /// Since when the thread holding the core has been busy.
    busy: BusyTimer,
}

/// The thread-local state of the thread that holds the core.
pub(crate) struct Context {
    handle: Arc<Handle>,
    /// The core, while a task (or the `block_on` future, or a hook) runs.
    core: RefCell<Option<Box<Core>>>,
}

const INITIAL_CAPACITY: usize = 64;

impl CurrentThread {
    pub(crate) fn new(
        driver: Driver,
        driver_handle: driver::Handle,
        blocking_spawner: blocking::Spawner,
        config: Config,
    ) -> (CurrentThread, Arc<Handle>) {
        let park = Parker::new(driver);
        let handle = Arc::new(Handle {
            shared: Shared {
                inject: Inject::new(),
                owned: OwnedTasks::new(1),
                woken: AtomicBool::new(false),
                config,
                worker_metrics: WorkerMetrics::new(),
            },
            driver: driver_handle,
            unpark: park.unparker(),
            blocking_spawner,
        });
        let core = Box::new(Core {
            tasks: VecDeque::with_capacity(INITIAL_CAPACITY),
            deferred: Vec::new(),
            tick: 0,
            polls_since_turn: 0,
            park: Some(park),
            busy: BusyTimer::default(),
        });
        let scheduler = CurrentThread {
            core: Mutex::new(Some(core)),
            waiters: Mutex::new(Vec::new()),
        };
        (scheduler, handle)
    }

    /// Runs `future` to completion, driving the scheduler if this thread can take the core.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(&self, handle: &scheduler::Handle, future: F) -> F::Output {
        let _runtime = enter_runtime_or_panic();
        let handle = handle.as_current_thread();
        let mut future = std::pin::pin!(future);
        loop {
            if let Some(core) = self.take_core(handle) {
                return core.block_on(future);
            }
            // Another thread drives the scheduler: poll our own future, and wait for it or
            // for the core to come back, whichever happens first.
            let (waker, park) = park::current_thread_waker();
            {
                let mut waiters = self.waiters.lock();
                waiters.retain(|w| !w.will_wake(&waker));
                waiters.push(waker.clone());
            }
            if self.core.lock().is_some() {
                continue;
            }
            let mut cx = std::task::Context::from_waker(&waker);
            if let Poll::Ready(output) = coop::budget(|| future.as_mut().poll(&mut cx)) {
                return output;
            }
            park();
        }
    }

    fn take_core(&self, handle: &Arc<Handle>) -> Option<CoreGuard<'_>> {
        let core = self.core.lock().take()?;
        Some(CoreGuard {
            context: scheduler::Context::CurrentThread(Context {
                handle: handle.clone(),
                core: RefCell::new(Some(core)),
            }),
            scheduler: self,
        })
    }

    /// Cancels every task and shuts the driver down. Called when the `Runtime` is dropped.
    pub(crate) fn shutdown(&mut self, handle: &scheduler::Handle) {
        let handle = handle.as_current_thread();
        let core = match self.take_core(handle) {
            Some(core) => core,
            // A `block_on` panicked while the core was out and the guard could not return it.
            None if std::thread::panicking() => return,
            None => {
                panic!("the current-thread scheduler's core was lost; this is a bug in `runtime`")
            }
        };
        core.enter(|core, _| (shutdown_core(core, handle), ()));
    }
}

fn shutdown_core(mut core: Box<Core>, handle: &Handle) -> Box<Core> {
    // Closing first means tasks spawned while others are being dropped are cancelled on
    // arrival instead of slipping in behind the sweep.
    handle.shared.owned.close_and_shutdown_all();
    // Every task is cancelled now; what remains in the queues are stale notifications.
    while let Some(task) = core.tasks.pop_front() {
        drop(task);
    }
    core.deferred.clear();
    handle.shared.inject.close();
    while let Some(task) = handle.shared.inject.pop() {
        drop(task);
    }
    assert!(handle.shared.owned.is_empty(), "tasks left after shutdown");
    if let Some(park) = core.park.as_mut() {
        park.shutdown(&handle.driver);
    }
    core
}

#[track_caller]
fn enter_runtime_or_panic() -> coop::EnterRuntimeGuard {
    match coop::enter_runtime(false) {
        Some(guard) => guard,
        None => panic!(context::nested_block_on_message!("`block_on`")),
    }
}

impl Core {
    /// After a turn of the driver: the deferred tasks join the queue.
    fn requeue_deferred(&mut self) {
        self.tasks.extend(self.deferred.drain(..));
    }

    fn tick(&mut self) {
        self.tick = self.tick.wrapping_add(1);
    }

    fn next_task(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        if self.tick % handle.shared.config.global_queue_interval == 0 {
            handle
                .shared
                .inject
                .pop()
                .or_else(|| self.tasks.pop_front())
        } else {
            self.tasks
                .pop_front()
                .or_else(|| handle.shared.inject.pop())
        }
    }
}

/// Holds the core while this thread drives the scheduler; gives it back on drop (also when
/// the `block_on` future panics).
struct CoreGuard<'a> {
    context: scheduler::Context,
    scheduler: &'a CurrentThread,
}

impl CoreGuard<'_> {
    fn context(&self) -> &Context {
        match &self.context {
            scheduler::Context::CurrentThread(cx) => cx,
            scheduler::Context::MultiThread(_) => {
                unreachable!("a current-thread core guard with a multi-thread context")
            }
        }
    }

    #[track_caller]
    fn block_on<F: Future>(self, mut future: Pin<&mut F>) -> F::Output {
        self.enter(|mut core, context| {
            let handle = context.handle.clone();
            // Poll the future first, whatever an earlier `block_on` left in the flag.
            handle.shared.woken.store(true, Relaxed);
            let waker = Waker::from(handle.clone());
            let mut cx = std::task::Context::from_waker(&waker);
            let config = &handle.shared.config;
            core.busy.start(Instant::now());

            'outer: loop {
                // Whether the future was woken again while it was being polled: it yielded
                // (or spent its budget), rather than waiting for something.
                let mut yielded = false;
                if handle.shared.woken.swap(false, AcqRel) {
                    let (c, res) =
                        context.enter(core, || coop::budget(|| future.as_mut().poll(&mut cx)));
                    core = c;
                    core.polls_since_turn += 1;
                    if let Poll::Ready(output) = res {
                        core.busy
                            .stop(Instant::now(), &handle.shared.worker_metrics);
                        return (core, output);
                    }
                    yielded = handle.shared.woken.load(Acquire);
                }

                loop {
                    if core.polls_since_turn >= config.event_interval {
                        // Work remains (tasks, or the `block_on` future keeps being woken),
                        // but I/O and timers get their turn.
                        core = context.park_yield(core, &handle);
                        continue 'outer;
                    }
                    core.tick();
                    let Some(task) = core.next_task(&handle) else {
                        // A `block_on` future that woke itself runs again at once, but the
                        // driver still gets its turn (without sleeping): a future that
                        // always wakes itself must not starve the timers and I/O it waits
                        // on. (One woken by a task just parks: the pending unpark makes
                        // that return at once, with no system call.)
                        core = if yielded {
                            context.park_yield(core, &handle)
                        } else {
                            context.park(core, &handle)
                        };
                        continue 'outer;
                    };
                    let task = handle.shared.owned.assert_owner(task);
                    let (c, ()) = context.enter(core, || coop::budget(|| task.run()));
                    core = c;
                    core.polls_since_turn += 1;
                }
            }
        })
    }

    /// Runs `f` with the core taken out of the context (and the context installed as this
    /// thread's scheduler); `f` hands the core back.
    fn enter<R>(self, f: impl FnOnce(Box<Core>, &Context) -> (Box<Core>, R)) -> R {
        let context = self.context();
        let core = context
            .core
            .borrow_mut()
            .take()
            .expect("core missing from the scheduler context");
        let (core, ret) = context::set_scheduler(&self.context, || f(core, context));
        *context.core.borrow_mut() = Some(core);
        ret
    }
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        let core = self.context().core.borrow_mut().take();
        if let Some(core) = core {
            *self.scheduler.core.lock() = Some(core);
            // Another thread may be waiting in `block_on` to drive the scheduler.
            for waiter in self.scheduler.waiters.lock().drain(..) {
                waiter.wake();
            }
        }
    }
}

impl Context {
    /// Runs `f` with the core in the context, so that wakes on this thread reach the local
    /// queue.
    fn enter<R>(&self, core: Box<Core>, f: impl FnOnce() -> R) -> (Box<Core>, R) {
        *self.core.borrow_mut() = Some(core);
        let ret = f();
        let core = self
            .core
            .borrow_mut()
            .take()
            .expect("core missing from the scheduler context");
        (core, ret)
    }

    /// Sleeps in the driver until there is work.
    fn park(&self, mut core: Box<Core>, handle: &Handle) -> Box<Core> {
        // The hooks run with the driver still in the core: if one panics, the core (which the
        // context holds while they run) goes back to the runtime whole.
        if let Some(f) = &handle.shared.config.before_park {
            let (c, ()) = self.enter(core, || f());
            core = c;
        }
        if !core.deferred.is_empty() {
            // Tasks deferred until the driver turns: turn it, without waiting.
            core = self.park_yield(core, handle);
        } else if !core.tasks.is_empty() || handle.shared.woken.load(Acquire) {
            // The hook created work (spawned a task, woke the `block_on` future): no reason
            // to sleep. The driver is not turned here, but every poll counts towards
            // `event_interval`, after which it is: a hook that always finds something to do
            // cannot starve timers and I/O (tokio #8212).
        } else {
            let mut park = core.park.take().expect("parker missing");
            // A paused clock may jump only if nothing is pending: not even a task that the
            // driver's own turn of the reactor has just woken into the local queue.
            let idle = || {
                self.core
                    .borrow()
                    .as_ref()
                    .is_none_or(|core| core.tasks.is_empty())
                    && handle.shared.inject.is_empty()
                    && !handle.shared.woken.load(Acquire)
                    && handle.blocking_spawner.is_idle()
            };
            let metrics = &handle.shared.worker_metrics;
            metrics.about_to_park();
            core.busy.stop(Instant::now(), metrics);
            let (c, ()) = self.enter(core, || park.park(&handle.driver, &idle));
            core = c;
            core.park = Some(park);
            // (`polls_since_turn` is not reset: a pending unpark makes `park` return without
            // turning the driver, and wakes that keep arriving must not starve it either.)
            metrics.unparked();
            core.busy.start(Instant::now());
            core.requeue_deferred();
        }
        if let Some(f) = &handle.shared.config.after_unpark {
            let (c, ()) = self.enter(core, || f());
            core = c;
        }
        core
    }

    /// Turns the driver without sleeping.
    fn park_yield(&self, mut core: Box<Core>, handle: &Handle) -> Box<Core> {
        let mut park = core.park.take().expect("parker missing");
        let (c, ()) = self.enter(core, || park.park_yield(&handle.driver));
        core = c;
        core.park = Some(park);
        core.polls_since_turn = 0;
        core.requeue_deferred();
        core
    }
}

impl Handle {
    pub(crate) fn name(&self) -> Option<&str> {
        self.shared.config.name.as_deref()
    }

    pub(crate) fn is_local(&self) -> bool {
        self.shared.config.local
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

    pub(crate) fn worker_metrics(&self) -> &WorkerMetrics {
        &self.shared.worker_metrics
    }

    pub(crate) fn spawn<F>(me: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = me.shared.owned.bind(future, me.clone(), id);
        if let Some(notified) = notified {
            me.schedule(notified);
        }
        join
    }
}

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        context::with_scheduler(|cx| match cx {
            Some(scheduler::Context::CurrentThread(cx)) if Arc::ptr_eq(self, &cx.handle) => {
                match cx.core.borrow_mut().as_mut() {
                    Some(core) => core.tasks.push_back(task),
                    // The core is out of the context only during shutdown, which cancels
                    // every task itself: the notification can go.
                    None => drop(task),
                }
            }
            _ => {
                self.shared.inject.push(task);
                self.unpark.unpark(&self.driver);
            }
        });
    }

    fn yield_now(&self, task: Notified<Self>) {
        // A self-wake always happens during the task's poll, on the thread holding the core.
        context::with_scheduler(|cx| match cx {
            Some(scheduler::Context::CurrentThread(cx)) if Arc::ptr_eq(self, &cx.handle) => {
                match cx.core.borrow_mut().as_mut() {
                    Some(core) => core.deferred.push(task),
                    None => drop(task),
                }
            }
            _ => self.schedule(task),
        });
    }
}

impl Wake for Handle {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release: pairs with the AcqRel swap in `block_on`, so the future sees what its waker
        // published.
        self.shared.woken.store(true, Release);
        self.unpark.unpark(&self.driver);
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("current_thread::Handle")
            .field("tasks", &self.shared.owned.len())
            .field("injected", &self.shared.inject.len())
            .finish()
    }
}

impl fmt::Debug for CurrentThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentThread").finish_non_exhaustive()
    }
}
