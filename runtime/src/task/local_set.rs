//! `LocalSet` and `spawn_local`: tasks that stay on one thread, so their futures need not be
//! `Send`.
//!
//! # Design
//!
//! A set's tasks use the ordinary task cell, with the set's `Shared` as their scheduler. They
//! are bound with `OwnedTasks::bind_local`, whose contract is that every run goes through
//! `assert_owner` on the owning thread: the only place a set's task is polled is
//! [`LocalSet::tick`], and a `LocalSet` is `!Send`, so that is always its own thread. A
//! task is also cancelled (its future dropped) only there, or by the set's drop.
//!
//! Wakes can come from anywhere. A wake on the set's thread while the set is entered goes to
//! the set's local queue (no lock); any other wake goes to the `remote` queue under a mutex
//! and wakes whoever is awaiting the set. A wake on the set's thread while it is entered but
//! not running (a `LocalRuntime` between polls of its set) also wakes that waiter, since
//! nobody is about to look at the queue.
//!
//! The set runs at most [`MAX_TASKS_PER_TICK`] tasks per poll and then yields to the runtime
//! it runs in; every [`REMOTE_FIRST_INTERVAL`] tasks it takes from the remote queue first, so
//! neither queue can starve the other.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;

use parking_lot::Mutex;
use runtime_sync::coop;

use super::list::OwnedTasks;
use super::spawn::BOX_FUTURE_THRESHOLD;
use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::runtime::Runtime;

/// How many tasks one poll of a set runs before it yields to the surrounding runtime.
const MAX_TASKS_PER_TICK: usize = 61;

/// Every this many tasks, the remote queue is checked before the local one.
const REMOTE_FIRST_INTERVAL: u8 = 31;

/// A set of tasks that all run on the current thread, so they may be `!Send`.
///
/// Spawn tasks on it with [`spawn_local`](LocalSet::spawn_local) (or, inside it, the free
/// function [`spawn_local`]). They run while the set is driven: while a future passed to
/// [`run_until`](LocalSet::run_until) or [`block_on`](LocalSet::block_on) runs, or while the
/// set itself is awaited (which completes once every task in it has finished). A set works
/// inside either flavor of runtime, and inside a task of a current-thread runtime: its tasks
/// can use the runtime (spawn, timers, I/O) as usual.
///
/// Dropping the set cancels the tasks still in it, on this thread.
///
/// # Examples
///
/// A `!Send` value (an `Rc`) shared between local tasks, inside a multi-thread runtime:
///
/// ```
/// use std::rc::Rc;
/// use runtime::task::{self, LocalSet};
///
/// let rt = runtime::runtime::Runtime::new().unwrap();
/// let local = LocalSet::new();
/// let total = local.block_on(&rt, async {
///     let shared = Rc::new(5);
///     let clone = shared.clone();
///     let doubled = task::spawn_local(async move { *clone * 2 }).await.unwrap();
///     doubled + *shared
/// });
/// assert_eq!(total, 15);
/// ```
pub struct LocalSet {
    /// Counts the tasks run, for the remote-first interval.
    tick: Cell<u8>,
    context: Rc<LocalContext>,
    _not_send: PhantomData<*const ()>,
}

/// The part of a set that the thread-local [`CURRENT`] points at while the set is entered.
struct LocalContext {
    shared: Arc<Shared>,
    /// Tasks woken on the set's thread while it was entered.
    queue: RefCell<VecDeque<Notified<Arc<Shared>>>>,
    /// Whether the set is being polled right now, so that a task queued locally will be seen
    /// without a wake.
    running: Cell<bool>,
}

/// The thread-safe part of a set: every task's scheduler.
pub(crate) struct Shared {
    owned: OwnedTasks<Arc<Shared>>,
    /// Tasks woken from other threads (or from this one while the set was not entered);
    /// `None` once the set is closed.
    remote: Mutex<Option<VecDeque<Notified<Arc<Shared>>>>>,
    /// Whoever awaits the set (a `run_until`, or the set itself).
    waker: Mutex<Option<Waker>>,
    /// The thread the set belongs to, for the debug output.
    owner: ThreadId,
}

thread_local! {
    /// The set entered on this thread, if any.
    static CURRENT: RefCell<Option<Rc<LocalContext>>> = const { RefCell::new(None) };

    /// The built-in sets of the local runtimes that live on this thread, by runtime id, so
    /// that `spawn_local` under the runtime's context alone (`LocalRuntime::enter`, or a
    /// handle entered on this thread) finds the set.
    static LOCAL_RUNTIMES: RefCell<Vec<(crate::runtime::Id, Weak<LocalContext>)>> =
        const { RefCell::new(Vec::new()) };
}

/// Whether a `LocalSet` (or a local runtime's set) is entered on this thread.
pub(crate) fn is_entered() -> bool {
    CURRENT
        .try_with(|current| current.borrow().is_some())
        .unwrap_or(false)
}

/// Keeps a local runtime's set registered on its thread; unregisters it on drop.
pub(crate) struct LocalRuntimeRegistration {
    id: crate::runtime::Id,
    _not_send: PhantomData<*const ()>,
}

impl LocalRuntimeRegistration {
    /// Registers `set` as the set of the local runtime `id`, on this thread.
    pub(crate) fn new(id: crate::runtime::Id, set: &LocalSet) -> LocalRuntimeRegistration {
        let _ = LOCAL_RUNTIMES.try_with(|list| {
            list.borrow_mut().push((id, Rc::downgrade(&set.context)));
        });
        LocalRuntimeRegistration {
            id,
            _not_send: PhantomData,
        }
    }
}

impl Drop for LocalRuntimeRegistration {
    fn drop(&mut self) {
        let _ = LOCAL_RUNTIMES.try_with(|list| list.borrow_mut().retain(|(id, _)| *id != self.id));
    }
}

/// Where `spawn_local` puts a task when no set is entered.
enum Fallback {
    /// The current runtime is a local runtime of this thread: its set.
    Set(Rc<LocalContext>),
    /// The current runtime is a local runtime of another thread.
    OtherThread,
    /// No local runtime is current.
    None,
}

fn local_runtime_set() -> Fallback {
    let current = crate::runtime::context::with_current(|handle| (handle.id(), handle.is_local()));
    match current {
        Ok((id, true)) => LOCAL_RUNTIMES
            .try_with(|list| {
                list.borrow()
                    .iter()
                    .find(|(entry, _)| *entry == id)
                    .and_then(|(_, set)| set.upgrade())
            })
            .ok()
            .flatten()
            .map_or(Fallback::OtherThread, Fallback::Set),
        _ => Fallback::None,
    }
}

/// Spawns a `!Send` future on the current [`LocalSet`] or local runtime, returning its
/// [`JoinHandle`].
///
/// The task runs on this thread, while the set (or the local runtime) is driven.
///
/// # Panics
///
/// Panics if called outside a `LocalSet` (its `run_until`, `block_on`, its tasks, or
/// [`LocalSet::enter`]) and outside a local runtime
/// ([`Builder::build_local`](crate::runtime::Builder::build_local),
/// `#[runtime::main(flavor = "local")]`).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// #[runtime::main(flavor = "local")]
/// async fn main() {
///     let name = Rc::new("local");
///     let task = runtime::task::spawn_local(async move { format!("hello from a {name} task") });
///     assert_eq!(task.await.unwrap(), "hello from a local task");
/// }
/// # main();
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if let Ok(Some(context)) = CURRENT.try_with(|current| current.borrow().clone()) {
        return context.spawn(future);
    }
    match local_runtime_set() {
        Fallback::Set(context) => context.spawn(future),
        Fallback::OtherThread => panic!(
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was \
             created on: this thread is in the context of a `LocalRuntime` of another thread. \
             Send the work to that thread, or use `runtime::spawn` for a `Send` future"
        ),
        Fallback::None => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`: run \
             the code inside `LocalSet::run_until` or `LocalSet::block_on`, build the runtime \
             with `Builder::build_local`, or use `#[runtime::main(flavor = \"local\")]`; for a \
             `Send` future, use `runtime::spawn`"
        ),
    }
}

impl LocalSet {
    /// An empty set, owned by the current thread.
    pub fn new() -> LocalSet {
        LocalSet {
            tick: Cell::new(0),
            context: Rc::new(LocalContext {
                shared: Arc::new(Shared {
                    owned: OwnedTasks::new(1),
                    remote: Mutex::new(Some(VecDeque::new())),
                    waker: Mutex::new(None),
                    owner: std::thread::current().id(),
                }),
                queue: RefCell::new(VecDeque::new()),
                running: Cell::new(false),
            }),
            _not_send: PhantomData,
        }
    }

    /// The set's id, unique among the runtimes and sets alive in the process.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::task::LocalSet;
    ///
    /// let a = LocalSet::new();
    /// let b = LocalSet::new();
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> crate::runtime::Id {
        crate::runtime::Id::new(self.context.shared.owned.id())
    }

    /// Spawns a `!Send` future on this set and returns its [`JoinHandle`].
    ///
    /// The task runs when the set is driven (see [`LocalSet`]); it may be spawned before.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::task::LocalSet;
    ///
    /// let rt = runtime::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let task = local.spawn_local(async { std::rc::Rc::new(1) });
    /// // Awaiting the set runs every task in it to completion.
    /// rt.block_on(local);
    /// assert_eq!(*rt.block_on(task).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future)
    }

    /// Runs `future` on `rt`, driving this set's tasks while it runs, and returns its output.
    ///
    /// Equivalent to `rt.block_on(local.run_until(future))`.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime, like [`Runtime::block_on`].
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Runs `future` to completion, driving this set's tasks while it runs; tasks still
    /// running when it completes stay in the set.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::task::{self, LocalSet};
    ///
    /// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let local = LocalSet::new();
    /// let out = local
    ///     .run_until(async {
    ///         task::spawn_local(async { "ran" }).await.unwrap()
    ///     })
    ///     .await;
    /// assert_eq!(out, "ran");
    /// # });
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil {
            local_set: self,
            future,
        }
        .await
    }

    /// Enters the set without driving it, until the guard is dropped: [`spawn_local`] called
    /// meanwhile spawns onto this set.
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            _reset: self.context.enter(false),
        }
    }

    /// Runs up to [`MAX_TASKS_PER_TICK`] tasks; returns whether work is left.
    fn tick(&self) -> bool {
        for _ in 0..MAX_TASKS_PER_TICK {
            let Some(task) = self.next_task() else {
                return false;
            };
            let task = self.context.shared.owned.assert_owner(task);
            coop::budget(|| task.run());
        }
        !self.context.queue.borrow().is_empty() || self.context.shared.has_remote()
    }

    fn next_task(&self) -> Option<Notified<Arc<Shared>>> {
        let tick = self.tick.get();
        self.tick.set(tick.wrapping_add(1));
        let local = || self.context.queue.borrow_mut().pop_front();
        let remote = || self.context.shared.pop_remote();
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            remote().or_else(local)
        } else {
            local().or_else(remote)
        }
    }

    /// Cancels every task and closes the set: tasks spawned or woken later are dropped.
    /// Idempotent.
    pub(crate) fn close(&self) {
        let _reset = self.context.enter(false);
        let shared = &self.context.shared;
        shared.owned.close_and_shutdown_all();
        // Every task is cancelled; what the queues hold are stale notifications.
        loop {
            let task = self.context.queue.borrow_mut().pop_front();
            match task {
                Some(task) => drop(task),
                None => break,
            }
        }
        let remote = shared.remote.lock().take();
        drop(remote);
        debug_assert!(shared.owned.is_empty(), "tasks left in a closed `LocalSet`");
    }
}

impl LocalContext {
    /// Makes this the current set on this thread, `running` or not, until the guard drops.
    fn enter(self: &Rc<Self>, running: bool) -> ResetCurrent {
        let prev = CURRENT
            .try_with(|current| current.borrow_mut().replace(self.clone()))
            .ok()
            .flatten();
        ResetCurrent {
            prev,
            running: self.running.replace(running),
            context: self.clone(),
        }
    }

    #[track_caller]
    fn spawn<F>(self: &Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        if std::mem::size_of::<F>() > BOX_FUTURE_THRESHOLD {
            self.spawn_inner(Box::pin(future))
        } else {
            self.spawn_inner(future)
        }
    }

    fn spawn_inner<F>(self: &Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let shared = &self.shared;
        // SAFETY: the task's runs all go through `assert_owner` in `LocalSet::tick`, and its
        // cancellation through `LocalSet::close`; both run on the thread that owns this
        // context, which is `!Send` (held in an `Rc` by a `!Send` `LocalSet`).
        let (join, notified) =
            unsafe { shared.owned.bind_local(future, shared.clone(), Id::next()) };
        if let Some(notified) = notified {
            self.queue.borrow_mut().push_back(notified);
            if !self.running.get() {
                shared.wake();
            }
        }
        join
    }
}

/// Restores the previous current set (and `running` flag) on drop.
struct ResetCurrent {
    prev: Option<Rc<LocalContext>>,
    running: bool,
    context: Rc<LocalContext>,
}

impl Drop for ResetCurrent {
    fn drop(&mut self) {
        self.context.running.set(self.running);
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = prev);
    }
}

/// Keeps a [`LocalSet`] entered; returned by [`LocalSet::enter`].
pub struct LocalEnterGuard {
    _reset: ResetCurrent,
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}

impl Shared {
    fn pop_remote(&self) -> Option<Notified<Arc<Shared>>> {
        self.remote.lock().as_mut()?.pop_front()
    }

    fn has_remote(&self) -> bool {
        self.remote
            .lock()
            .as_ref()
            .is_some_and(|queue| !queue.is_empty())
    }

    fn register(&self, waker: &Waker) {
        let mut slot = self.waker.lock();
        match &*slot {
            Some(current) if current.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    fn wake(&self) {
        // Taken, not cloned: one wake gets the set polled, and that poll registers again.
        let waker = self.waker.lock().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Schedule for Arc<Shared> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        // The set entered on this thread, if it is this one. (Looked up without moving the
        // task into the thread-local access, which fails while the thread exits.)
        let local = CURRENT
            .try_with(|current| match &*current.borrow() {
                Some(context) if Arc::ptr_eq(&context.shared, self) => Some(context.clone()),
                _ => None,
            })
            .ok()
            .flatten();
        if let Some(context) = local {
            context.queue.borrow_mut().push_back(task);
            if !context.running.get() {
                self.wake();
            }
            return;
        }
        let rejected = match self.remote.lock().as_mut() {
            Some(queue) => {
                queue.push_back(task);
                None
            }
            // The set is closed and its tasks cancelled: the notification goes (outside the
            // lock).
            None => Some(task),
        };
        drop(rejected);
        self.wake();
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl Future for LocalSet {
    type Output = ();

    /// Runs the set's tasks; completes once none is left.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _reset = self.context.enter(true);
        self.context.shared.register(cx.waker());
        if self.tick() {
            // More is ready: let the runtime run other work first.
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if self.context.shared.owned.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("owner", &self.context.shared.owner)
            .field("tasks", &self.context.shared.owned.len())
            .finish()
    }
}

pin_project_lite::pin_project! {
    /// The future behind [`LocalSet::run_until`].
    struct RunUntil<'a, F> {
        local_set: &'a LocalSet,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let me = self.project();
        let _reset = me.local_set.context.enter(true);
        me.local_set.context.shared.register(cx.waker());
        if let Poll::Ready(output) = me.future.poll(cx) {
            return Poll::Ready(output);
        }
        if me.local_set.tick() {
            // More is ready: let the runtime run other work first.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}
