//! The workers' run queues on crossbeam-deque, for comparison with the ring in `queue.rs`
//! (feature `crossbeam-queue`; see `docs/benchmarks.md`).
//!
//! Same interface as `queue.rs`. crossbeam's deque is unbounded, so it never overflows into
//! the injection queue; `CAPACITY` only bounds how much the worker pulls from the injection
//! queue at once. A steal takes half the victim's tasks, at most 32 (crossbeam's limit), and
//! pins an epoch.

use crossbeam_deque::{Steal as Stolen, Stealer, Worker};

use crate::task::Notified;

/// Bounds batches pulled from the injection queue, as the ring's capacity does.
pub(crate) const CAPACITY: usize = 256;

/// The owner's end.
pub(crate) struct Local<S: 'static> {
    worker: Worker<Notified<S>>,
}

/// Any other worker's end.
pub(crate) struct Steal<S: 'static>(Stealer<Notified<S>>);

/// Where overflowing tasks would go; the unbounded deque never overflows.
#[allow(dead_code)] // The interface `queue.rs` needs; unused here.
pub(crate) trait Overflow<S: 'static> {
    /// Takes one task.
    fn push(&self, task: Notified<S>);

    /// Takes a batch of tasks, in order.
    fn push_batch<I: Iterator<Item = Notified<S>>>(&self, iter: I);
}

/// Creates a queue: a stealer's end and the owner's end.
pub(crate) fn local<S: 'static>() -> (Steal<S>, Local<S>) {
    let worker = Worker::new_fifo();
    (Steal(worker.stealer()), Local { worker })
}

impl<S: 'static> Local<S> {
    pub(crate) fn has_tasks(&self) -> bool {
        !self.worker.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.worker.len()
    }

    pub(crate) fn remaining_slots(&self) -> usize {
        CAPACITY.saturating_sub(self.worker.len())
    }

    pub(crate) fn push_back_or_overflow<O: Overflow<S>>(
        &mut self,
        task: Notified<S>,
        _overflow: &O,
    ) {
        self.worker.push(task);
    }

    pub(crate) fn push_back(&mut self, tasks: impl ExactSizeIterator<Item = Notified<S>>) {
        for task in tasks {
            self.worker.push(task);
        }
    }

    pub(crate) fn pop(&mut self) -> Option<Notified<S>> {
        self.worker.pop()
    }
}

impl<S: 'static> Steal<S> {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn steal_into(&self, dst: &mut Local<S>) -> Option<Notified<S>> {
        loop {
            match self.0.steal_batch_and_pop(&dst.worker) {
                Stolen::Success(task) => return Some(task),
                Stolen::Empty => return None,
                Stolen::Retry => {}
            }
        }
    }
}
