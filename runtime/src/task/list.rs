//! The owned-task list: every live task of a runtime, the source of truth at shutdown.
//!
//! The list is sharded by task id so that spawns and completions on different threads rarely
//! contend. Each shard has its own lock and its own `closed` flag, set under that lock: once a
//! shard is closed, a task bound to it is cancelled at once instead of being inserted, so a
//! spawn that races shutdown is dropped, never leaked. Shutdown closes the shards one by one
//! and cancels every task it pops.

use std::future::Future;
use std::num::NonZeroU64;

use crossbeam_utils::CachePadded;

use super::{new_task, Id, JoinHandle, LocalNotified, Notified, Schedule, Task};
use crate::loom::{AtomicU64, Mutex, Ordering::*};
use runtime_sync::foundation::linked_list::LinkedList;

/// The tasks of one scheduler.
pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[CachePadded<Mutex<Shard<S>>>]>,
    /// `shards.len() - 1`; the length is a power of two.
    shard_mask: usize,
    /// Distinguishes this list from every other, so a task can be checked to belong here.
    id: NonZeroU64,
}

struct Shard<S: 'static> {
    list: LinkedList<Task<S>>,
    /// Tasks in `list`. Kept per shard, under its lock, so that spawning and completing do
    /// not contend on one shared counter.
    len: usize,
    closed: bool,
}

impl<S: 'static> OwnedTasks<S> {
    /// A list with at least `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> OwnedTasks<S> {
        let shards = shards.max(1).next_power_of_two();
        OwnedTasks {
            shards: (0..shards)
                .map(|_| {
                    CachePadded::new(Mutex::new(Shard {
                        list: LinkedList::new(),
                        len: 0,
                        closed: false,
                    }))
                })
                .collect(),
            shard_mask: shards - 1,
            id: next_list_id(),
        }
    }

    fn shard(&self, id: Id) -> &Mutex<Shard<S>> {
        &self.shards[id.as_u64() as usize & self.shard_mask]
    }

    /// Number of live tasks. Takes every shard's lock in turn: for shutdown checks and
    /// metrics, not for hot paths.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.lock().len).sum()
    }

    /// Whether no task is alive.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The list's id, unique among all lists of the process: the id of its runtime (or
    /// `LocalSet`).
    pub(crate) fn id(&self) -> NonZeroU64 {
        self.id
    }
}

impl<S: Schedule> OwnedTasks<S> {
    /// Creates a task, adds it to the list and returns its `JoinHandle` and first `Notified`
    /// — or, if the list is closed, cancels it at once and returns no `Notified`.
    pub(crate) fn bind<T>(
        &self,
        future: T,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<T::Output>, Option<Notified<S>>)
    where
        T: Future + Send + 'static,
        T::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(future, scheduler, id);
        // SAFETY: the future is `Send`, so it may be polled by any thread of the scheduler.
        let notified = unsafe { self.bind_inner(task, notified) };
        (join, notified)
    }

    /// Like `bind` for a `!Send` future.
    ///
    /// # Safety
    ///
    /// Every `Notified` of the task must be run through [`assert_owner`](Self::assert_owner)
    /// on the thread that owns this list.
    pub(crate) unsafe fn bind_local<T>(
        &self,
        future: T,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<T::Output>, Option<Notified<S>>)
    where
        T: Future + 'static,
        T::Output: 'static,
    {
        let (task, notified, join) = new_task(future, scheduler, id);
        // SAFETY: forwarded from the caller.
        let notified = unsafe { self.bind_inner(task, notified) };
        (join, notified)
    }

    /// # Safety
    ///
    /// The task must not yet be visible to any other thread.
    unsafe fn bind_inner(&self, task: Task<S>, notified: Notified<S>) -> Option<Notified<S>> {
        // SAFETY: not yet published, by the caller's contract.
        unsafe { task.header().set_owner_id(self.id) };
        let mut shard = self.shard(task.id()).lock();
        if shard.closed {
            drop(shard);
            // The runtime is shutting down: the task never runs.
            drop(notified);
            task.shutdown();
            return None;
        }
        shard.list.push_front(task);
        shard.len += 1;
        Some(notified)
    }

    /// Checks that `task` belongs to this list, so it may run on this list's thread.
    ///
    /// # Panics
    ///
    /// Panics if the task belongs to another list.
    pub(crate) fn assert_owner(&self, task: Notified<S>) -> LocalNotified<S> {
        assert_eq!(
            task.header().owner_id(),
            Some(self.id),
            "task run by a scheduler that does not own it"
        );
        LocalNotified {
            task: task.0,
            _not_send: std::marker::PhantomData,
        }
    }

    /// Removes a completing task; returns the list's reference if the task was still listed.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let owner = task.header().owner_id()?;
        assert_eq!(
            owner, self.id,
            "task released to a list that does not own it"
        );
        let mut shard = self.shard(task.id()).lock();
        // SAFETY: the task is live (the caller holds a reference) and is in this list or, if
        // shutdown popped it already, in none.
        let removed = unsafe { shard.list.remove(task.header_ptr()) };
        if removed.is_some() {
            shard.len -= 1;
        }
        removed
    }

    /// Closes every shard and cancels every task in the list. Tasks bound afterwards are
    /// cancelled on arrival.
    pub(crate) fn close_and_shutdown_all(&self) {
        for shard in self.shards.iter() {
            loop {
                let task = {
                    let mut shard = shard.lock();
                    shard.closed = true;
                    let task = shard.list.pop_back();
                    if task.is_some() {
                        shard.len -= 1;
                    }
                    task
                };
                // Cancel outside the lock: dropping a future may spawn or wake other tasks.
                match task {
                    Some(task) => task.shutdown(),
                    None => break,
                }
            }
        }
    }
}

fn next_list_id() -> NonZeroU64 {
    #[cfg(not(loom))]
    static NEXT_LIST_ID: AtomicU64 = AtomicU64::new(1);
    #[cfg(loom)]
    loom::lazy_static! {
        static ref NEXT_LIST_ID: AtomicU64 = AtomicU64::new(1);
    }
    loop {
        // Relaxed: only uniqueness matters.
        if let Some(id) = NonZeroU64::new(NEXT_LIST_ID.fetch_add(1, Relaxed)) {
            return id;
        }
    }
}
