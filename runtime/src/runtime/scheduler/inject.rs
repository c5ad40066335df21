//! The injection queue: tasks scheduled from outside the scheduler's threads.
//!
//! An intrusive FIFO through each task header's `queue_next` link, behind a lock, so pushing
//! a remote task never allocates. `len` is kept outside the lock so that the common "is there
//! anything?" check is one atomic load. Once closed (at shutdown), pushed tasks are dropped:
//! the owned-task list cancels every task anyway, so the notification has nowhere to go.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::loom::{AtomicUsize, Mutex, Ordering::*};
use crate::task::{Header, Notified};

pub(crate) struct Inject<S: 'static> {
    synced: Mutex<Synced>,
    /// Tasks in the queue. Written under the lock; read without it as a hint.
    len: AtomicUsize,
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
        !std::mem::replace(&mut synced.is_closed, true)
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
