//! One block of the message list: [`BLOCK_CAP`] slots and the bits that say which are written.
//!
//! A block never moves once allocated. Senders write into its slots (each slot exactly once per
//! use of the block) and set the slot's *ready* bit; the receiver reads a slot only after it
//! saw that bit. The rest of the protocol (who may reach a block, when it may be reused) lives
//! in [`super::list`].

use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};

use crate::loom::{AtomicPtr, AtomicUsize, Ordering, UnsafeCell};

/// Slots per block. Small under loom, so that a model crosses a block boundary in a few steps.
/// It must leave room for the two flag bits in a `usize`.
pub(super) const BLOCK_CAP: usize = if cfg!(loom) {
    2
} else if cfg!(target_pointer_width = "64") {
    32
} else {
    16
};

const SLOT_MASK: usize = BLOCK_CAP - 1;

/// All ready bits set: every slot of the block was written.
const READY_MASK: usize = (1 << BLOCK_CAP) - 1;

/// The sender that moved the list's tail past this block wrote `observed_tail` (see
/// [`super::list`]); set once per use of the block.
const RELEASED: usize = 1 << BLOCK_CAP;

/// The last sender went away; the channel's end is the first unwritten slot of this block.
const TX_CLOSED: usize = RELEASED << 1;

/// The first slot index of the block that holds `index`.
pub(super) fn start_of(index: usize) -> usize {
    index & !SLOT_MASK
}

/// The position of `index` inside its block.
pub(super) fn offset_of(index: usize) -> usize {
    index & SLOT_MASK
}

/// What [`Block::read`] found in a slot.
pub(super) enum Read<T> {
    Value(T),
    Closed,
}

pub(super) struct Block<T> {
    /// The slot index of `slots[0]`. Written only by [`Block::reset`], while the block is
    /// reachable by no other thread; read by anyone who reached the block through the list.
    start_index: UnsafeCell<usize>,
    /// The next block, or null. Set once per use of the block (by compare-and-swap).
    next: AtomicPtr<Block<T>>,
    /// One ready bit per slot, plus [`RELEASED`] and [`TX_CLOSED`].
    ready: AtomicUsize,
    /// The list's tail position when the tail moved past this block; valid once [`RELEASED`]
    /// is set.
    observed_tail: UnsafeCell<usize>,
    slots: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
}

impl<T> Block<T> {
    /// Allocates an empty block whose first slot is `start_index`.
    ///
    /// The block is built in place on the heap: a block of large values (32 of them) would not
    /// fit on the stack.
    pub(super) fn alloc(start_index: usize) -> NonNull<Block<T>> {
        let mut block = Box::<Block<T>>::new_uninit();
        let p = block.as_mut_ptr();
        // SAFETY: `p` points to memory for a `Block<T>` that we own; each field is written
        // once through a raw place (no reference to uninitialised memory is made), and every
        // field is written before `assume_init`.
        let block = unsafe {
            ptr::addr_of_mut!((*p).start_index).write(UnsafeCell::new(start_index));
            ptr::addr_of_mut!((*p).next).write(AtomicPtr::new(ptr::null_mut()));
            ptr::addr_of_mut!((*p).ready).write(AtomicUsize::new(0));
            ptr::addr_of_mut!((*p).observed_tail).write(UnsafeCell::new(0));
            for i in 0..BLOCK_CAP {
                ptr::addr_of_mut!((*p).slots[i]).write(UnsafeCell::new(MaybeUninit::uninit()));
            }
            block.assume_init()
        };
        NonNull::from(Box::leak(block))
    }

    /// Frees a block. Values still in it are not dropped.
    ///
    /// # Safety
    ///
    /// `block` came from [`Block::alloc`], no other thread can reach it, and it is not used
    /// afterwards.
    pub(super) unsafe fn free(block: NonNull<Block<T>>) {
        // SAFETY: the caller guarantees sole ownership of a pointer from `Box::leak`.
        drop(unsafe { Box::from_raw(block.as_ptr()) });
    }

    /// Makes a block that is being reused empty again, starting at `start_index`.
    ///
    /// # Safety
    ///
    /// No other thread can reach `block`, and every value it held was read out.
    pub(super) unsafe fn reset(block: NonNull<Block<T>>, start_index: usize) {
        // SAFETY: the caller guarantees no one else can reach the block, so a shared borrow
        // and the unsynchronised write below race with nothing.
        let block = unsafe { block.as_ref() };
        // SAFETY: as above, we are the only thread that can reach the block.
        block.start_index.with_mut(|p| unsafe { *p = start_index });
        // Relaxed: the block is published to other threads later by a Release operation (the
        // compare-and-swap that links it into the list).
        block.next.store(ptr::null_mut(), Ordering::Relaxed);
        block.ready.store(0, Ordering::Relaxed);
    }

    pub(super) fn start_index(&self) -> usize {
        // SAFETY: `start_index` is only written by `reset`, while no other thread can reach the
        // block; whoever holds `&self` reached it through the list, after the write was
        // published (see `super::list`).
        self.start_index.with(|p| unsafe { *p })
    }

    /// The next block, if one was linked.
    pub(super) fn next(&self) -> Option<NonNull<Block<T>>> {
        // Acquire: the block's initialisation (reset or alloc) happened before the Release
        // compare-and-swap in `try_link`; we read its fields next.
        NonNull::new(self.next.load(Ordering::Acquire))
    }

    /// Links `new` after this block, unless another block got there first: returns the block
    /// that is now next.
    pub(super) fn try_link(&self, new: NonNull<Block<T>>) -> Result<(), NonNull<Block<T>>> {
        // AcqRel on success: Release publishes `new`'s initialisation to whoever loads `next`.
        // Acquire on failure: we go on to read the winner's block.
        self.next
            .compare_exchange(
                ptr::null_mut(),
                new.as_ptr(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map(|_| ())
            // The CAS only fails if the pointer is no longer null.
            .map_err(|actual| NonNull::new(actual).expect("a failed link leaves a non-null next"))
    }

    /// Whether every slot of the block was written.
    pub(super) fn is_final(&self) -> bool {
        // Acquire: a caller that sees the block full may hand it to the receiver's reclaim
        // (`release`), which must come after every write into it.
        self.ready.load(Ordering::Acquire) & READY_MASK == READY_MASK
    }

    /// Writes `value` into slot `offset` and marks it ready.
    ///
    /// # Safety
    ///
    /// The caller claimed this slot (it is the only writer of it for this use of the block),
    /// and the block cannot be reclaimed before the ready bit is set.
    pub(super) unsafe fn write(&self, offset: usize, value: T) {
        self.slots[offset].with_mut(|slot| {
            // SAFETY: the caller owns the slot until it sets the ready bit below; the receiver
            // does not read it before.
            unsafe { (*slot).write(value) };
        });
        // Release: the receiver reads the slot after it acquires this bit.
        self.ready.fetch_or(1 << offset, Ordering::Release);
    }

    /// Marks the end of the channel: the first unwritten slot of this block is past the last
    /// message.
    pub(super) fn tx_close(&self) {
        // Release: the receiver that sees TX_CLOSED must also see every ready bit set before
        // (all pushes happened before the last sender went away).
        self.ready.fetch_or(TX_CLOSED, Ordering::Release);
    }

    /// Reads slot `offset`, if it is ready; reports the channel's end if it is not and the
    /// channel is closed at this block.
    ///
    /// # Safety
    ///
    /// Only the receiver calls this, at most once per slot per use of the block, and the
    /// block cannot be reclaimed meanwhile.
    pub(super) unsafe fn read(&self, offset: usize) -> Option<Read<T>> {
        // Acquire: pairs with the Release in `write` (the value) and `tx_close`.
        let ready = self.ready.load(Ordering::Acquire);
        if ready & (1 << offset) == 0 {
            return (ready & TX_CLOSED != 0).then_some(Read::Closed);
        }
        let value = self.slots[offset].with(|slot| {
            // SAFETY: the ready bit says the slot was written, and the Acquire load above
            // made that write visible; the caller reads each slot once, so the value moves out
            // exactly once.
            unsafe { (*slot).assume_init_read() }
        });
        Some(Read::Value(value))
    }

    /// Records that the list's tail moved past this block when the tail position was
    /// `tail_position`.
    ///
    /// # Safety
    ///
    /// Called once per use of the block, by the thread whose compare-and-swap moved the tail
    /// past it.
    pub(super) unsafe fn release(&self, tail_position: usize) {
        self.observed_tail.with_mut(|p| {
            // SAFETY: only the one thread that moved the tail writes this, and nobody reads it
            // before RELEASED is set below.
            unsafe { *p = tail_position }
        });
        // Release: publishes `observed_tail` and everything this thread did to the block.
        self.ready.fetch_or(RELEASED, Ordering::Release);
    }

    /// The tail position recorded by [`release`](Self::release), if it ran.
    pub(super) fn observed_tail(&self) -> Option<usize> {
        // Acquire: pairs with the Release in `release`.
        if self.ready.load(Ordering::Acquire) & RELEASED == 0 {
            return None;
        }
        // SAFETY: RELEASED is set, so the write in `release` is done and visible, and nobody
        // writes the field again during this use of the block.
        Some(self.observed_tail.with(|p| unsafe { *p }))
    }
}
