//! The worker-local run queue: a fixed 256-slot ring that its owner pushes to and pops from
//! without contention, and that other workers steal half of at a time.
//!
//! # Layout
//!
//! `tail` is written only by the owner. `head` packs two 32-bit indices:
//!
//! * `real`: the next slot the owner will pop;
//! * `steal`: where a stealer that is copying tasks out started. When no steal is in
//!   progress, `steal == real`.
//!
//! Indices grow without bound (wrapping at 2³²) and are masked into the ring. The owner may
//! write slot `i` only when `i - steal < CAPACITY`: a stealer may still be reading slots from
//! `steal` on. At most one steal runs at a time (a stealer only starts when `steal == real`).
//!
//! # Operations
//!
//! * `push_back` (owner): a plain write into the slot, then a Release store of `tail`. If the
//!   ring is full, half of it (plus the new task) moves to the injection queue in one batch
//!   (`push_overflow`), which claims those slots with a CAS on `head` exactly like a pop.
//! * `pop` (owner): a CAS on `head` advancing `real` (and `steal`, when no steal runs).
//! * `steal_into` (another worker): claim half the tasks by advancing `real` alone, copy them
//!   into the stealer's own ring, then advance `steal` to meet `real` to release the slots.

use std::mem::MaybeUninit;
use std::ptr;

use crate::loom::{Arc, AtomicU32, AtomicU64, Ordering::*, UnsafeCell};
use crate::task::Notified;

/// Slots in a local queue. A power of two. Under loom, a handful, so that the models can
/// fill the ring and overflow it.
pub(crate) const CAPACITY: usize = if cfg!(loom) { 4 } else { 256 };
const MASK: usize = CAPACITY - 1;

/// Tasks the owner can still push without overflowing, as seen by a stealer: a stealer only
/// steals into its own queue if it is at most half full, so a steal never overflows it.
const HALF: u32 = (CAPACITY / 2) as u32;

/// The owner's end: push and pop. Lives in the worker's core.
pub(crate) struct Local<S: 'static> {
    inner: Arc<Inner<S>>,
}

/// Any other worker's end: steal.
pub(crate) struct Steal<S: 'static>(Arc<Inner<S>>);

struct Inner<S: 'static> {
    /// `(steal, real)`, packed.
    head: AtomicU64,
    /// One past the last pushed task. Written only by the owner.
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<Notified<S>>>]>,
}

// SAFETY: the slots are handed between threads under the head/tail protocol above; each
// `Notified` is `Send`.
unsafe impl<S> Send for Inner<S> {}
// SAFETY: as above.
unsafe impl<S> Sync for Inner<S> {}

/// Where overflowing tasks go: the injection queue.
pub(crate) trait Overflow<S: 'static> {
    /// Takes one task.
    fn push(&self, task: Notified<S>);

    /// Takes a batch of tasks, in order, under one lock.
    fn push_batch<I: Iterator<Item = Notified<S>>>(&self, iter: I);
}

/// Creates a queue: the owner's end and a stealer's end.
pub(crate) fn local<S: 'static>() -> (Steal<S>, Local<S>) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect::<Vec<_>>()
        .into_boxed_slice();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (Steal(inner.clone()), Local { inner })
}

fn unpack(n: u64) -> (u32, u32) {
    ((n >> 32) as u32, n as u32)
}

fn pack(steal: u32, real: u32) -> u64 {
    ((steal as u64) << 32) | real as u64
}

impl<S: 'static> Inner<S> {
    /// Number of tasks, as a hint for stealers and metrics.
    fn len(&self) -> u32 {
        let (_, head) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(head)
    }

    /// Reads the task in slot `idx` out of the ring.
    ///
    /// # Safety
    ///
    /// The slot must hold a task that the caller has claimed (by a successful CAS on `head`).
    unsafe fn take(&self, idx: u32) -> Notified<S> {
        // SAFETY: the caller claimed the slot, so no one else reads it, and the owner does not
        // overwrite it until `steal` moves past it.
        self.buffer[idx as usize & MASK].with(|ptr| unsafe { ptr::read(ptr).assume_init() })
    }
}

impl<S: 'static> Local<S> {
    /// Whether the queue holds a task the owner could pop.
    pub(crate) fn has_tasks(&self) -> bool {
        self.inner.len() != 0
    }

    /// Number of tasks.
    pub(crate) fn len(&self) -> usize {
        self.inner.len() as usize
    }

    /// Room left before the next push overflows.
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        // SAFETY: only the owner writes `tail`, and we are the owner.
        let tail = unsafe { self.inner.tail.unsync_load() };
        CAPACITY - tail.wrapping_sub(steal) as usize
    }

    /// Pushes a task to the back, moving half the queue to `overflow` if it is full.
    pub(crate) fn push_back_or_overflow<O: Overflow<S>>(
        &mut self,
        mut task: Notified<S>,
        overflow: &O,
    ) {
        let tail = loop {
            let head = self.inner.head.load(Acquire);
            let (steal, real) = unpack(head);
            // SAFETY: only the owner writes `tail`.
            let tail = unsafe { self.inner.tail.unsync_load() };
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                break tail;
            } else if steal != real {
                // A stealer is copying tasks out and will free slots soon; it would be
                // unsafe to move its slots, so this one task goes to the injection queue.
                overflow.push(task);
                return;
            } else {
                match self.push_overflow(task, real, tail, overflow) {
                    Ok(()) => return,
                    // A stealer got in first: there may be room now.
                    Err(back) => task = back,
                }
            }
        };
        self.write_slot(tail, task);
    }

    /// Pushes a batch of tasks (at most the free room, which the caller checked).
    pub(crate) fn push_back(&mut self, tasks: impl ExactSizeIterator<Item = Notified<S>>) {
        let len = tasks.len();
        assert!(len <= CAPACITY);
        if len == 0 {
            return;
        }
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        // SAFETY: only the owner writes `tail`.
        let mut tail = unsafe { self.inner.tail.unsync_load() };
        assert!(
            CAPACITY - tail.wrapping_sub(steal) as usize >= len,
            "push_back of more tasks than the queue has room for"
        );
        for task in tasks {
            let idx = tail as usize & MASK;
            // SAFETY: the slot is past `tail` and within CAPACITY of `steal`, so no stealer
            // reads it and it holds no task.
            self.inner.buffer[idx]
                .with_mut(|ptr| unsafe { ptr::write(ptr, MaybeUninit::new(task)) });
            tail = tail.wrapping_add(1);
        }
        // Release: publishes the slots before a stealer (Acquire on `tail`) reads them.
        self.inner.tail.store(tail, Release);
    }

    fn write_slot(&mut self, tail: u32, task: Notified<S>) {
        let idx = tail as usize & MASK;
        // SAFETY: the slot is past `tail` and within CAPACITY of `steal`, so no stealer reads
        // it; and it holds no task (it was popped or stolen before `steal` moved past it).
        self.inner.buffer[idx].with_mut(|ptr| unsafe { ptr::write(ptr, MaybeUninit::new(task)) });
        // Release: publishes the slot write to stealers, which load `tail` with Acquire.
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Moves the oldest half of a full queue, then `task`, to `overflow`.
    fn push_overflow<O: Overflow<S>>(
        &mut self,
        task: Notified<S>,
        head: u32,
        tail: u32,
        overflow: &O,
    ) -> Result<(), Notified<S>> {
        const NUM_TASKS_TAKEN: u32 = HALF;
        assert_eq!(
            tail.wrapping_sub(head) as usize,
            CAPACITY,
            "queue is not full; tail = {tail}; head = {head}"
        );
        let prev = pack(head, head);
        let next = pack(
            head.wrapping_add(NUM_TASKS_TAKEN),
            head.wrapping_add(NUM_TASKS_TAKEN),
        );
        // Claim the oldest half like a pop would. Release so that a stealer that reads the new
        // head sees nothing stale; failure means a stealer started meanwhile.
        if self
            .inner
            .head
            .compare_exchange(prev, next, Release, Relaxed)
            .is_err()
        {
            return Err(task);
        }

        /// Yields the claimed tasks in order.
        struct BatchIter<'a, S: 'static> {
            inner: &'a Inner<S>,
            head: u32,
            i: u32,
        }

        impl<S: 'static> Iterator for BatchIter<'_, S> {
            type Item = Notified<S>;

            fn next(&mut self) -> Option<Notified<S>> {
                if self.i == NUM_TASKS_TAKEN {
                    return None;
                }
                let idx = self.head.wrapping_add(self.i);
                self.i += 1;
                // SAFETY: the CAS above claimed these slots.
                Some(unsafe { self.inner.take(idx) })
            }
        }

        let batch = BatchIter {
            inner: &self.inner,
            head,
            i: 0,
        };
        overflow.push_batch(batch.chain(std::iter::once(task)));
        Ok(())
    }

    /// Pops the oldest task.
    pub(crate) fn pop(&mut self) -> Option<Notified<S>> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            // SAFETY: only the owner writes `tail`.
            let tail = unsafe { self.inner.tail.unsync_load() };
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // With no steal in progress, `steal` follows `real`; otherwise the stealer moves
            // it when it is done.
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                assert_ne!(steal, next_real);
                pack(steal, next_real)
            };
            // AcqRel: Acquire orders the slot read after the claim (against a stealer's
            // release of older slots); Release publishes the claim.
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS claimed slot `idx`.
        Some(unsafe { self.inner.take(idx) })
    }
}

impl<S: 'static> Drop for Local<S> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(self.pop().is_none(), "local queue dropped with tasks in it");
        }
    }
}

impl<S: 'static> Steal<S> {
    /// Whether the queue looks empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Steals half the tasks into `dst` and returns one of them to run at once.
    pub(crate) fn steal_into(&self, dst: &mut Local<S>) -> Option<Notified<S>> {
        // SAFETY: only `dst`'s owner writes its tail, and the caller owns `dst`.
        let dst_tail = unsafe { dst.inner.tail.unsync_load() };
        let (steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(steal) > HALF {
            // Not enough room for a full steal: the stealer has its own work anyway.
            return None;
        }

        let mut n = self.steal_into2(dst, dst_tail);
        if n == 0 {
            return None;
        }
        // Hand the last stolen task straight back instead of publishing it.
        n -= 1;
        let ret_pos = dst_tail.wrapping_add(n);
        let ret_idx = ret_pos as usize & MASK;
        // SAFETY: `steal_into2` wrote this slot of `dst`, past its published tail, so no one
        // else can see it.
        let ret = dst.inner.buffer[ret_idx].with(|ptr| unsafe { ptr::read(ptr).assume_init() });
        if n > 0 {
            // Release: publishes the copied slots.
            dst.inner.tail.store(dst_tail.wrapping_add(n), Release);
        }
        Some(ret)
    }

    /// Claims half of the source's tasks, copies them into `dst` past `dst_tail`, and
    /// releases the source slots. Returns how many were copied (not yet published in `dst`).
    fn steal_into2(&self, dst: &mut Local<S>, dst_tail: u32) -> u32 {
        let mut prev_packed = self.0.head.load(Acquire);
        let mut next_packed;
        let n = loop {
            let (src_steal, src_real) = unpack(prev_packed);
            if src_steal != src_real {
                // Another worker is stealing from this queue right now.
                return 0;
            }
            // Acquire: pairs with the owner's Release store of `tail`, so the slots up to it
            // are visible.
            let src_tail = self.0.tail.load(Acquire);
            let available = src_tail.wrapping_sub(src_real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            let steal_to = src_real.wrapping_add(n);
            assert_ne!(src_steal, steal_to);
            next_packed = pack(src_steal, steal_to);
            // AcqRel: the claim must be published before we read the slots, and we must see
            // the owner's earlier claims.
            match self
                .0
                .head
                .compare_exchange(prev_packed, next_packed, AcqRel, Acquire)
            {
                Ok(_) => break n,
                Err(actual) => prev_packed = actual,
            }
        };
        assert!(n <= HALF, "stole too many tasks: {n}");

        let (first, _) = unpack(next_packed);
        for i in 0..n {
            let src_idx = first.wrapping_add(i) as usize & MASK;
            let dst_idx = dst_tail.wrapping_add(i) as usize & MASK;
            // SAFETY: the claim above gives us slots [first, first + n) of the source, which
            // the owner will not overwrite until `steal` moves past them.
            let task = self.0.buffer[src_idx].with(|ptr| unsafe { ptr::read(ptr).assume_init() });
            // SAFETY: the destination slots are past `dst`'s tail, so no stealer reads them,
            // and within its capacity (checked by the caller), so they hold no task.
            dst.inner.buffer[dst_idx]
                .with_mut(|ptr| unsafe { ptr::write(ptr, MaybeUninit::new(task)) });
        }

        // Release the source slots: move `steal` up to `real` (which the owner may have
        // advanced meanwhile by popping).
        let mut prev_packed = next_packed;
        loop {
            let (_, real) = unpack(prev_packed);
            let next = pack(real, real);
            // AcqRel: our slot reads happen before the owner reuses the slots.
            match self
                .0
                .head
                .compare_exchange(prev_packed, next, AcqRel, Acquire)
            {
                Ok(_) => return n,
                Err(actual) => {
                    let (actual_steal, actual_real) = unpack(actual);
                    assert_ne!(actual_steal, actual_real);
                    prev_packed = actual;
                }
            }
        }
    }
}

impl<S: 'static> Clone for Steal<S> {
    fn clone(&self) -> Steal<S> {
        Steal(self.0.clone())
    }
}

impl<S: 'static> Drop for Inner<S> {
    fn drop(&mut self) {
        // Release the references of tasks still queued (only after an unclean shutdown).
        let (_, mut head) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        while head != tail {
            // SAFETY: we have exclusive access; slots in [head, tail) hold tasks.
            drop(unsafe { self.take(head) });
            head = head.wrapping_add(1);
        }
    }
}
