//! The reactor: a mio `Poll`, the table of registrations, and the handle sockets capture.
//!
//! # Contract
//!
//! * **Tokens carry a generation.** A registration lives in a slab slot; its mio token is
//!   `slot | generation << 32`. A slot is reused only after its registration is dropped, with
//!   a new generation, so an event still in flight for the old one is recognised as stale and
//!   dropped: it can never wake the new occupant.
//! * **Readiness is cached** per registration with the tick of the reactor turn that set it
//!   (see `scheduled_io.rs`), so a task clearing readiness after `WouldBlock` cannot erase a
//!   newer event.
//! * **Waking**: events of one turn are collected under the table's read lock, then readiness
//!   is set and wakers run with no lock of the reactor held.
//! * **Interrupting the poll**: one mio `Waker` (`Handle::unpark`). A wake before the poll
//!   makes the next poll return at once.
//! * **EINTR** from the poll is retried as "no events".
//! * **Deregistration** happens when the resource is dropped (`PollEvented`'s drop).
//! * **Shutdown** marks every registration shut down and wakes its tasks; their next
//!   operation returns an error instead of waiting forever.

pub mod async_fd;
mod current;
pub(crate) mod poll_evented;
pub mod ready;
pub(crate) mod registration;
pub(crate) mod scheduled_io;

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;
use slab::Slab;

pub(crate) use self::current::spawn_blocking as current_spawn_blocking;
pub use self::current::{enter, EnterGuard};
pub(crate) use self::current::{in_runtime, try_with_current, with_current};
use self::ready::Ready;
use self::scheduled_io::ScheduledIo;

/// The token of the reactor's own waker.
const WAKER_TOKEN: mio::Token = mio::Token(usize::MAX);
const SLOT_MASK: usize = 0xFFFF_FFFF;
const GENERATION_SHIFT: u32 = 32;

/// The default number of events taken per turn (`Builder::max_io_events_per_tick`).
pub const DEFAULT_MAX_IO_EVENTS_PER_TICK: usize = 1024;

/// The reactor, owned by whichever thread turns the runtime's driver.
pub struct Driver {
    poll: mio::Poll,
    events: mio::Events,
    /// The smaller buffer of a busy turn (one that does not wait), when one was asked for.
    /// Its capacity is epoll's `maxevents`: the events a busy turn leaves stay ready in the
    /// kernel for a later turn (epoll hands them out in turn), nothing is dropped.
    busy_events: Option<mio::Events>,
    /// Counts turns, up to `TICK_MAX` and round again: the stamp of this turn's readiness.
    tick: usize,
    handle: Handle,
    /// Reused buffer: the registrations an event of this turn is for.
    dispatch: Vec<(Arc<ScheduledIo>, Ready)>,
}

/// A reference to a runtime's reactor. Cheap to clone.
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    registry: mio::Registry,
    waker: mio::Waker,
    slots: RwLock<Slab<Slot>>,
    /// How many registrations the table holds, written under its write lock. A busy turn
    /// with none skips `epoll_wait`: see `Driver::turn`.
    registrations: AtomicUsize,
    next_generation: AtomicU32,
    is_shutdown: AtomicBool,
}

// The table's lock is only held for slab inserts, removals and lookups, never while user code
// runs: a caught panic cannot leave it half-updated.
impl std::panic::UnwindSafe for Inner {}
impl std::panic::RefUnwindSafe for Inner {}

struct Slot {
    io: Arc<ScheduledIo>,
    generation: u32,
}

/// Creates a reactor taking at most `max_events` events per turn, and at most `busy_events`
/// on a busy turn (one with a zero timeout: the runtime has tasks to run).
pub fn new(max_events: usize, busy_events: usize) -> io::Result<(Driver, Handle)> {
    let max_events = max_events.max(1);
    let busy_events = busy_events.max(1);
    let poll = mio::Poll::new()?;
    let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
    let registry = poll.registry().try_clone()?;
    let handle = Handle {
        inner: Arc::new(Inner {
            registry,
            waker,
            slots: RwLock::new(Slab::new()),
            registrations: AtomicUsize::new(0),
            next_generation: AtomicU32::new(0),
            is_shutdown: AtomicBool::new(false),
        }),
    };
    Ok((
        Driver {
            poll,
            events: mio::Events::with_capacity(max_events),
            busy_events: (busy_events < max_events)
                .then(|| mio::Events::with_capacity(busy_events)),
            tick: 0,
            handle: handle.clone(),
            dispatch: Vec::new(),
        },
        handle,
    ))
}

impl Driver {
    /// Waits at most `timeout` (`None`: until an event or an unpark) for I/O events, and
    /// delivers them: readiness set, waiting tasks woken. Returns how many events it took
    /// (the reactor's own wake-up included).
    ///
    /// A busy turn (a zero `timeout`) with no registration in the table does not ask the OS:
    /// there is no readiness to deliver, and the reactor's own wake-up, if one is pending,
    /// stays in epoll for the next turn that sleeps (which then returns at once, as an unpark
    /// asks). This is the turn a task that yields in a loop causes every round (yields wait
    /// for the driver), so on a runtime without sockets it costs a load instead of a system
    /// call.
    pub fn turn(&mut self, timeout: Option<Duration>) -> usize {
        // Relaxed: a registration racing this load is seen by the next turn (every sleeping
        // turn polls whatever the count says), and its readiness stays in epoll until then.
        if timeout == Some(Duration::ZERO) && self.handle.inner.registrations.load(Relaxed) == 0 {
            return 0;
        }
        let events = match (&mut self.busy_events, timeout) {
            (Some(busy), Some(Duration::ZERO)) => busy,
            _ => &mut self.events,
        };
        match self.poll.poll(events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return 0,
            Err(e) => panic!("the I/O reactor's poll failed: {e}"),
        }
        self.tick = if self.tick == scheduled_io::TICK_MAX {
            0
        } else {
            self.tick + 1
        };
        let mut taken = 0;
        {
            let slots = self.handle.inner.slots.read();
            for event in events.iter() {
                taken += 1;
                let token = event.token();
                if token == WAKER_TOKEN {
                    continue;
                }
                // A stale event for a registration that is gone finds nothing: dropped.
                if let Some(io) = lookup(&slots, token) {
                    self.dispatch.push((io.clone(), Ready::from_mio(event)));
                }
            }
        }
        for (io, ready) in self.dispatch.drain(..) {
            io.set_readiness(self.tick, ready);
        }
        taken
    }

    /// Marks every registration shut down and wakes its tasks.
    pub fn shutdown(&mut self) {
        let all: Vec<Arc<ScheduledIo>> = {
            // The flag is set under the table's lock: see `Handle::add_source`.
            let slots = self.handle.inner.slots.read();
            self.handle.inner.is_shutdown.store(true, Release);
            slots.iter().map(|(_, s)| s.io.clone()).collect()
        };
        for io in all {
            io.shutdown();
        }
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("io::Driver")
            .field("tick", &self.tick)
            .finish_non_exhaustive()
    }
}

fn split_token(token: mio::Token) -> (usize, u32) {
    (token.0 & SLOT_MASK, (token.0 >> GENERATION_SHIFT) as u32)
}

fn make_token(slot: usize, generation: u32) -> mio::Token {
    mio::Token(slot | (generation as usize) << GENERATION_SHIFT)
}

/// The registration an event's token names, if it is still the one in that slot.
fn lookup(slots: &Slab<Slot>, token: mio::Token) -> Option<&Arc<ScheduledIo>> {
    let (slot, generation) = split_token(token);
    slots
        .get(slot)
        .filter(|entry| entry.generation == generation)
        .map(|entry| &entry.io)
}

impl Handle {
    /// Interrupts the reactor's poll (or makes the next one return at once).
    pub fn unpark(&self) {
        if let Err(e) = self.inner.waker.wake() {
            panic!("failed to wake the I/O reactor: {e}");
        }
    }

    /// Whether `self` and `other` are the same reactor.
    pub(crate) fn ptr_eq(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.inner.is_shutdown.load(Acquire)
    }

    /// Registers `source` for `interest`.
    pub(crate) fn add_source(
        &self,
        source: &mut impl mio::event::Source,
        interest: ready::Interest,
    ) -> io::Result<(Arc<ScheduledIo>, usize)> {
        let io = Arc::new(ScheduledIo::new());
        let generation = self.inner.next_generation.fetch_add(1, Relaxed);
        #[cfg(all(test, not(loom)))]
        tests::pause_before_the_table_lock();
        let slot = {
            let mut slots = self.inner.slots.write();
            // Checked under the table's lock, which `Driver::shutdown` holds while it sets the
            // flag and collects the registrations to mark: a registration is either in that
            // collection or sees the flag here. (Checked before the lock, one could slip in
            // between and wait forever on a reactor that is gone.)
            if self.is_shutdown() {
                return Err(shutdown_error());
            }
            if slots.vacant_key() > SLOT_MASK {
                return Err(io::Error::other("too many I/O registrations"));
            }
            let slot = slots.insert(Slot {
                io: io.clone(),
                generation,
            });
            self.inner.registrations.store(slots.len(), Relaxed);
            slot
        };
        let token = make_token(slot, generation);
        if let Err(e) = self
            .inner
            .registry
            .register(source, token, interest.to_mio())
        {
            let mut slots = self.inner.slots.write();
            slots.remove(slot);
            self.inner.registrations.store(slots.len(), Relaxed);
            return Err(e);
        }
        Ok((io, slot))
    }

    /// Deregisters `source` from the OS.
    pub(crate) fn deregister_source(&self, source: &mut impl mio::event::Source) -> io::Result<()> {
        self.inner.registry.deregister(source)
    }

    /// Frees the table slot of a registration (`slot`, holding `io`).
    pub(crate) fn release_slot(&self, io: &Arc<ScheduledIo>, slot: usize) {
        let mut slots = self.inner.slots.write();
        if slots.get(slot).is_some_and(|s| Arc::ptr_eq(&s.io, io)) {
            slots.remove(slot);
            self.inner.registrations.store(slots.len(), Relaxed);
        }
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("io::Handle")
            .field("registrations", &self.inner.slots.read().len())
            .finish_non_exhaustive()
    }
}

/// The error an I/O resource returns once the reactor it was registered with has shut down
/// (its runtime was dropped). Recognised by [`is_shutdown_error`].
#[derive(Debug)]
struct DriverShutdown;

impl std::fmt::Display for DriverShutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the runtime this I/O resource was registered with has shut down: create the \
             resource again on a running runtime",
        )
    }
}

impl std::error::Error for DriverShutdown {}

pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(DriverShutdown)
}

/// Whether `err` is the error an I/O resource returns because its runtime has shut down: a
/// socket whose reactor is gone, or stdio work the blocking pool cancelled at shutdown (what
/// `runtime::runtime::is_rt_shutdown_err` reports).
pub fn is_shutdown_error(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Other
        && err.get_ref().is_some_and(|inner| {
            inner.is::<DriverShutdown>() || inner.is::<crate::blocking::Cancelled>()
        })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_stale_token_never_reaches_the_registration_that_reused_its_slot() {
        let mut slots = Slab::new();
        let first = Arc::new(ScheduledIo::new());
        let slot = slots.insert(Slot {
            io: first.clone(),
            generation: 7,
        });
        let old_token = make_token(slot, 7);
        assert!(Arc::ptr_eq(lookup(&slots, old_token).unwrap(), &first));
        // The first registration goes away; a new one takes the same slot.
        slots.remove(slot);
        let second = Arc::new(ScheduledIo::new());
        let reused = slots.insert(Slot {
            io: second.clone(),
            generation: 8,
        });
        assert_eq!(reused, slot);
        assert!(
            lookup(&slots, old_token).is_none(),
            "a stale event reached a reused slot"
        );
        assert!(Arc::ptr_eq(
            lookup(&slots, make_token(slot, 8)).unwrap(),
            &second
        ));
        assert!(lookup(&slots, make_token(slot + 1, 8)).is_none());
    }

    /// A busy turn with nothing registered skips the system call and loses nothing: an
    /// unpark made before it still ends the next sleeping turn at once, and a registration
    /// made after it has its readiness delivered by the next busy turn.
    #[test]
    fn a_busy_turn_with_nothing_registered_loses_no_wake_up_and_no_readiness() {
        use std::io::Write;
        let (mut driver, handle) = new(1024, 1024).unwrap();
        handle.unpark();
        assert_eq!(
            driver.turn(Some(Duration::ZERO)),
            0,
            "nothing registered: no poll"
        );
        let start = std::time::Instant::now();
        let taken = driver.turn(Some(Duration::from_secs(30)));
        assert_eq!(taken, 1, "the pending unpark is the one event");
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "a sleeping turn slept through an unpark a skipped busy turn left pending"
        );

        let (mut ours, mut theirs) = mio::net::UnixStream::pair().unwrap();
        let (io, slot) = handle
            .add_source(&mut ours, ready::Interest::READABLE)
            .unwrap();
        theirs.write_all(b"x").unwrap();
        let mut turns = 0;
        while !io.ready_now(ready::Interest::READABLE).ready.is_readable() {
            driver.turn(Some(Duration::ZERO));
            turns += 1;
            assert!(
                turns < 1_000,
                "a busy turn never delivered a registered readiness"
            );
            std::thread::yield_now();
        }
        // Released again, the table is empty and busy turns skip the poll once more.
        handle.deregister_source(&mut ours).unwrap();
        handle.release_slot(&io, slot);
        theirs.write_all(b"y").unwrap();
        handle.unpark();
        assert_eq!(driver.turn(Some(Duration::ZERO)), 0);
    }

    /// A busy turn takes at most its smaller batch; the events it leaves come out on later
    /// turns, none lost; a waiting turn takes the full batch.
    #[test]
    fn a_busy_turn_takes_its_batch_and_leaves_the_rest_ready() {
        use std::io::Write;
        const SOURCES: usize = 10;
        let (mut driver, handle) = new(1024, 3).unwrap();
        let mut pairs = Vec::new();
        for _ in 0..SOURCES {
            let (mut ours, mut theirs) = mio::net::UnixStream::pair().unwrap();
            let (io, _) = handle
                .add_source(&mut ours, ready::Interest::READABLE)
                .unwrap();
            theirs.write_all(b"x").unwrap();
            pairs.push((ours, theirs, io));
        }
        // Registration reports writability too; only readable counts here, so look at which
        // registrations became readable after each turn.
        let readable = |pairs: &Vec<(_, _, Arc<ScheduledIo>)>| {
            pairs
                .iter()
                .filter(|(_, _, io)| io.ready_now(ready::Interest::READABLE).ready.is_readable())
                .count()
        };
        let mut busy_turns = 0;
        while readable(&pairs) < SOURCES {
            let taken = driver.turn(Some(Duration::ZERO));
            assert!(
                taken <= 3,
                "a busy turn took {taken} events, more than its batch of 3"
            );
            assert!(
                taken > 0,
                "events were left behind: {} of {SOURCES}",
                readable(&pairs)
            );
            busy_turns += 1;
        }
        assert!(
            busy_turns >= SOURCES / 3,
            "{busy_turns} busy turns took {SOURCES} events"
        );
        // A waiting turn uses the full buffer.
        for (_, theirs, _) in &mut pairs {
            theirs.write_all(b"y").unwrap();
        }
        let taken = driver.turn(Some(Duration::from_millis(100)));
        assert_eq!(
            taken, SOURCES,
            "a waiting turn takes every ready event at once"
        );
    }

    /// A task's clear that comes 256 turns late (an 8-bit tick's full circle) must not erase
    /// the newer event: with the old 8-bit tick, `1 + 256` was stamped as `1`, the stale
    /// clear matched it, and the edge was lost.
    #[test]
    fn a_clear_a_full_eight_bit_circle_late_keeps_the_newer_event() {
        use scheduled_io::Direction;
        let io = ScheduledIo::new();
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        io.set_readiness(1, Ready::READABLE);
        let std::task::Poll::Ready(seen) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("readable was not reported");
        };
        io.set_readiness(1 + 256, Ready::READABLE);
        io.clear_readiness(seen);
        assert!(
            io.poll_ready(&mut cx, Direction::Read).is_ready(),
            "a clear from 256 turns ago erased the newer event"
        );
    }

    thread_local! {
        /// Set by a test on its registering thread: `add_source` then sleeps just before it
        /// takes the table's lock, where a check made earlier would go stale.
        static PAUSE_BEFORE_THE_TABLE_LOCK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    pub(super) fn pause_before_the_table_lock() {
        if PAUSE_BEFORE_THE_TABLE_LOCK.with(|p| p.get()) {
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A registration that has not reached the table when the reactor shuts down is refused
    /// (with the flag checked before the table's lock, it was let in after the shutdown had
    /// collected the registrations to mark, and its tasks waited forever).
    #[test]
    fn a_registration_racing_shutdown_is_refused_or_marked() {
        let (mut driver, handle) = new(8, 8).unwrap();
        let registering = std::thread::spawn(move || {
            PAUSE_BEFORE_THE_TABLE_LOCK.with(|p| p.set(true));
            let (mut ours, _theirs) = mio::net::UnixStream::pair().unwrap();
            handle
                .add_source(&mut ours, ready::Interest::READABLE)
                .map(|(io, _)| io)
        });
        // Shut down while the registration sleeps before the lock.
        std::thread::sleep(Duration::from_millis(50));
        driver.shutdown();
        match registering.join().unwrap() {
            Err(e) => assert!(is_shutdown_error(&e), "unexpected error: {e}"),
            Ok(io) => assert!(
                io.ready_now(ready::Interest::READABLE).is_shutdown,
                "a registration made while the reactor shut down was never told"
            ),
        }
    }

    #[test]
    fn the_tick_wraps_to_zero_after_its_largest_value() {
        let (mut driver, handle) = new(8, 8).unwrap();
        // With nothing registered a busy turn skips the poll and the tick with it.
        let (mut ours, _theirs) = mio::net::UnixStream::pair().unwrap();
        let _registered = handle
            .add_source(&mut ours, ready::Interest::READABLE)
            .unwrap();
        driver.tick = scheduled_io::TICK_MAX;
        driver.turn(Some(Duration::ZERO));
        assert_eq!(driver.tick, 0);
        driver.turn(Some(Duration::ZERO));
        assert_eq!(driver.tick, 1);
    }

    #[test]
    fn readiness_cleared_after_a_newer_event_is_kept() {
        use scheduled_io::{Direction, ReadyEvent};
        let io = ScheduledIo::new();
        io.set_readiness(1, Ready::READABLE);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let std::task::Poll::Ready(seen) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("readable was not reported");
        };
        // A newer event arrives before the task's WouldBlock clears what it saw.
        io.set_readiness(2, Ready::READABLE);
        io.clear_readiness(seen);
        assert!(
            io.poll_ready(&mut cx, Direction::Read).is_ready(),
            "the newer event was lost"
        );
        // Clearing with the current tick does clear.
        let std::task::Poll::Ready(now) = io.poll_ready(&mut cx, Direction::Read) else {
            unreachable!()
        };
        io.clear_readiness(now);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
        let _: Option<ReadyEvent> = None;
    }

    /// A waker whose destructor touches the same socket (user code may do anything) is
    /// dropped after the socket's lock is released, for a replaced slot waker, a replaced
    /// list waker and a removed list waiter alike: before, the destructor ran under the lock
    /// and deadlocked on it.
    #[test]
    fn a_replaced_waker_is_dropped_outside_the_sockets_lock() {
        use ready::Interest;
        use scheduled_io::Direction;
        use std::task::{Context, Wake, Waker};

        struct TouchesTheSocketOnDrop(Arc<ScheduledIo>);
        impl Wake for TouchesTheSocketOnDrop {
            fn wake(self: Arc<Self>) {}
        }
        impl Drop for TouchesTheSocketOnDrop {
            fn drop(&mut self) {
                // Takes the waiters' lock.
                self.0.remove_list_waiter(usize::MAX);
            }
        }

        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let io = Arc::new(ScheduledIo::new());
            let touching = || Waker::from(Arc::new(TouchesTheSocketOnDrop(io.clone())));
            let other = Waker::noop();
            // The read slot: registered, then replaced by another waker.
            let first = touching();
            assert!(io
                .poll_ready(&mut Context::from_waker(&first), Direction::Read)
                .is_pending());
            drop(first);
            assert!(io
                .poll_ready(&mut Context::from_waker(other), Direction::Read)
                .is_pending());
            // A list waiter: registered, replaced, registered again, then removed.
            let mut key = None;
            let first = touching();
            assert!(io
                .poll_list(
                    &mut Context::from_waker(&first),
                    Interest::READABLE,
                    &mut key
                )
                .is_pending());
            drop(first);
            assert!(io
                .poll_list(
                    &mut Context::from_waker(other),
                    Interest::READABLE,
                    &mut key
                )
                .is_pending());
            let again = touching();
            assert!(io
                .poll_list(
                    &mut Context::from_waker(&again),
                    Interest::READABLE,
                    &mut key
                )
                .is_pending());
            drop(again);
            io.remove_list_waiter(key.expect("registered"));
            let _ = done_tx.send(());
        });
        done_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a waker's destructor deadlocked on the socket's lock");
    }
}
