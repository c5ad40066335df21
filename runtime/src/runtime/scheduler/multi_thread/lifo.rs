//! A core's LIFO slot and its poll counter: the two per-core pieces that let a task woken
//! just before a long poll be rescued (tokio #4941) without waking anyone on a LIFO push.
//!
//! # The protocol
//!
//! Each core has one `LifoSlot` and one `PollCounter`, in its `Remote` (so they stay put when
//! the core moves to another thread in `block_in_place`).
//!
//! * **The owner** (the thread holding the core) pushes every task woken on its thread into
//!   the slot (`push`: one `swap`, which hands it the displaced task), takes from it between
//!   polls (`take`), and bumps the counter before and after each poll (`bump`), so the count
//!   is odd while a task is being polled.
//! * **The monitor** samples every counter each interval; a core whose count is odd and
//!   unchanged since the previous sample is stuck in one poll, and the monitor records that
//!   count (`set_stuck_at`), or 0 once it is not stuck.
//! * **A searching worker**, on its last pass, takes from the slot of a core that is still
//!   in the poll the monitor found it stuck in (`is_stuck`, then `take`). Nobody else ever
//!   takes from another core's slot, and nobody but the owner ever puts a task in.
//!
//! # Who owns the task
//!
//! The slot is the only place the task is: whoever's `swap` reads the pointer out of it owns
//! the task's reference; a `swap` that reads null got nothing. So the owner's take, the
//! owner's push (which takes the displaced task) and a thief's take can race freely, and each
//! task comes out exactly once. A plain load then store in either place would let two
//! threads read the same pointer (the LIFO models in `loom_tests.rs` fail that way).
//!
//! # Orderings
//!
//! * `push`'s swap is `AcqRel`: its Release publishes the task, and whatever the waking
//!   thread wrote before waking it, to the thread whose swap takes it out. Its Acquire is
//!   for the task it displaces, but only this core's holders ever store a task, and a core
//!   changes hands with synchronisation of its own, so that half is not needed (the models
//!   pass with `Release`); it is kept because it costs the same instruction on x86.
//! * `take`'s swap is `AcqRel`: its Acquire pairs with `push`'s Release (without either, the
//!   models report the thief reading the task's header unsynchronised); its Release half
//!   publishes nothing, since storing null hands nothing over (the models pass with
//!   `Acquire`), and is kept for the same reason.
//! * `take`'s first load and `is_empty` are `Relaxed`: the owner is the only writer of
//!   tasks, so by coherence it never reads an older value than its own last push; a thief or
//!   the monitor may read a stale value, which only costs it one pass (the swap decides).
//! * The counter and `stuck_at` are `Relaxed` everywhere: nothing is published through them,
//!   they only decide whether a thief tries the slot. A stale reading makes a thief try the
//!   slot of a core that has just finished its poll (the swap still hands the task to exactly
//!   one of them) or skip one that has just got stuck (the monitor flags it again next
//!   interval). Only the core's holder writes the count, so a bump is a load and a store, not
//!   a read-modify-write; the holder changes only through the core's hand-off, which orders
//!   the previous holder's bumps before the next one's.
//!
//! Both sit on the owner's hot path: `push` is one uncontended swap on the core's own cache
//! line, `take` a plain load when the slot is empty, `bump` a load and a store.

use std::ptr::{self, NonNull};

use crate::loom::{AtomicPtr, AtomicU64, Ordering::*};
use crate::task::{Header, Notified};

/// The LIFO slot of one core: at most one task, handed over by atomic swaps.
pub(super) struct LifoSlot<S: 'static> {
    task: AtomicPtr<Header>,
    _task: std::marker::PhantomData<Notified<S>>,
}

impl<S: 'static> LifoSlot<S> {
    pub(super) fn new() -> LifoSlot<S> {
        LifoSlot {
            task: AtomicPtr::new(ptr::null_mut()),
            _task: std::marker::PhantomData,
        }
    }

    /// Owner: puts `task` in the slot, returning the task it displaced.
    pub(super) fn push(&self, task: Notified<S>) -> Option<Notified<S>> {
        let new = task.into_raw().as_ptr();
        // AcqRel: hands our `Notified` over (Release); see the module docs for the Acquire.
        let prev = self.task.swap(new, AcqRel);
        // SAFETY: a non-null pointer in the slot came from `Notified::<S>::into_raw` (only
        // `push` stores one), and the swap took it out, so nobody else can have it.
        NonNull::new(prev).map(|p| unsafe { Notified::from_header(p) })
    }

    /// Owner, or a searching worker when `PollCounter::is_stuck`: takes the task out, if any.
    pub(super) fn take(&self) -> Option<Notified<S>> {
        // Relaxed pre-check: the common case (empty) costs a plain load; the swap below is
        // what transfers ownership.
        if self.task.load(Relaxed).is_null() {
            return None;
        }
        // Acquire: takes ownership of the task the pusher published.
        let prev = self.task.swap(ptr::null_mut(), AcqRel);
        // SAFETY: as in `push`.
        NonNull::new(prev).map(|p| unsafe { Notified::from_header(p) })
    }

    /// A hint for anyone but the owner; exact for the owner (see the module docs).
    pub(super) fn is_empty(&self) -> bool {
        self.task.load(Relaxed).is_null()
    }
}

impl<S: 'static> Drop for LifoSlot<S> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// Counts poll starts and ends of one core: odd while a task is being polled.
pub(super) struct PollCounter {
    count: AtomicU64,
    /// The odd count at which the monitor found the core stuck; 0 if it is not.
    stuck_at: AtomicU64,
}

impl PollCounter {
    pub(super) fn new() -> PollCounter {
        PollCounter {
            count: AtomicU64::new(0),
            stuck_at: AtomicU64::new(0),
        }
    }

    /// The core's holder, around each poll (and `block_in_place`, which ends the poll on the
    /// core's behalf before handing the core over).
    pub(super) fn bump(&self) {
        // Relaxed load and store: only the core's holder writes it (module docs).
        let n = self.count.load(Relaxed);
        self.count.store(n.wrapping_add(1), Relaxed);
    }

    pub(super) fn load(&self) -> u64 {
        self.count.load(Relaxed)
    }

    /// Monitor: records that the core is stuck in the poll numbered `count`, or not stuck.
    pub(super) fn set_stuck_at(&self, count: u64) {
        self.stuck_at.store(count, Relaxed);
    }

    /// Whether the core is still in the same poll the monitor found it stuck in.
    pub(super) fn is_stuck(&self) -> bool {
        let stuck_at = self.stuck_at.load(Relaxed);
        stuck_at != 0 && stuck_at == self.count.load(Relaxed)
    }
}
