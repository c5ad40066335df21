//! `JoinSet`: a collection of tasks, joined in the order they finish.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;
use runtime_sync::coop;
use slab::Slab;

use super::{AbortHandle, Id, JoinError, JoinHandle};
use crate::runtime::Handle;

/// A collection of tasks spawned on a runtime, whose outputs come back in the order the
/// tasks finish.
///
/// All tasks must have the same output type `T`. Dropping a `JoinSet` aborts every task still
/// in it; [`detach_all`](Self::detach_all) lets them run on instead.
///
/// Joining is O(1) per finished task: each task's completion queues only itself, so a set of
/// thousands of idle tasks costs nothing to poll.
///
/// # Examples
///
/// ```
/// use runtime::task::JoinSet;
///
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mut set = JoinSet::new();
/// for i in 0..10u32 {
///     set.spawn(async move { i * i });
/// }
/// let mut total = 0;
/// while let Some(result) = set.join_next().await {
///     total += result.unwrap();
/// }
/// assert_eq!(total, 285);
/// # });
/// ```
pub struct JoinSet<T> {
    entries: Slab<Entry<T>>,
    ready: Arc<ReadyQueue>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    waker: Arc<EntryWaker>,
}

/// Indices of entries whose task may have finished, plus the waker of whoever awaits the set.
struct ReadyQueue {
    inner: Mutex<ReadyInner>,
}

struct ReadyInner {
    indices: VecDeque<usize>,
    waiter: Option<Waker>,
}

/// The waker each entry's `JoinHandle` is polled with: queues the entry's index.
struct EntryWaker {
    index: usize,
    /// Set while the index is in the ready queue, so repeated wakes queue it once.
    queued: AtomicBool,
    ready: Arc<ReadyQueue>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // AcqRel: pairs with the `store(false)` before the entry is polled, so a wake that
        // follows a poll is never lost.
        if self.queued.swap(true, AcqRel) {
            return;
        }
        let waiter = {
            let mut inner = self.ready.inner.lock();
            inner.indices.push_back(self.index);
            inner.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// Creates an empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Slab::new(),
            ready: Arc::new(ReadyQueue {
                inner: Mutex::new(ReadyInner {
                    indices: VecDeque::new(),
                    waiter: None,
                }),
            }),
        }
    }

    /// The number of tasks in the set, finished or not, that have not been joined yet.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns `true` if the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a spawned task's handle; it is polled once on the next join to register its waker.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let vacant = self.entries.vacant_entry();
        let index = vacant.key();
        let waker = Arc::new(EntryWaker {
            index,
            queued: AtomicBool::new(true),
            ready: self.ready.clone(),
        });
        vacant.insert(Entry { handle, waker });
        self.ready.inner.lock().indices.push_back(index);
        abort
    }

    /// Aborts every task in the set. They stay in the set until joined; joining them
    /// returns cancellation errors (or their output, if they finished first).
    pub fn abort_all(&mut self) {
        for (_, entry) in self.entries.iter() {
            entry.handle.abort();
        }
    }

    /// Removes every task from the set without aborting it: they keep running, detached.
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.ready.inner.lock().indices.clear();
    }

    /// Waits for any task in the set to finish and returns its output, or `None` if the set
    /// is empty.
    ///
    /// Cancel-safe: if the future is dropped before it completes, no output is lost; the task
    /// stays in the set.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Like [`join_next`](Self::join_next), also returning the finished task's id.
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns the output of a task that has already finished, without waiting; `None` if no
    /// task has finished (or the set is empty).
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|res| res.map(|(_, output)| output))
    }

    /// Like [`try_join_next`](Self::try_join_next), also returning the task's id.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        let pending: Vec<usize> = self.ready.inner.lock().indices.drain(..).collect();
        let mut found = None;
        let mut rest = pending.into_iter();
        for index in rest.by_ref() {
            // A synchronous call cannot yield, so a spent budget must not hide a finished task.
            if let Poll::Ready(res) = coop::with_unconstrained(|| self.poll_entry(index)) {
                found = Some(res);
                break;
            }
        }
        // Put back what we did not look at, in order, ahead of newer wakes.
        let mut inner = self.ready.inner.lock();
        for index in rest.rev() {
            inner.indices.push_front(index);
        }
        found
    }

    /// Polls for the next finished task; see [`join_next`](Self::join_next).
    ///
    /// Returns `Ready(None)` if the set is empty, and `Pending` (with `cx`'s waker registered)
    /// if no task has finished yet. Spends the cooperative budget through the task's
    /// `JoinHandle`.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|opt| opt.map(|res| res.map(|(_, output)| output)))
    }

    /// Polls for the next finished task and its id; see
    /// [`join_next_with_id`](Self::join_next_with_id).
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        loop {
            let index = {
                let mut inner = self.ready.inner.lock();
                match inner.indices.pop_front() {
                    Some(index) => index,
                    None => {
                        if self.entries.is_empty() {
                            return Poll::Ready(None);
                        }
                        let replaced = register_waiter(&mut inner.waiter, cx.waker());
                        drop(inner);
                        // Drop the old waker outside the lock: its destructor is user code,
                        // which may complete one of our tasks (whose wake takes the lock).
                        drop(replaced);
                        return Poll::Pending;
                    }
                }
            };
            if !self.entries.contains(index) {
                // A wake that raced with the entry's removal.
                continue;
            }
            return match self.poll_entry(index) {
                Poll::Ready(res) => Poll::Ready(Some(res)),
                Poll::Pending => {
                    // The entry is not finished (a first poll, a spurious wake) or is out of
                    // budget (then its wake has queued it again). Wait for the next ready
                    // entry like any other pending poll, and yield if one is queued already.
                    let mut inner = self.ready.inner.lock();
                    let replaced = register_waiter(&mut inner.waiter, cx.waker());
                    let queued = !inner.indices.is_empty();
                    drop(inner);
                    drop(replaced);
                    if queued {
                        cx.waker().wake_by_ref();
                    }
                    Poll::Pending
                }
            };
        }
    }

    /// Polls one entry with its own waker; removes it if its task finished.
    fn poll_entry(&mut self, index: usize) -> Poll<Result<(Id, T), JoinError>> {
        let Some(entry) = self.entries.get_mut(index) else {
            return Poll::Pending;
        };
        // Release/AcqRel pairing with `wake_by_ref`: clear before polling, so a completion
        // after this poll queues the index again.
        entry.waker.queued.store(false, Release);
        let waker = Waker::from(entry.waker.clone());
        let mut cx = Context::from_waker(&waker);
        match Pin::new(&mut entry.handle).poll(&mut cx) {
            Poll::Ready(res) => {
                let entry = self.entries.remove(index);
                let id = entry.handle.id();
                Poll::Ready(res.map(|output| (id, output)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Aborts every task and waits for all of them to finish.
    ///
    /// Afterwards the set is empty. Outputs of tasks that finished before the abort are
    /// dropped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs, in the order they finished.
    ///
    /// # Panics
    ///
    /// If a task panicked, its panic is resumed here (after the remaining tasks are
    /// aborted); if a task was cancelled, this panics with the `JoinError`. Use
    /// [`join_next`](Self::join_next) in a loop to handle errors yourself.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut output = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(value) => output.push(value),
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("a task in the `JoinSet` was cancelled: {err}"),
            }
        }
        output
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a task on the current runtime and adds it to the set.
    ///
    /// Returns an [`AbortHandle`] for the task.
    ///
    /// # Panics
    ///
    /// Panics if called outside a runtime (see [`spawn`](super::spawn)).
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(super::spawn(task))
    }

    /// Spawns a task on the runtime of `handle` and adds it to the set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn(task))
    }

    /// Spawns a `!Send` task on the current [`LocalSet`](super::LocalSet) or local runtime
    /// and adds it to the set; see [`spawn_local`](super::spawn_local).
    ///
    /// # Panics
    ///
    /// Panics outside a `LocalSet` or local runtime.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn_local(task))
    }

    /// Spawns a `!Send` task on `local_set` and adds it to the set. The task runs when the
    /// `LocalSet` is driven.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, task: F, local_set: &super::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(task))
    }

    /// Runs a blocking closure on the current runtime's blocking pool and adds it to the set.
    ///
    /// # Panics
    ///
    /// Panics if called outside a runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(super::spawn_blocking(f))
    }

    /// Runs a blocking closure on the blocking pool of `handle`'s runtime and adds it to the
    /// set.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn_blocking(f))
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns each future on the current runtime and adds it to the set.
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}

impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns each future on the current runtime and collects them into a set.
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Makes `waker` the waiter, returning the waker it replaces (to be dropped outside the lock).
fn register_waiter(slot: &mut Option<Waker>, waker: &Waker) -> Option<Waker> {
    match slot {
        Some(current) if current.will_wake(waker) => None,
        _ => slot.replace(waker.clone()),
    }
}
