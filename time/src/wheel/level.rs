//! One level of the wheel: 64 slots, each `64^level` ms wide, and a bitmap of the occupied
//! ones.

use std::ptr::NonNull;

use super::{LEVEL_BITS, SLOTS};
use crate::entry::{List, SlotId, TimerShared};

pub(crate) struct Level {
    level: usize,
    /// Bit `i` is set iff `slots[i]` is non-empty.
    occupied: u64,
    slots: [List; SLOTS],
}

/// The start of the next occupied slot of a level, and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expiration {
    pub(crate) level: usize,
    pub(crate) slot: usize,
    pub(crate) deadline: u64,
}

impl Level {
    pub(crate) fn new(level: usize) -> Level {
        Level {
            level,
            occupied: 0,
            slots: std::array::from_fn(|_| List::new()),
        }
    }

    /// Width of one slot, in ticks.
    fn slot_range(&self) -> u64 {
        1 << (LEVEL_BITS * self.level)
    }

    /// Width of the whole level, in ticks.
    fn level_range(&self) -> u64 {
        1 << (LEVEL_BITS * (self.level + 1))
    }

    pub(crate) fn slot_for(&self, when: u64) -> usize {
        ((when >> (LEVEL_BITS * self.level)) as usize) & (SLOTS - 1)
    }

    /// The first occupied slot at or after `elapsed`'s, with the tick its range starts at.
    pub(crate) fn next_expiration(&self, elapsed: u64) -> Option<Expiration> {
        if self.occupied == 0 {
            return None;
        }
        let now_slot = self.slot_for(elapsed);
        let rotated = self.occupied.rotate_right(now_slot as u32);
        let slot = (rotated.trailing_zeros() as usize + now_slot) % SLOTS;
        let level_start = elapsed & !(self.level_range() - 1);
        let mut deadline = level_start + slot as u64 * self.slot_range();
        if deadline <= elapsed {
            // Only the top level wraps (a timer's slot at any other level lies beyond the
            // current one): the slot is in the level's next turn.
            deadline += self.level_range();
        }
        Some(Expiration {
            level: self.level,
            slot,
            deadline,
        })
    }

    /// # Safety
    ///
    /// As `List::push_front`.
    pub(crate) unsafe fn add(&mut self, timer: NonNull<TimerShared>, slot: usize) {
        let id = (self.level * SLOTS + slot) as SlotId;
        // SAFETY: the caller's guarantees.
        unsafe { self.slots[slot].push_front(timer, id) };
        self.occupied |= 1 << slot;
    }

    /// # Safety
    ///
    /// The caller holds the shard lock and `timer` is linked into `slot` of this level.
    pub(crate) unsafe fn remove(&mut self, timer: NonNull<TimerShared>, slot: usize) {
        // SAFETY: the caller's guarantees.
        unsafe { self.slots[slot].remove(timer) };
        if self.slots[slot].is_empty() {
            self.occupied &= !(1 << slot);
        }
    }

    /// Takes a whole slot's list out.
    pub(crate) fn take_slot(&mut self, slot: usize) -> List {
        self.occupied &= !(1 << slot);
        std::mem::take(&mut self.slots[slot])
    }
}
