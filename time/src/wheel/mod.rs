//! The hierarchical timer wheel: six levels of 64 slots, 1 ms per slot at the bottom.
//!
//! Level `l` covers `64^(l+1)` ms in slots of `64^l` ms, so the wheel spans `2^36` ms (about
//! 2.2 years); later deadlines are filed in the top level and re-filed as time reaches them.
//! A timer goes to the lowest level whose slot range separates its deadline from `elapsed`
//! (the highest 6-bit group in which they differ), so every level's timers lie beyond the
//! current slot of the level below: the first occupied slot of the lowest occupied level is
//! always the next to expire. As time passes a slot of a higher level comes due and its timers
//! move down ("cascade") to finer levels; at level 0 they fire.
//!
//! Insert and cancel are O(1): a push onto a slot's list and a bit set, an unlink and
//! perhaps a bit clear. Finding the next deadline is a bit scan per level.
//!
//! The wheel is not thread-safe by itself: each shard keeps one behind its lock.

mod level;

use std::ptr::NonNull;

use self::level::Level;
use crate::entry::{List, SlotId, TimerShared};

pub(crate) const LEVEL_BITS: usize = 6;
pub(crate) const SLOTS: usize = 1 << LEVEL_BITS;
pub(crate) const NUM_LEVELS: usize = 6;
/// The span of the wheel in ticks: deadlines further out are clamped to the top level.
pub(crate) const MAX_DURATION: u64 = (1 << (LEVEL_BITS * NUM_LEVELS)) - 1;
/// How far ahead of `elapsed` a timer can be placed: a full turn of the top level less one
/// of its slots.
const MAX_PLACEMENT: u64 = MAX_DURATION + 1 - (1 << (LEVEL_BITS * (NUM_LEVELS - 1)));
/// The `SlotId` of the pending list (timers taken out of a due slot, not yet fired).
const PENDING: SlotId = (NUM_LEVELS * SLOTS) as SlotId;

pub(crate) struct Wheel {
    /// Every timer due at or before this tick has been taken out of the levels.
    elapsed: u64,
    levels: Box<[Level; NUM_LEVELS]>,
    /// Timers of a due slot, on their way to firing or to a finer level.
    pending: List,
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: Box::new(std::array::from_fn(Level::new)),
            pending: List::new(),
        }
    }

    /// Files `timer` for `when`. Returns `false` (and files nothing) if `when` is already due.
    ///
    /// # Safety
    ///
    /// The caller holds the shard lock; `timer` is live, pinned, in no list, and stays live
    /// until it is removed or handed out by `poll`.
    pub(crate) unsafe fn insert(&mut self, timer: NonNull<TimerShared>, when: u64) -> bool {
        if when <= self.elapsed {
            return false;
        }
        // Beyond the wheel's reach a timer is placed at the far end of the top level and
        // re-filed when that slot comes due. One top slot short of a full turn, so that it
        // never lands in the top level's current slot (which would read as "due now").
        let placed = when.min(self.elapsed + MAX_PLACEMENT);
        let level = level_for(self.elapsed, placed);
        let slot = self.levels[level].slot_for(placed);
        // SAFETY: the caller's guarantees.
        unsafe { self.levels[level].add(timer, slot) };
        true
    }

    /// Unlinks `timer` from wherever it is filed.
    ///
    /// # Safety
    ///
    /// The caller holds the shard lock and `timer` is filed in this wheel.
    pub(crate) unsafe fn remove(&mut self, timer: NonNull<TimerShared>) {
        // SAFETY: the caller's guarantees.
        unsafe {
            let slot = timer.as_ref().slot();
            if slot == PENDING {
                self.pending.remove(timer);
            } else {
                let slot = slot as usize;
                self.levels[slot / SLOTS].remove(timer, slot % SLOTS);
            }
        }
    }

    /// The tick of the next slot to come due, if any timer is filed.
    pub(crate) fn next_expiration_tick(&self) -> Option<u64> {
        if !self.pending.is_empty() {
            return Some(self.elapsed);
        }
        self.next_expiration().map(|e| e.deadline)
    }

    fn next_expiration(&self) -> Option<level::Expiration> {
        self.levels
            .iter()
            .find_map(|level| level.next_expiration(self.elapsed))
    }

    /// Advances to `now`, handing out (unlinked) the timers of every slot that came due, one
    /// at a time. The caller fires each one or files it again (`insert`) if its true deadline
    /// is later; `None` means nothing more is due at `now`.
    ///
    /// # Safety
    ///
    /// The caller holds the shard lock.
    pub(crate) unsafe fn poll(&mut self, now: u64) -> Option<NonNull<TimerShared>> {
        loop {
            // SAFETY: the caller holds the lock; pending timers are live (`insert`).
            if let Some(timer) = unsafe { self.pending.pop_front() } {
                return Some(timer);
            }
            match self.next_expiration() {
                Some(expiration) if expiration.deadline <= now => {
                    // SAFETY: as above.
                    unsafe { self.take_due_slot(expiration) };
                }
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }

    /// Moves a due slot's timers to the pending list and advances `elapsed` to the slot.
    unsafe fn take_due_slot(&mut self, expiration: level::Expiration) {
        let mut list = self.levels[expiration.level].take_slot(expiration.slot);
        // SAFETY: the caller holds the lock; the slot's timers are live.
        unsafe {
            while let Some(timer) = list.pop_front() {
                self.pending.push_front(timer, PENDING);
            }
        }
        self.elapsed = self.elapsed.max(expiration.deadline);
    }
}

/// The level a timer due at `when` goes to, seen from `elapsed`.
fn level_for(elapsed: u64, when: u64) -> usize {
    // The highest 6-bit group in which `when` differs from `elapsed`. `| (SLOTS - 1)` makes a
    // difference in the lowest group count as level 0; clamping keeps deadlines beyond the
    // wheel's span (and carries across its top boundary) in the top level, which wraps.
    let masked = ((elapsed ^ when) | (SLOTS as u64 - 1)).min(MAX_DURATION - 1);
    let significant = 63 - masked.leading_zeros() as usize;
    significant / LEVEL_BITS
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::pin::Pin;

    fn timers(n: usize) -> Vec<Pin<Box<TimerShared>>> {
        (0..n).map(|_| Box::pin(TimerShared::new())).collect()
    }

    fn ptr(t: &Pin<Box<TimerShared>>) -> NonNull<TimerShared> {
        NonNull::from(&**t)
    }

    /// Runs the wheel to `now`, firing what is due and re-filing the rest, the way the driver
    /// does; returns the indices fired, in order.
    fn advance(wheel: &mut Wheel, now: u64, all: &[Pin<Box<TimerShared>>]) -> Vec<usize> {
        let mut fired = Vec::new();
        // SAFETY: single-threaded test; the timers outlive the wheel's use of them.
        unsafe {
            while let Some(t) = wheel.poll(now) {
                match t.as_ref().try_fire(now) {
                    Some(later) => assert!(wheel.insert(t, later)),
                    None => {
                        t.as_ref().finish_fire();
                        fired.push(all.iter().position(|x| ptr(x) == t).unwrap());
                    }
                }
            }
        }
        fired
    }

    #[test]
    fn levels_are_chosen_by_the_highest_differing_group() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(0, 4095), 1);
        assert_eq!(level_for(0, 4096), 2);
        assert_eq!(level_for(0, MAX_DURATION), 5);
        assert_eq!(level_for(0, u64::MAX / 4), 5);
        assert_eq!(level_for(100, 127), 0);
        assert_eq!(level_for(127, 128), 1);
    }

    #[test]
    fn timers_on_every_level_fire_at_their_tick_in_order() {
        let deadlines = [
            1u64,
            5,
            63,
            64,
            65,
            700,
            4096,
            300_000,
            20_000_000,
            1 << 33,
            (1 << 36) + 7,
        ];
        let all = timers(deadlines.len());
        let mut wheel = Wheel::new();
        // Insert in reverse so the order out is the wheel's doing.
        for (i, &when) in deadlines.iter().enumerate().rev() {
            all[i].arm(when);
            // SAFETY: single-threaded; the timers outlive the wheel's use of them.
            assert!(unsafe { wheel.insert(ptr(&all[i]), when) });
        }
        let mut order = Vec::new();
        for (i, &when) in deadlines.iter().enumerate() {
            let next = wheel.next_expiration_tick();
            assert!(
                next.is_some_and(|t| t <= when),
                "timer {i} due {when}, next slot {next:?}"
            );
            // One tick early: nothing of this deadline fires.
            let early = advance(&mut wheel, when - 1, &all);
            assert!(!early.contains(&i), "timer {i} fired early");
            order.extend(early);
            order.extend(advance(&mut wheel, when, &all));
            assert!(order.contains(&i), "timer {i} did not fire at {when}");
        }
        assert_eq!(order, (0..deadlines.len()).collect::<Vec<_>>());
        assert_eq!(wheel.next_expiration_tick(), None);
    }

    #[test]
    fn a_big_jump_fires_everything_due() {
        let all = timers(500);
        let mut wheel = Wheel::new();
        for (i, t) in all.iter().enumerate() {
            let when = 1 + (i as u64 * 7919) % 100_000;
            t.arm(when);
            // SAFETY: as above.
            assert!(unsafe { wheel.insert(ptr(t), when) });
        }
        let fired = advance(&mut wheel, 50_000, &all);
        let expected = (0..500)
            .filter(|i| (*i as u64 * 7919) % 100_000 < 50_000)
            .count();
        assert_eq!(fired.len(), expected);
        let rest = advance(&mut wheel, 100_000, &all);
        assert_eq!(fired.len() + rest.len(), 500);
    }

    #[test]
    fn removed_timers_never_fire_and_clear_their_slot() {
        let all = timers(3);
        let mut wheel = Wheel::new();
        for (t, when) in all.iter().zip([10, 10, 5000]) {
            t.arm(when);
            // SAFETY: as above.
            unsafe { wheel.insert(ptr(t), when) };
        }
        // SAFETY: filed above.
        unsafe {
            wheel.remove(ptr(&all[0]));
            wheel.remove(ptr(&all[2]));
        }
        assert_eq!(advance(&mut wheel, 10_000, &all), vec![1]);
        assert_eq!(wheel.next_expiration_tick(), None);
    }

    #[test]
    fn due_on_arrival_is_refused() {
        let all = timers(1);
        let mut wheel = Wheel::new();
        advance(&mut wheel, 100, &all);
        // SAFETY: as above.
        unsafe {
            assert!(!wheel.insert(ptr(&all[0]), 100));
            assert!(!wheel.insert(ptr(&all[0]), 3));
            assert!(wheel.insert(ptr(&all[0]), 101));
            wheel.remove(ptr(&all[0]));
        }
    }

    /// Random deadlines (every level, and beyond the wheel), filed at random times, some
    /// removed, time advanced in random steps: each live timer fires in the step that reaches
    /// its deadline, never earlier, never later.
    #[test]
    fn random_deadlines_fire_exactly_in_the_step_that_reaches_them() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let all = timers(2_000);
        let mut due = vec![None::<u64>; all.len()];
        let mut wheel = Wheel::new();
        let mut now = 0u64;
        let mut next = 0;
        for _round in 0..400 {
            // File a few timers relative to now, on a random level.
            for _ in 0..5 {
                if next == all.len() {
                    break;
                }
                let span = 1u64 << (rand() % 40);
                let when = now + 1 + rand() % span;
                all[next].arm(when);
                // SAFETY: single-threaded; the timers outlive the wheel's use of them.
                assert!(unsafe { wheel.insert(ptr(&all[next]), when) });
                due[next] = Some(when);
                next += 1;
            }
            // Cancel one now and then.
            if rand() % 4 == 0 && next > 0 {
                let i = (rand() % next as u64) as usize;
                if due[i].take().is_some() {
                    // SAFETY: still filed.
                    unsafe { wheel.remove(ptr(&all[i])) };
                }
            }
            // Advance by a random step: small mostly, sometimes huge.
            let step = match rand() % 10 {
                0 => rand() % (1 << 37),
                1..=3 => rand() % 100_000,
                _ => rand() % 300,
            };
            let target = now + step;
            let fired = advance(&mut wheel, target, &all);
            for &i in &fired {
                let when = due[i].take().expect("a cancelled or fired timer fired");
                assert!(
                    when <= target,
                    "timer {i} due {when} fired early at {target}"
                );
                assert!(when > now, "timer {i} due {when} fired late, after {now}");
            }
            for (i, d) in due.iter().enumerate() {
                if let Some(when) = d {
                    assert!(*when > target, "timer {i} due {when} missed at {target}");
                }
            }
            now = target;
        }
        // Drain the rest.
        let fired = advance(&mut wheel, u64::MAX / 2, &all);
        for i in fired {
            assert!(due[i].take().is_some());
        }
        assert!(due.iter().all(Option::is_none));
    }

    #[test]
    fn an_extended_deadline_is_refiled_not_fired() {
        let all = timers(1);
        let mut wheel = Wheel::new();
        all[0].arm(10);
        // SAFETY: as above.
        unsafe { wheel.insert(ptr(&all[0]), 10) };
        assert!(all[0].try_extend(5000));
        assert!(advance(&mut wheel, 10, &all).is_empty());
        assert!(advance(&mut wheel, 4999, &all).is_empty());
        assert_eq!(advance(&mut wheel, 5000, &all), vec![0]);
    }
}
