//! Asynchronous tasks: spawning them, joining them, aborting them.
//!
//! A task is a future the runtime drives to completion on its own, like a green thread.
//! [`spawn`] hands one to the current runtime and returns a [`JoinHandle`] that resolves to
//! its output; [`spawn_blocking`] runs a blocking closure on the blocking pool instead;
//! [`JoinSet`] keeps a group of tasks and yields their outputs as they finish.
//!
//! Futures that are not `Send` run on a [`LocalSet`] (or a local runtime) through
//! [`spawn_local`]; values that belong to a task rather than a thread are declared with
//! [`task_local!`](crate::task_local).
//!
//! # Guarantees
//!
//! * A task's future is dropped exactly once: when it completes, when it is aborted, or when
//!   its runtime shuts down; never inside [`JoinHandle::abort`] (the thread that would run
//!   the task next drops it).
//! * Where it is dropped: while the runtime runs, on a thread of the runtime. At shutdown,
//!   the idle tasks' futures are dropped on the thread that shuts the runtime down (the one
//!   dropping the `Runtime`, or calling `shutdown_timeout` / `shutdown_background`), and a
//!   task in the middle of a poll by the worker polling it. A future spawned onto a runtime
//!   that has already shut down is dropped at once, on the spawning thread. So a future
//!   whose `Drop` needs the runtime's context should not count on having it.
//! * A panic inside a task is caught and returned to the `JoinHandle` as a [`JoinError`]
//!   for which [`JoinError::is_panic`] is true; the runtime keeps running.
//! * Dropping a `JoinHandle` detaches the task; it keeps running.
//!
//! # Internals
//!
//! Each task is one allocation (see `core.rs`): a header with the atomic state word
//! (`state.rs`), the scheduler handle, the future or its output, and a cold trailer with the
//! join waker and the owned-list links. Wakers point at the task itself (`waker.rs`). The
//! types below own references to that allocation:
//!
//! * `Task<S>`: the owned-task list's reference (`list.rs`);
//! * `Notified<S>`: a pending run, sitting in a run queue;
//! * `JoinHandle<T>`, `AbortHandle`: the user's handles.

mod abort;
mod block_in_place;
mod blocking;
pub mod coop;
mod core;
mod error;
mod harness;
mod id;
mod join;
mod join_set;
pub(crate) mod list;
pub(crate) mod local_set;
mod raw;
pub(crate) mod spawn;
mod state;
mod task_local;
mod waker;
mod yield_now;

#[cfg(all(test, loom))]
mod loom_tests;

pub use abort::AbortHandle;
pub use block_in_place::block_in_place;
pub use blocking::spawn_blocking;
pub use error::JoinError;
pub use id::{id, try_id, Id};
pub use join::JoinHandle;
pub use join_set::JoinSet;
pub use local_set::{spawn_local, LocalEnterGuard, LocalSet};
pub use runtime_sync::coop::{consume_budget, unconstrained, Unconstrained};
pub use spawn::spawn;
pub use task_local::{AccessError, LocalKey};
pub use yield_now::yield_now;

/// The futures returned by this module's functions, for code that names their types.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

pub(crate) use self::core::Header;
pub(crate) use blocking::BlockingSchedule;

use std::future::Future;
use std::marker::PhantomData;
use std::ptr::NonNull;

use raw::RawTask;

use runtime_sync::foundation::linked_list;

/// What a task needs from its scheduler.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Removes a completed task from the owned-task list, returning the list's reference if
    /// it was there.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;

    /// Queues a task that was woken.
    fn schedule(&self, task: Notified<Self>);

    /// Queues a task that woke itself during its own poll (a yield): it goes behind the
    /// tasks already waiting.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    /// Called when a task's poll panicked, before the panic becomes its `JoinError`.
    fn unhandled_panic(&self) {}
}

/// The owned-task list's reference to a task.
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _p: PhantomData<S>,
}

// SAFETY: a `Task` only gives access to the thread-safe header and to operations that the
// state word serialises; a `!Send` future inside is only polled through `LocalNotified`,
// which is created on the owner thread.
unsafe impl<S> Send for Task<S> {}
// SAFETY: as above.
unsafe impl<S> Sync for Task<S> {}

/// A pending run of a task: owning one means the task is in a run queue.
#[repr(transparent)]
pub(crate) struct Notified<S: 'static>(Task<S>);

// SAFETY: as for `Task`.
unsafe impl<S> Send for Notified<S> {}
// SAFETY: as for `Task`.
unsafe impl<S> Sync for Notified<S> {}

/// A `Notified` checked to belong to the current thread's owned-task list, so it may be run
/// here even if its future is `!Send`.
pub(crate) struct LocalNotified<S: 'static> {
    task: Task<S>,
    _not_send: PhantomData<*const ()>,
}

/// A task that belongs to no owned-task list (a blocking task): holds two references, for
/// the run and for the queue entry.
pub(crate) struct UnownedTask<S: 'static> {
    raw: RawTask,
    _p: PhantomData<S>,
}

// SAFETY: unowned tasks are always `Send` futures (blocking closures).
unsafe impl<S> Send for UnownedTask<S> {}
// SAFETY: as above.
unsafe impl<S> Sync for UnownedTask<S> {}

/// Allocates a task: the list's `Task`, its first `Notified` and its `JoinHandle`.
fn new_task<T, S>(future: T, scheduler: S, id: Id) -> (Task<S>, Notified<S>, JoinHandle<T::Output>)
where
    T: Future + 'static,
    S: Schedule,
    T::Output: 'static,
{
    let raw = RawTask::new::<T, S>(future, scheduler, id);
    let task = Task::from_raw(raw);
    let notified = Notified(Task::from_raw(raw));
    let join = JoinHandle::new(raw);
    (task, notified, join)
}

/// Allocates a task that no owned list tracks (for the blocking pool).
pub(crate) fn unowned<T, S>(
    future: T,
    scheduler: S,
    id: Id,
) -> (UnownedTask<S>, JoinHandle<T::Output>)
where
    T: Future + Send + 'static,
    S: Schedule,
    T::Output: Send + 'static,
{
    let (task, notified, join) = new_task(future, scheduler, id);
    // The list's and the run's references both move into the `UnownedTask`.
    let unowned = UnownedTask {
        raw: task.raw,
        _p: PhantomData,
    };
    std::mem::forget(task);
    std::mem::forget(notified);
    (unowned, join)
}

impl<S: 'static> Task<S> {
    fn from_raw(raw: RawTask) -> Task<S> {
        Task {
            raw,
            _p: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        self.raw.header()
    }

    fn header_ptr(&self) -> NonNull<Header> {
        self.raw.header_ptr()
    }

    /// The task's id.
    pub(crate) fn id(&self) -> Id {
        self.raw.id()
    }
}

impl<S: Schedule> Task<S> {
    /// Cancels the task at runtime shutdown; consumes the list's reference.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        raw.shutdown();
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl<S: 'static> Notified<S> {
    pub(crate) fn from_raw(raw: RawTask) -> Notified<S> {
        Notified(Task::from_raw(raw))
    }

    /// Gives up ownership, returning the header pointer (for intrusive queues).
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        let ptr = self.0.header_ptr();
        std::mem::forget(self);
        ptr
    }

    /// Takes ownership back from a pointer made by `into_raw`.
    ///
    /// # Safety
    ///
    /// `ptr` must come from `Notified::<S>::into_raw` and be used once.
    pub(crate) unsafe fn from_header(ptr: NonNull<Header>) -> Notified<S> {
        // SAFETY: the pointer came from a live `Notified`, which owned a reference.
        Notified(Task::from_raw(unsafe { RawTask::from_raw(ptr) }))
    }

    /// The task's header.
    pub(crate) fn header(&self) -> &Header {
        self.0.header()
    }
}

impl<S: Schedule> LocalNotified<S> {
    /// Polls the task once.
    pub(crate) fn run(self) {
        let raw = self.task.raw;
        std::mem::forget(self);
        raw.poll();
    }
}

impl<S: Schedule> UnownedTask<S> {
    /// Runs the task; consumes both references.
    pub(crate) fn run(self) {
        let raw = self.raw;
        std::mem::forget(self);
        // The poll consumes the run's reference; the entry's is released afterwards.
        let entry = Task::<S>::from_raw(raw);
        raw.poll();
        drop(entry);
    }

    /// Cancels the task without running it; consumes both references.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        let entry = Task::<S>::from_raw(raw);
        raw.shutdown();
        drop(entry);
    }
}

#[cfg(all(test, loom))]
impl<S: 'static> UnownedTask<S> {
    /// Turns the task into a plain `Notified`, for queue models that need tasks but no
    /// scheduler. Gives up the queue entry's reference; the `Notified` keeps the run's.
    pub(crate) fn into_notified(self) -> Notified<S> {
        let raw = self.raw;
        std::mem::forget(self);
        raw.drop_reference();
        Notified::from_raw(raw)
    }
}

impl<S: 'static> Drop for UnownedTask<S> {
    fn drop(&mut self) {
        if self.raw.header().state.ref_dec_twice() {
            // SAFETY: those were the last references.
            unsafe { self.raw.dealloc() };
        }
    }
}

/// Links tasks into the owned-task list through their trailer.
// SAFETY: `pointers` returns the trailer's own `owned` field, which no other list uses; a
// `Task` round-trips through its header pointer with its reference.
unsafe impl<S: 'static> linked_list::Link for Task<S> {
    type Handle = Task<S>;
    type Target = Header;

    fn as_raw(handle: &Task<S>) -> NonNull<Header> {
        handle.header_ptr()
    }

    unsafe fn from_raw(ptr: NonNull<Header>) -> Task<S> {
        // SAFETY: the pointer came from a `Task` the list owned.
        Task::from_raw(unsafe { RawTask::from_raw(ptr) })
    }

    unsafe fn pointers(target: NonNull<Header>) -> NonNull<linked_list::Pointers<Header>> {
        // SAFETY: the caller guarantees `target` is live; the field projection stays inside
        // the trailer.
        unsafe {
            let trailer = Header::get_trailer(target);
            NonNull::new_unchecked(std::ptr::addr_of_mut!((*trailer.as_ptr()).owned))
        }
    }
}
