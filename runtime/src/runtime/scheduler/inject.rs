//! The injection queue: tasks scheduled from outside the scheduler's threads.
//!
//! An intrusive FIFO through each task header's `queue_next` link, behind a lock, so pushing
//! a remote task never allocates. `len` is kept outside the lock so that the common "is there
//! anything?" check is one atomic load. Once closed (at shutdown), pushed tasks are dropped:
//! the owned-task list cancels every task anyway, so the notification has nowhere to go.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::loom::{AtomicBool, AtomicUsize, Mutex, Ordering::*};
use crate::task::{Header, Notified};

pub(crate) struct Inject<S: 'static> {
    synced: Mutex<Synced>,
    /// Tasks in the queue. Written under the lock; read without it as a hint.
    len: AtomicUsize,
    /// `Synced::is_closed`, readable without the lock: workers look at it on every turn of
    /// the driver, and taking the lock there made both workers bounce its line each time.
    closed: AtomicBool,
    _p: PhantomData<S>,
}

struct Synced {
    head: Option<NonNull<Header>>,
    tail: Option<NonNull<Header>>,
    is_closed: bool,
}

// SAFETY: the raw pointers are `Notified` tasks owned by the queue and only touched under its
// lock; `Notified` is `Send`.
unsafe impl Send for Synced {}

impl<S: 'static> Inject<S> {
    pub(crate) fn new() -> Inject<S> {
        Inject {
            synced: Mutex::new(Synced {
                head: None,
                tail: None,
                is_closed: false,
            }),
            len: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            _p: PhantomData,
        }
    }

    /// Whether the queue looks empty. A hint: a concurrent push may not be visible yet, but
    /// every push is followed by an unpark, so a parked consumer never misses it.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn len(&self) -> usize {
        // Acquire: pairs with the Release store in `push`, so a consumer that sees a task
        // counted also sees the links the pusher wrote (it then takes the lock anyway).
        self.len.load(Acquire)
    }

    /// Closes the queue; returns `false` if it was already closed.
    pub(crate) fn close(&self) -> bool {
        let mut synced = self.synced.lock();
        // Release: whoever sees the flag set sees what the closer did before closing.
        self.closed.store(true, Release);
        !std::mem::replace(&mut synced.is_closed, true)
    }

    /// Whether `close` was called. A thread that learns of the close through a later
    /// synchronisation (the unpark that follows it) sees `true`: the Acquire load pairs with
    /// the Release store, made under the lock before that unpark.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    /// Appends a task; drops it if the queue is closed.
    pub(crate) fn push(&self, task: Notified<S>) {
        let mut synced = self.synced.lock();
        if synced.is_closed {
            drop(synced);
            drop(task);
            return;
        }
        let ptr = task.into_raw();
        // SAFETY: we hold the lock, and the task was just handed to the queue, so its link is
        // ours; the tail (if any) is a task in this queue.
        unsafe {
            ptr.as_ref().set_queue_next(None);
            match synced.tail {
                Some(tail) => tail.as_ref().set_queue_next(Some(ptr)),
                None => synced.head = Some(ptr),
            }
        }
        synced.tail = Some(ptr);
        // Only written under the lock, so a plain load + store cannot lose an update.
        self.len.store(self.len.load(Relaxed) + 1, Release);
    }

    /// Appends a batch of tasks, in order, under one lock; drops them if the queue is closed.
    #[cfg_attr(feature = "crossbeam-queue", allow(dead_code))] // Only the ring overflows.
    pub(crate) fn push_batch(&self, mut tasks: impl Iterator<Item = Notified<S>>) {
        // Link the batch before taking the lock: the tasks are ours until they are queued.
        let Some(first) = tasks.next() else {
            return;
        };
        let first = first.into_raw();
        let mut last = first;
        let mut count = 1;
        for task in tasks {
            let ptr = task.into_raw();
            // SAFETY: we own both tasks (they are `Notified`s not yet in any queue), so their
            // links are ours.
            unsafe { last.as_ref().set_queue_next(Some(ptr)) };
            last = ptr;
            count += 1;
        }
        // SAFETY: as above.
        unsafe { last.as_ref().set_queue_next(None) };

        let mut synced = self.synced.lock();
        if synced.is_closed {
            drop(synced);
            // SAFETY: the chain is ours and was built from `Notified::into_raw` pointers.
            drop(unsafe { Chain::<S>::new(Some(first), count) });
            return;
        }
        // SAFETY: we hold the lock; the tail (if any) is a task in this queue.
        unsafe {
            match synced.tail {
                Some(tail) => tail.as_ref().set_queue_next(Some(first)),
                None => synced.head = Some(first),
            }
        }
        synced.tail = Some(last);
        self.len.store(self.len.load(Relaxed) + count, Release);
    }

    /// Removes up to `n` of the oldest tasks in one lock acquisition.
    pub(crate) fn pop_n(&self, n: usize) -> Chain<S> {
        if n == 0 || self.is_empty() {
            // SAFETY: an empty chain.
            return unsafe { Chain::new(None, 0) };
        }
        let mut synced = self.synced.lock();
        let first = synced.head;
        let mut taken = 0;
        let mut last = None;
        let mut cursor = first;
        while taken < n {
            let Some(task) = cursor else { break };
            last = Some(task);
            // SAFETY: we hold the lock and `task` is in this queue.
            cursor = unsafe { task.as_ref().queue_next() };
            taken += 1;
        }
        synced.head = cursor;
        if cursor.is_none() {
            synced.tail = None;
        }
        if let Some(last) = last {
            // Cut the detached chain off from the rest of the queue.
            // SAFETY: we hold the lock and `last` is in this queue.
            unsafe { last.as_ref().set_queue_next(None) };
        }
        self.len.store(self.len.load(Relaxed) - taken, Release);
        // SAFETY: the `taken` tasks from `first` were detached under the lock and are ours.
        unsafe { Chain::new(first, taken) }
    }

    /// Removes the oldest task.
    pub(crate) fn pop(&self) -> Option<Notified<S>> {
        if self.is_empty() {
            return None;
        }
        let mut synced = self.synced.lock();
        let head = synced.head?;
        // SAFETY: we hold the lock and `head` is a task in this queue.
        unsafe {
            synced.head = head.as_ref().queue_next();
            if synced.head.is_none() {
                synced.tail = None;
            }
            head.as_ref().set_queue_next(None);
        }
        self.len.store(self.len.load(Relaxed) - 1, Release);
        // SAFETY: the pointer came from `Notified::into_raw` in `push`.
        Some(unsafe { Notified::from_header(head) })
    }
}

impl<S: 'static> Drop for Inject<S> {
    fn drop(&mut self) {
        // Release the references of any tasks still queued (only possible if the runtime
        // never shut down cleanly, e.g. a leaked handle outlived it).
        while self.pop().is_some() {}
    }
}

/// Tasks detached from the queue (or built for it), linked through their `queue_next`.
/// Iterating hands them out in order; dropping drops the rest.
pub(crate) struct Chain<S: 'static> {
    head: Option<NonNull<Header>>,
    len: usize,
    _p: PhantomData<S>,
}

impl<S: 'static> Chain<S> {
    /// # Safety
    ///
    /// `head` must start a chain of exactly `len` tasks, each from `Notified::<S>::into_raw`,
    /// that nobody else owns.
    unsafe fn new(head: Option<NonNull<Header>>, len: usize) -> Chain<S> {
        Chain {
            head,
            len,
            _p: PhantomData,
        }
    }
}

impl<S: 'static> Iterator for Chain<S> {
    type Item = Notified<S>;

    fn next(&mut self) -> Option<Notified<S>> {
        let head = self.head?;
        // SAFETY: the chain owns its tasks, so their links are ours to read and clear.
        unsafe {
            self.head = head.as_ref().queue_next();
            head.as_ref().set_queue_next(None);
        }
        self.len -= 1;
        // SAFETY: the pointer came from `Notified::into_raw`.
        Some(unsafe { Notified::from_header(head) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len, Some(self.len))
    }
}

impl<S: 'static> ExactSizeIterator for Chain<S> {}

impl<S: 'static> Drop for Chain<S> {
    fn drop(&mut self) {
        for task in self.by_ref() {
            drop(task);
        }
    }
}
