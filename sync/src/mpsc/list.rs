//! The lock-free message list under every `mpsc` channel: a singly linked list of fixed-size
//! blocks that any number of senders append to and one receiver reads from.
//!
//! # Protocol
//!
//! - **Claiming a slot.** A sender claims slot index `i` with a `fetch_add` on
//!   `tail_position`, walks from `block_tail` to the block that holds `i` (growing the list
//!   by compare-and-swap on a block's `next` if it ends too early), writes the value and sets
//!   the slot's ready bit. The receiver reads index after index, each only once its ready bit
//!   is set.
//! - **Closing.** The last sender claims one more index the same way and sets `TX_CLOSED` on
//!   its block instead of writing: the receiver meets the end exactly after the last message.
//! - **Moving the tail.** Walkers (senders, and the receiver when it wants to reclaim) move
//!   `block_tail` past a block only when every slot of it was written, by compare-and-swap.
//!   The thread whose CAS succeeded then reads `tail_position` with a Release read-modify-write
//!   and records the value in the block (`release`). Any sender whose claim comes later in
//!   `tail_position`'s modification order synchronises with that RMW, so it loads the new
//!   `block_tail` and never reaches the old block. Senders whose claim came earlier may still
//!   be walking through it: their indices are all below the recorded value.
//! - **Reclaiming.** The receiver reuses or frees a block it has left behind only once the
//!   block is released and the receiver's index reached the recorded tail: every sender that
//!   could still reach the block has then written its slot (the receiver saw the ready bit), and
//!   a sender touches no block after that.
//! - **Memory bound.** A reclaimed block goes to the single `spare` slot (the next grow takes it
//!   instead of allocating) or, if the spare slot is taken, is freed. So after a burst the
//!   list keeps the block the receiver is in and at most one spare block; tokio keeps several
//!   per channel (tokio issue 7355).
//! - **Indices wrap.** Slot indices are `usize` and wrap around after `usize::MAX` messages
//!   (2³² on a 32-bit target, reachable in minutes). Every step is a wrapping add and every
//!   comparison asks which of two indices comes later along the wrap ([`is_after`]), which is
//!   right while the two are less than half the index space apart. Two indices the protocol
//!   compares are never further apart than the messages queued at that moment plus one block,
//!   so the limit is 2³¹ − 64 messages queued at once on a 32-bit target (the channel docs
//!   say so); a 64-bit target cannot queue that many.

use std::ptr::{self, NonNull};

use super::block::{offset_of, start_of, Block, Read, BLOCK_CAP};
use crate::loom::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

/// The senders' half of the list, shared by every sender and by the receiver.
pub(super) struct Tx<T> {
    /// The block senders start walking from. Only ever moves forward.
    block_tail: AtomicPtr<Block<T>>,
    /// The next slot index to claim.
    tail_position: AtomicUsize,
    /// At most one reclaimed block, waiting to be reused.
    spare: AtomicPtr<Block<T>>,
    /// The close marker has been claimed (for `len`).
    closed: AtomicBool,
}

/// The receiver's half of the list: touched only by the single receiver.
pub(super) struct Rx<T> {
    /// The block that holds `index`, or an earlier one.
    head: NonNull<Block<T>>,
    /// The next slot index to read.
    index: usize,
    /// The oldest block not yet reclaimed.
    free_head: NonNull<Block<T>>,
}

/// What [`Rx::pop`] found.
pub(super) enum Pop<T> {
    Value(T),
    /// Nothing was sent.
    Empty,
    /// A sender claimed the next slot but has not finished writing it: the value is moments
    /// away (and its sender will wake the receiver).
    Busy,
    /// Every sender is gone and every message was read.
    Closed,
}

/// A new, empty list.
pub(super) fn list<T>() -> (Tx<T>, Rx<T>) {
    list_starting_at(0)
}

/// A new, empty list whose first slot index is `first_index` (a multiple of the block size).
/// Tests start near `usize::MAX` to cross the wrap.
fn list_starting_at<T>(first_index: usize) -> (Tx<T>, Rx<T>) {
    debug_assert_eq!(start_of(first_index), first_index, "not a block boundary");
    let first = Block::alloc(first_index);
    let tx = Tx {
        block_tail: AtomicPtr::new(first.as_ptr()),
        tail_position: AtomicUsize::new(first_index),
        spare: AtomicPtr::new(ptr::null_mut()),
        closed: AtomicBool::new(false),
    };
    let rx = Rx {
        head: first,
        index: first_index,
        free_head: first,
    };
    (tx, rx)
}

/// Whether slot index `a` comes after `b` along the wrap: true when `a` is less than half the
/// index space ahead of `b` (module docs, *Indices wrap*).
fn is_after(a: usize, b: usize) -> bool {
    let ahead = a.wrapping_sub(b);
    ahead != 0 && ahead <= usize::MAX / 2
}

// SAFETY: the raw pointers are owned by the list; values of type `T` move between threads
// through it, hence `T: Send`.
unsafe impl<T: Send> Send for Tx<T> {}
// SAFETY: every shared access goes through atomics and the protocol above.
unsafe impl<T: Send> Sync for Tx<T> {}
// SAFETY: the receiver half holds pointers into the list; moving it moves the right to read.
unsafe impl<T: Send> Send for Rx<T> {}
// SAFETY: `&Rx` only reads `index` (for `len`); everything else needs `&mut Rx`.
unsafe impl<T: Send> Sync for Rx<T> {}

impl<T> Tx<T> {
    /// Appends `value`.
    pub(super) fn push(&self, value: T) {
        let index = self.claim();
        let block = self.find_block(index);
        // SAFETY: `index` was claimed by us alone; the block cannot be reclaimed before the
        // receiver reads this slot, which needs the ready bit `write` sets.
        unsafe { block.as_ref().write(offset_of(index), value) };
    }

    /// Marks the end of the list after every value pushed so far. Called once, by the last
    /// sender.
    pub(super) fn close(&self) {
        let index = self.claim();
        let block = self.find_block(index);
        // SAFETY: as in `push`: the receiver cannot pass `index` (it stops at the close marker),
        // so the block stays in the list.
        unsafe { block.as_ref().tx_close() };
        // Release: a reader of `closed` must see the claimed index in `tail_position`.
        self.closed.store(true, Ordering::Release);
    }

    fn claim(&self) -> usize {
        // Acquire: synchronises with the Release RMW of the thread that last moved
        // `block_tail` (see `try_advance_tail`), so the `block_tail` load below sees that move
        // and never starts at a block that may be reclaimed.
        self.tail_position.fetch_add(1, Ordering::Acquire)
    }

    /// Finds (growing the list if needed) the block that holds `index`.
    fn find_block(&self, index: usize) -> NonNull<Block<T>> {
        let start = start_of(index);
        // Acquire: the block's initialisation was published by the Release that made it the
        // tail (directly, or through the `next` link it was reached by).
        let mut current = NonNull::new(self.block_tail.load(Ordering::Acquire))
            .expect("the list always has a tail block");
        // Only the first blocks of the walk are worth moving the tail past: once another
        // thread moved it, leave the rest to the walkers that come after.
        let mut advance = true;
        loop {
            // SAFETY: `current` is reachable from the `block_tail` we loaded after our claim,
            // so it cannot be reclaimed until our slot is written (module docs).
            let block = unsafe { current.as_ref() };
            let block_start = block.start_index();
            if block_start == start {
                return current;
            }
            debug_assert!(is_after(start, block_start), "walked past the target block");
            let next = match block.next() {
                Some(next) => next,
                None => self.grow(block),
            };
            if advance && block.is_final() {
                advance = self.try_advance_tail(current, next);
            } else {
                advance = false;
            }
            current = next;
        }
    }

    /// Links a block after `block`, which ends the list (as far as we saw), and returns
    /// whichever block is then next.
    #[cold]
    fn grow(&self, block: &Block<T>) -> NonNull<Block<T>> {
        let start = block.start_index().wrapping_add(BLOCK_CAP);
        let new = match self.take_spare() {
            Some(spare) => {
                // SAFETY: `take_spare` gave us sole ownership of a block whose values were all
                // read before it was reclaimed.
                unsafe { Block::reset(spare, start) };
                spare
            }
            None => Block::alloc(start),
        };
        match block.try_link(new) {
            Ok(()) => new,
            Err(winner) => {
                // Another walker grew the list first: keep ours for later, or free it.
                self.put_spare(new);
                winner
            }
        }
    }

    /// Moves `block_tail` from `block` (which is full) to `next`, and records the release.
    /// Returns whether this thread moved it.
    fn try_advance_tail(&self, block: NonNull<Block<T>>, next: NonNull<Block<T>>) -> bool {
        // Release on success: `next` was acquired through `block.next`; a thread that loads the
        // new tail must see its initialisation. Relaxed on failure: we learn nothing from it.
        if self
            .block_tail
            .compare_exchange(
                block.as_ptr(),
                next.as_ptr(),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return false;
        }
        // An RMW, not a load, and Release: every later claim reads this write or a later one
        // in `tail_position`'s modification order, so it synchronises with it and sees the new
        // `block_tail` (see `claim`). A plain load would allow a claim to come later in the
        // modification order yet still load the old tail.
        let tail_position = self.tail_position.fetch_add(0, Ordering::Release);
        // SAFETY: our CAS moved the tail past `block`, so we are the one thread that releases
        // it, once; it cannot be reclaimed before RELEASED is set.
        unsafe { block.as_ref().release(tail_position) };
        true
    }

    fn take_spare(&self) -> Option<NonNull<Block<T>>> {
        // Acquire: the receiver's reads of the block's old values happened before it put it
        // here (Release in `put_spare`); our writes into it must come after them. The swap
        // gives us sole ownership: nobody else can get this pointer from the slot.
        NonNull::new(self.spare.swap(ptr::null_mut(), Ordering::Acquire))
    }

    /// Keeps `block` as the spare if there is none yet; frees it otherwise.
    fn put_spare(&self, block: NonNull<Block<T>>) {
        // Release: hands over everything done with the block to the sender that takes it.
        if self
            .spare
            .compare_exchange(
                ptr::null_mut(),
                block.as_ptr(),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            // SAFETY: the caller gave us sole ownership of the block, and nothing points to
            // it: it is either unlinked (lost `grow` race) or reclaimed.
            unsafe { Block::free(block) };
        }
    }
}

impl<T> Rx<T> {
    /// Takes the next value, if it is there.
    pub(super) fn pop(&mut self, tx: &Tx<T>) -> Pop<T> {
        let found = self.advance_head();
        self.reclaim(tx);
        if !found {
            return self.empty_or_busy(tx);
        }
        // SAFETY: `head` is in the list and not before `free_head`, so not reclaimed.
        let block = unsafe { self.head.as_ref() };
        // SAFETY: we are the receiver, and `index` was not read before.
        match unsafe { block.read(offset_of(self.index)) } {
            Some(Read::Value(value)) => {
                self.index = self.index.wrapping_add(1);
                Pop::Value(value)
            }
            Some(Read::Closed) => {
                self.reclaim_after_close(tx);
                Pop::Closed
            }
            None => self.empty_or_busy(tx),
        }
    }

    fn empty_or_busy(&self, tx: &Tx<T>) -> Pop<T> {
        // Acquire: only a count; the value itself is acquired through its ready bit.
        if is_after(tx.tail_position.load(Ordering::Acquire), self.index) {
            Pop::Busy
        } else {
            Pop::Empty
        }
    }

    /// Moves `head` to the block that holds `index`; `false` if that block is not linked yet.
    fn advance_head(&mut self) -> bool {
        let start = start_of(self.index);
        loop {
            // SAFETY: `head` is never reclaimed (reclaim stops at it).
            let head = unsafe { self.head.as_ref() };
            if head.start_index() == start {
                return true;
            }
            match head.next() {
                Some(next) => self.head = next,
                None => return false,
            }
        }
    }

    /// Reuses or frees the blocks between `free_head` and `head` that no sender can reach.
    fn reclaim(&mut self, tx: &Tx<T>) {
        while self.free_head != self.head {
            // SAFETY: `free_head` is not reclaimed yet (it only moves past reclaimed blocks).
            let block = unsafe { self.free_head.as_ref() };
            let next = block
                .next()
                .expect("a block before the head has a successor");
            let observed = match block.observed_tail() {
                Some(observed) => observed,
                // Nobody moved the tail past this full block (a sender finished it after
                // walking by): move it ourselves, or a burst could leave it stranded.
                None if block.is_final() && tx.try_advance_tail(self.free_head, next) => {
                    block.observed_tail().expect("released by our own advance")
                }
                None => return,
            };
            if is_after(observed, self.index) {
                // A sender that claimed an index we have not read may still be walking
                // through this block.
                return;
            }
            let reclaimed = self.free_head;
            self.free_head = next;
            tx.put_spare(reclaimed);
        }
    }

    /// Reclaims every block before `head` once the receiver met the close marker: every sender
    /// is gone (the marker is claimed by the last one, after all other claims, and we acquired
    /// it), so nobody walks the list any more, whatever the recorded tails say.
    fn reclaim_after_close(&mut self, tx: &Tx<T>) {
        while self.free_head != self.head {
            let reclaimed = self.free_head;
            // SAFETY: not reclaimed yet (`free_head` only moves past reclaimed blocks).
            self.free_head = unsafe { reclaimed.as_ref() }
                .next()
                .expect("a block before the head has a successor");
            tx.put_spare(reclaimed);
        }
    }

    /// Messages sent and not yet received (including one whose send is in progress).
    pub(super) fn len(&self, tx: &Tx<T>) -> usize {
        // Acquire: if the close marker was claimed, `tail_position` below includes it.
        let closed = tx.closed.load(Ordering::Acquire);
        // Acquire: a snapshot; pairs with nothing in particular, but keeps the two loads in
        // order with `closed`.
        let tail = tx.tail_position.load(Ordering::Acquire);
        tail.wrapping_sub(self.index)
            .saturating_sub(closed as usize)
    }

    /// Blocks this channel holds: those in the list not yet reclaimed, and the spare.
    pub(super) fn allocated_blocks(&self, tx: &Tx<T>) -> usize {
        let mut count = 0;
        let mut current = Some(self.free_head);
        while let Some(block) = current {
            count += 1;
            // SAFETY: blocks from `free_head` on are only reclaimed by us (`&self` here).
            current = unsafe { block.as_ref() }.next();
        }
        // Relaxed: a snapshot count; nothing is read through the pointer.
        count + usize::from(!tx.spare.load(Ordering::Relaxed).is_null())
    }

    /// Frees every block. Values still in the list are not dropped: pop them first.
    ///
    /// # Safety
    ///
    /// No sender can use `tx` any more, and the list is not used afterwards.
    pub(super) unsafe fn free_blocks(&mut self, tx: &Tx<T>) {
        let mut current = Some(self.free_head);
        while let Some(block) = current {
            // SAFETY: no other thread can reach the list (caller's guarantee).
            current = unsafe { block.as_ref() }.next();
            // SAFETY: as above; each block appears once in the list.
            unsafe { Block::free(block) };
        }
        if let Some(spare) = tx.take_spare() {
            // SAFETY: the spare is in no list, and no one else can take it.
            unsafe { Block::free(spare) };
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Four blocks before the wrap, so pushes cross `usize::MAX` after a few blocks.
    const NEAR_THE_WRAP: usize = 0usize.wrapping_sub(4 * BLOCK_CAP);

    fn drain<T>(tx: &Tx<T>, rx: &mut Rx<T>) -> Vec<T> {
        let mut out = Vec::new();
        loop {
            match rx.pop(tx) {
                Pop::Value(value) => out.push(value),
                Pop::Empty | Pop::Closed => return out,
                Pop::Busy => std::thread::yield_now(),
            }
        }
    }

    #[test]
    fn is_after_follows_the_wrap() {
        assert!(is_after(1, 0));
        assert!(!is_after(0, 0));
        assert!(!is_after(0, 1));
        assert!(is_after(0, usize::MAX));
        assert!(is_after(5, usize::MAX - 5));
        assert!(!is_after(usize::MAX - 5, 5));
    }

    #[test]
    fn values_cross_the_index_wrap_in_order_and_blocks_are_reclaimed() {
        let (tx, mut rx) = list_starting_at::<u64>(NEAR_THE_WRAP);
        let mut next = 0u64;
        // Twelve blocks' worth in rounds of one and a half blocks: every round leaves blocks
        // behind the receiver, which must be reclaimed across the wrap as before it.
        for _ in 0..8 {
            for _ in 0..(BLOCK_CAP + BLOCK_CAP / 2) {
                tx.push(next);
                next += 1;
            }
            assert_eq!(rx.len(&tx), BLOCK_CAP + BLOCK_CAP / 2);
            let got = drain(&tx, &mut rx);
            let first = next - got.len() as u64;
            assert_eq!(got, (first..next).collect::<Vec<_>>());
            assert_eq!(rx.len(&tx), 0);
            assert!(
                rx.allocated_blocks(&tx) <= 2,
                "blocks left behind at index {:#x}: {}",
                rx.index,
                rx.allocated_blocks(&tx)
            );
        }
        assert!(
            is_after(rx.index, NEAR_THE_WRAP),
            "the test crossed the wrap"
        );
        assert!(rx.index < NEAR_THE_WRAP, "the test crossed the wrap");
        tx.close();
        assert!(matches!(rx.pop(&tx), Pop::Closed));
        // SAFETY: the senders' half is not used again, and neither is the list.
        unsafe { rx.free_blocks(&tx) };
    }

    /// The receiver releases a block itself (a sender finished it after walking by) at a
    /// moment when `tail_position` has wrapped but the receiver's index has not. A sender that
    /// claimed a post-wrap index may still be about to walk through that block, so it must
    /// stay until the receiver's index passes the recorded tail, across the wrap.
    #[test]
    fn a_block_released_across_the_wrap_is_kept_for_its_walkers() {
        // W-1 = the block before the last block below the wrap; W = the last one.
        let (tx, mut rx) = list_starting_at::<usize>(NEAR_THE_WRAP);
        let w_minus_1 = 0usize.wrapping_sub(2 * BLOCK_CAP);
        let last_of_w_minus_1 = w_minus_1.wrapping_add(BLOCK_CAP - 1);
        while tx.tail_position.load(Ordering::Relaxed) != last_of_w_minus_1 {
            tx.push(0);
        }
        // A slow sender claims the last slot of W-1 and has not written it yet, so W-1 is not
        // final and nobody moves the tail past it.
        let slow = tx.claim();
        assert_eq!(slow, last_of_w_minus_1);
        // Senders fill W and the first slots after the wrap.
        while tx.tail_position.load(Ordering::Relaxed) != 5 {
            tx.push(0);
        }
        // Another sender claims index 5 and loads the tail, W-1, as a walker does first.
        let walker = tx.claim();
        assert_eq!(walker, 5);
        let walker_start = tx.block_tail.load(Ordering::Acquire);
        let w_minus_1_block = tx.find_block(slow);
        assert_eq!(walker_start, w_minus_1_block.as_ptr());
        // The slow sender writes its slot: W-1 is final now, but nobody walked by since.
        // SAFETY: index `slow` was claimed above and is written once.
        unsafe { w_minus_1_block.as_ref().write(offset_of(slow), 0) };
        // The receiver reads into W (before the wrap): it moves the tail past W-1 itself.
        for _ in 0..3 * BLOCK_CAP + 3 {
            assert!(matches!(rx.pop(&tx), Pop::Value(0)));
        }
        assert_eq!(
            start_of(rx.index),
            0usize.wrapping_sub(BLOCK_CAP),
            "the receiver is in W"
        );
        assert_eq!(
            rx.free_head, w_minus_1_block,
            "W-1 was reclaimed while a sender that claimed index 5 can still walk through it"
        );
        // The walker goes on; then everything drains and W-1 is reclaimed after all.
        let block = tx.find_block(walker);
        // SAFETY: index `walker` was claimed above and is written once.
        unsafe { block.as_ref().write(offset_of(walker), 0) };
        assert_eq!(drain(&tx, &mut rx).len(), BLOCK_CAP - 3 + 6);
        assert_ne!(rx.free_head, w_minus_1_block);
        // SAFETY: no sender uses the list any more.
        unsafe { rx.free_blocks(&tx) };
    }

    #[test]
    fn concurrent_senders_across_the_index_wrap_lose_nothing() {
        const SENDERS: u64 = 4;
        const EACH: u64 = 2_000;
        let (tx, mut rx) = list_starting_at::<u64>(NEAR_THE_WRAP);
        let mut received = Vec::new();
        std::thread::scope(|scope| {
            for sender in 0..SENDERS {
                let tx = &tx;
                scope.spawn(move || {
                    for i in 0..EACH {
                        tx.push(sender * EACH + i);
                    }
                });
            }
            while (received.len() as u64) < SENDERS * EACH {
                match rx.pop(&tx) {
                    Pop::Value(value) => received.push(value),
                    Pop::Empty | Pop::Busy => std::thread::yield_now(),
                    Pop::Closed => unreachable!("not closed"),
                }
            }
        });
        // Each sender's values arrive in its order, and all of them arrive.
        for sender in 0..SENDERS {
            let own: Vec<u64> = received
                .iter()
                .copied()
                .filter(|value| value / EACH == sender)
                .collect();
            assert_eq!(
                own,
                (sender * EACH..(sender + 1) * EACH).collect::<Vec<_>>()
            );
        }
        // One more pop reclaims with the receiver at the final index: every block the senders
        // left behind is then behind every index any of them claimed.
        assert!(matches!(rx.pop(&tx), Pop::Empty));
        assert!(rx.allocated_blocks(&tx) <= 2);
        // SAFETY: every sender thread has ended; the list is not used again.
        unsafe { rx.free_blocks(&tx) };
    }
}
