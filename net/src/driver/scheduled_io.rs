//! The per-registration state the reactor and the resource's tasks share: cached readiness
//! and the tasks waiting for it.
//!
//! # The readiness word
//!
//! `readiness` packs `ready bits | tick << TICK_SHIFT | SHUTDOWN`. The reactor ORs in what an
//! event reported and stamps the word with its tick (a counter of reactor turns). A task that
//! gets `WouldBlock` clears the bits it saw — but only if the tick is still the one it read:
//! if the reactor delivered a newer event in between, the bits stay, so that event is not
//! lost (the resource became ready again after the failed attempt).
//!
//! # Waiters
//!
//! One waker slot per direction (the task reading, the task writing: what `poll_read` /
//! `poll_write` use, so a split stream needs no list), plus a list for `readable()` /
//! `writable()` / `ready()` futures, any number of which may wait at once.

use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::loom::{AtomicUsize, Mutex, Ordering::*};

use super::ready::{Interest, Ready};

const READY_MASK: usize = 0xFFFF;
const TICK_SHIFT: u32 = 16;
/// The tick takes every bit between the ready bits and `SHUTDOWN` (the top bit): 47 on a
/// 64-bit target, where a reactor turning a million times a second wraps it after four
/// years, so a task's stale clear never meets a newer event with the same tick. (It was 8
/// bits, which wrapped every 256 turns.) 15 on a 32-bit target.
const TICK_BITS: u32 = usize::BITS - TICK_SHIFT - 1;
/// The largest tick; the reactor's counter wraps to 0 after it.
pub(crate) const TICK_MAX: usize = (1 << TICK_BITS) - 1;
const TICK_MASK: usize = TICK_MAX << TICK_SHIFT;
const SHUTDOWN: usize = 1 << (usize::BITS - 1);

/// Which of the two waker slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    pub(crate) fn interest(self) -> Interest {
        match self {
            Direction::Read => Interest::READABLE,
            Direction::Write => Interest::WRITABLE,
        }
    }
}

/// What a task saw when it found the resource ready: pass it back to `clear_readiness`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    pub(crate) tick: usize,
    pub(crate) ready: Ready,
    pub(crate) is_shutdown: bool,
}

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// `readable()` / `writable()` / `ready()` futures.
    list: Slab<ListWaiter>,
}

struct ListWaiter {
    interest: Interest,
    waker: Option<Waker>,
    /// Set when a wake took the waker: the future then re-checks readiness.
    woken: bool,
}

/// The shared state of one registration.
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Reactor: ORs `ready` into the cached readiness, stamped with `tick`, and wakes who
    /// waits for it.
    pub(crate) fn set_readiness(&self, tick: usize, ready: Ready) {
        debug_assert!(tick <= TICK_MAX, "a tick wider than the word's tick field");
        // AcqRel: the Release half publishes the readiness to a task that then reads the
        // socket; the Acquire half keeps the fetch_update's read of SHUTDOWN current.
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            let bits = (current & READY_MASK) | ready.as_usize();
            Some((current & SHUTDOWN) | bits | (tick << TICK_SHIFT))
        });
        self.wake(ready);
    }

    /// Marks the resource ready for `ready` without an event from the OS, keeping the tick:
    /// for a socket known to be ready when it is registered (a fresh pair is writable, an
    /// accepted stream may have data queued), so its first operation tries the socket at once
    /// instead of waiting a reactor turn. If that operation then gets `WouldBlock`, the
    /// readiness is cleared as usual. Does nothing once shut down.
    pub(crate) fn assume_ready(&self, ready: Ready) {
        // AcqRel/Acquire as in `set_readiness`; nothing is waiting yet, so nobody is woken.
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            (current & SHUTDOWN == 0).then_some(current | ready.as_usize())
        });
    }

    /// Task: clears what `event` reported, unless a newer event arrived since.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        // Never clear the closed states: once closed, always "ready" (the next operation
        // returns the EOF or error at once).
        let clear = event.ready - Ready::READ_CLOSED - Ready::WRITE_CLOSED;
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            let tick = (current & TICK_MASK) >> TICK_SHIFT;
            if tick != event.tick {
                // A newer event: keep it.
                return None;
            }
            let bits = current & READY_MASK & !clear.as_usize();
            Some((current & !READY_MASK) | bits)
        });
    }

    /// Marks the registration shut down (the reactor is going away) and wakes everyone.
    pub(crate) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.wake(Ready::ALL);
    }

    fn event(&self, interest: Interest) -> ReadyEvent {
        let current = self.readiness.load(Acquire);
        ReadyEvent {
            tick: (current & TICK_MASK) >> TICK_SHIFT,
            ready: Ready::from_usize(current & READY_MASK).intersection(interest),
            is_shutdown: current & SHUTDOWN != 0,
        }
    }

    /// Ready for `direction`, or registers `cx`'s waker in that direction's slot.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<ReadyEvent> {
        let interest = direction.interest();
        let event = self.event(interest);
        if !event.ready.is_empty() || event.is_shutdown {
            return Poll::Ready(event);
        }
        // A waker this poll replaces is dropped after the lock (declared before the guard):
        // its destructor is user code, which must not run under the socket's lock.
        let mut _replaced: Option<Waker> = None;
        let mut waiters = self.waiters.lock();
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => _replaced = slot.replace(cx.waker().clone()),
        }
        // Check again under the lock: the reactor sets readiness before it takes the lock to
        // wake, so either we see its readiness now or it sees our waker.
        let event = self.event(interest);
        if !event.ready.is_empty() || event.is_shutdown {
            return Poll::Ready(event);
        }
        Poll::Pending
    }

    /// For a list waiter (`key`, `None` before its first poll): ready for `interest`, or
    /// (re)registers `cx`'s waker. Returns the key to keep.
    pub(crate) fn poll_list(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        key: &mut Option<usize>,
    ) -> Poll<ReadyEvent> {
        let event = self.event(interest);
        if !event.ready.is_empty() || event.is_shutdown {
            if let Some(k) = key.take() {
                // Bound first, so the entry (and its waker) is dropped after the lock.
                let removed = self.waiters.lock().list.try_remove(k);
                drop(removed);
            }
            return Poll::Ready(event);
        }
        // As in `poll_ready`: wakers taken out here are dropped after the lock.
        let mut _replaced: Option<Waker> = None;
        let mut waiters = self.waiters.lock();
        let event = self.event(interest);
        if !event.ready.is_empty() || event.is_shutdown {
            if let Some(k) = key.take() {
                _replaced = waiters.list.try_remove(k).and_then(|waiter| waiter.waker);
            }
            return Poll::Ready(event);
        }
        match key.and_then(|k| waiters.list.get_mut(k)) {
            Some(waiter) => {
                waiter.woken = false;
                match &waiter.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => _replaced = waiter.waker.replace(cx.waker().clone()),
                }
            }
            None => {
                *key = Some(waiters.list.insert(ListWaiter {
                    interest,
                    waker: Some(cx.waker().clone()),
                    woken: false,
                }));
            }
        }
        Poll::Pending
    }

    /// Drops a list waiter (its future was dropped).
    pub(crate) fn remove_list_waiter(&self, key: usize) {
        // Bound first, so the entry (and its waker) is dropped after the lock.
        let removed = self.waiters.lock().list.try_remove(key);
        drop(removed);
    }

    /// Ready for `interest` right now (no waiting)?
    pub(crate) fn ready_now(&self, interest: Interest) -> ReadyEvent {
        self.event(interest)
    }

    fn wake(&self, ready: Ready) {
        // The direction slots are the common case (a stream's reader and writer): no
        // allocation for them; only list waiters need the vector.
        let (reader, writer, listed) = {
            let mut waiters = self.waiters.lock();
            let reader = if ready.satisfies(Interest::READABLE) {
                waiters.reader.take()
            } else {
                None
            };
            let writer = if ready.satisfies(Interest::WRITABLE) {
                waiters.writer.take()
            } else {
                None
            };
            let mut listed: Vec<Waker> = Vec::new();
            for (_, waiter) in waiters.list.iter_mut() {
                if ready.satisfies(waiter.interest) || ready.is_error() {
                    if let Some(w) = waiter.waker.take() {
                        waiter.woken = true;
                        listed.push(w);
                    }
                }
            }
            (reader, writer, listed)
        };
        // Outside the lock: a woken task may poll this resource at once on another thread.
        // Contained: a waker that panics (user code) must not leave the others unwoken or
        // unwind through the reactor's turn.
        if let Some(w) = reader {
            runtime_sync::wake_contained(w);
        }
        if let Some(w) = writer {
            runtime_sync::wake_contained(w);
        }
        listed.into_iter().for_each(runtime_sync::wake_contained);
    }
}

// A panic in a waker's `clone` (the only user code that runs under the waiters' lock) leaves
// the old waker in place and the lock released (parking_lot does not poison): the state stays
// consistent, so a socket observed across a caught panic behaves as before it.
impl std::panic::UnwindSafe for ScheduledIo {}
impl std::panic::RefUnwindSafe for ScheduledIo {}

impl Drop for ScheduledIo {
    fn drop(&mut self) {
        // Nobody can be waiting (the registration is gone), but wake anyone left anyway.
        self.wake(Ready::ALL);
    }
}

#[cfg(all(test, loom))]
#[path = "scheduled_io_loom_tests.rs"]
mod loom_tests;
