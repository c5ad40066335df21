//! The time driver's shared state: the wheel shards, the clock, and the thread-local
//! "current" handle that timers capture when they are created.
//!
//! # Shards
//!
//! Tokio keeps one wheel behind one mutex, and every timer registration and cancellation of
//! every worker contends on it (tokio #6504). Here the wheel is split into one shard per
//! worker, each behind its own lock, and a timer files itself in the shard of the thread that
//! first polls it; the driver turns every shard. Registration and cancellation are O(1) and
//! only contend with the driver's turn of the same shard.
//!
//! # Waking the driver
//!
//! Each shard keeps `next_wake`, the tick of its earliest slot, updated under its lock. A
//! registration that files a timer earlier than that lowers it and unparks the driver (after
//! releasing the lock); any other registration wakes nobody. The driver sleeps until the
//! minimum over the shards. An unpark is never lost: the parker remembers one that arrives
//! before the park.

use runtime_sync::foundation::current;
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant as StdInstant};

use crossbeam_utils::CachePadded;

use crate::clock::Clock;
use crate::entry::{TimerShared, DONE, FIRED, MAX_TICK};
use crate::loom::{AtomicBool, AtomicU64, Mutex, Ordering::*};
use crate::wheel::Wheel;

/// `next_wake` of a shard with no timers.
const NO_WAKE: u64 = u64::MAX;
/// Wakers collected under a shard lock before it is released to wake them.
const WAKE_BATCH: usize = if cfg!(loom) {
    // One under loom, so a model of two due timers crosses the unlock/relock between batches.
    1
} else {
    32
};

/// A reference to a runtime's time driver. Cheap to clone.
#[derive(Clone)]
pub struct Handle {
    /// Padded so that the `Arc`'s reference counts, which every timer's first poll and drop
    /// changes, are not on the line of the fields every timer and every turn of the driver
    /// reads (`start`, `shards`, `processed`): sharing it, those reads missed whenever another
    /// worker had just made or dropped a timer.
    pub(crate) inner: Arc<CachePadded<Inner>>,
}

pub(crate) struct Inner {
    /// Names this driver in the registry of live drivers (see `Handle::resolve`).
    id: u64,
    /// Tick 0 (before any `origin_shift`).
    start: StdInstant,
    /// With `test-util`: how far (in nanoseconds) the timeline of ticks has been moved
    /// forward from `start`, so that each `time::pause()` freezes the clock on a tick
    /// boundary (see `align_ticks_to_clock`). Only ever grows, by less than a tick at a time.
    #[cfg(feature = "test-util")]
    origin_shift: AtomicU64,
    pub(crate) clock: Clock,
    shards: Box<[CachePadded<Shard>]>,
    is_shutdown: AtomicBool,
    /// The latest tick the driver has processed: a timer filed for it or earlier is due on
    /// arrival. (A shard's own wheel only learns the time when it has a timer due, so its
    /// `elapsed` may lag behind this.)
    processed: AtomicU64,
    /// Wakes the thread parked in the driver (installed by the runtime).
    unpark: Box<dyn Fn() + Send + Sync>,
}

struct Shard {
    wheel: Mutex<Wheel>,
    /// The tick of the shard's next due slot, `NO_WAKE` if it has no timers. Written under
    /// the lock; read without it by the driver.
    ///
    /// On a cache line of its own: the shard's worker takes the lock twice per timer (file,
    /// cancel), and every turn of the driver, on any worker, reads this. Sharing the lock's
    /// line, each of those reads missed (`timer_churn` spent a fifth of its driver turns
    /// there); alone, it is written only when the earliest slot moves.
    next_wake: CachePadded<AtomicU64>,
}

impl Handle {
    pub(crate) fn new(
        shards: usize,
        start_paused: bool,
        pause_allowed: bool,
        unpark: Box<dyn Fn() + Send + Sync>,
    ) -> Handle {
        let clock = Clock::new(start_paused, pause_allowed);
        let start = clock.now();
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let handle = Handle {
            inner: Arc::new(CachePadded::new(Inner {
                id,
                start,
                #[cfg(feature = "test-util")]
                origin_shift: AtomicU64::new(0),
                clock,
                shards: (0..shards.max(1))
                    .map(|_| {
                        CachePadded::new(Shard {
                            wheel: Mutex::new(Wheel::new()),
                            next_wake: CachePadded::new(AtomicU64::new(NO_WAKE)),
                        })
                    })
                    .collect(),
                is_shutdown: AtomicBool::new(false),
                processed: AtomicU64::new(0),
                unpark,
            })),
        };
        live_drivers().push((id, Arc::downgrade(&handle.inner)));
        handle
    }

    /// The current handle, or a panic that says how to get one.
    #[cfg(feature = "test-util")]
    #[track_caller]
    pub(crate) fn current() -> Handle {
        Handle::with_current(Handle::clone)
    }

    /// Runs `f` with the current handle (without cloning it), or panics saying how to get
    /// one.
    #[track_caller]
    pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> R {
        let found = current::with(&CURRENT, |current| match current {
            Some(Some(handle)) => Ok(f(handle)),
            Some(None) => Err(true),
            None => Err(false),
        });
        match found {
            Ok(ret) => ret,
            // Each message starts with tokio's words (code, and tokio's own tests, match on
            // them), then says what went wrong here and how to fix it.
            Err(true) => panic!(
                "A Tokio 1.x context was found, but timers are disabled. Call `enable_time` on \
                 the runtime builder to enable timers. A timer was created on a runtime without the time driver: build the runtime \
                 with `Builder::enable_time()` or `Builder::enable_all()` (the `#[runtime::main]` \
                 and `#[runtime::test]` runtimes have it)"
            ),
            Err(false) => panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x runtime: \
                 there is no runtime here to drive this timer: create timers inside a runtime \
                 (`#[runtime::main]`, `Runtime::block_on`, a spawned task) or after \
                 `Handle::enter()`"
            ),
        }
    }

    /// The number that names this driver (see [`Handle::resolve`]).
    pub(crate) fn id(&self) -> u64 {
        self.inner.id
    }

    /// The live driver named `id`: this thread's current one if it is that (the common case:
    /// no lock), else from the registry of live drivers.
    ///
    /// A timer remembers its driver by number until its first poll, so that creating and
    /// dropping one that is never polled does not touch the driver's reference count.
    #[track_caller]
    pub(crate) fn resolve(id: u64) -> Handle {
        let current = current::with(&CURRENT, |current| match current {
            Some(Some(handle)) if handle.inner.id == id => Some(handle.clone()),
            _ => None,
        });
        if let Some(handle) = current {
            return handle;
        }
        let found = live_drivers()
            .iter()
            .find(|(live, _)| *live == id)
            .and_then(|(_, inner)| inner.upgrade());
        match found {
            Some(inner) => Handle { inner },
            None => panic!(
                "a timer was polled after its runtime was dropped: the time driver is gone, so \
                 it can never fire"
            ),
        }
    }

    pub(crate) fn now(&self) -> StdInstant {
        self.inner.clock.now()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.inner.is_shutdown.load(Acquire)
    }

    /// Nanoseconds from tick 0 to `t` (zero if `t` is earlier).
    #[inline]
    fn nanos_since_origin(&self, t: StdInstant) -> u128 {
        let since = t.saturating_duration_since(self.inner.start).as_nanos();
        #[cfg(feature = "test-util")]
        let since = since.saturating_sub(u128::from(self.inner.origin_shift.load(Relaxed)));
        since
    }

    /// The tick a timer for `deadline` fires at: rounded up, so never early.
    pub(crate) fn deadline_to_tick(&self, deadline: StdInstant) -> u64 {
        let ms = self.nanos_since_origin(deadline).div_ceil(1_000_000);
        ms.min(u128::from(MAX_TICK)) as u64
    }

    /// The tick `now` falls in: rounded down.
    fn instant_to_tick(&self, now: StdInstant) -> u64 {
        let ms = self.nanos_since_origin(now) / 1_000_000;
        ms.min(u128::from(MAX_TICK)) as u64
    }

    fn tick_to_instant(&self, tick: u64) -> StdInstant {
        #[cfg(feature = "test-util")]
        let start = self.inner.start + Duration::from_nanos(self.inner.origin_shift.load(Relaxed));
        #[cfg(not(feature = "test-util"))]
        let start = self.inner.start;
        start + Duration::from_millis(tick)
    }

    /// With the clock just paused: moves the timeline of ticks forward (by less than a tick)
    /// so that the paused instant is a tick boundary. The clock itself does not move: then
    /// `advance` by whole milliseconds brings it exactly onto the tick of every timer set
    /// for a whole number of milliseconds after the pause, and those timers fire.
    ///
    /// Never early: a timer filed before the shift keeps its tick, which now stands for a
    /// later instant. Never in the past: the paused instant's tick is no earlier than any
    /// tick already processed, and a deadline after it rounds up to a later tick.
    #[cfg(feature = "test-util")]
    pub(crate) fn align_ticks_to_clock(&self) {
        let since = self.nanos_since_origin(self.now());
        let into_tick = (since % 1_000_000) as u64;
        // Relaxed: only the thread that paused the clock (the runtime's one thread) moves
        // it; a timer another thread files meanwhile with the old origin gets a tick that
        // is, if anything, later.
        self.inner.origin_shift.fetch_add(into_tick, Relaxed);
    }

    /// The shard a timer first polled on this thread goes to.
    pub(crate) fn pick_shard(&self) -> u32 {
        let n = self.inner.shards.len();
        if n == 1 {
            return 0;
        }
        SHARD_HINT.try_with(|hint| hint % n).unwrap_or(0) as u32
    }

    /// Files `timer` for `tick` in `shard`, unlinking it first if it is pending. A deadline
    /// that is already due marks the timer done instead.
    ///
    /// # Safety
    ///
    /// `timer` is pinned and stays live until it is cancelled (`cancel`); if it is pending, it
    /// is filed in `shard`.
    pub(crate) unsafe fn file(&self, shard: u32, timer: NonNull<TimerShared>, tick: u64) {
        let shard = &self.inner.shards[shard as usize];
        let mut wake_driver = false;
        {
            let mut wheel = shard.wheel.lock();
            // SAFETY: the caller's guarantees; we hold the shard lock.
            unsafe {
                let t = timer.as_ref();
                if t.state() <= MAX_TICK {
                    wheel.remove(timer);
                }
                t.arm(tick);
                // Relaxed: a stale value only files a due timer in the wheel, where the
                // driver's next turn (which `unpark` below brings) fires it.
                let due = tick <= self.inner.processed.load(Relaxed);
                if !due && wheel.insert(timer, tick) {
                    if tick < shard.next_wake.load(Relaxed) {
                        shard.next_wake.store(tick, Relaxed);
                        wake_driver = true;
                    }
                } else {
                    t.set_done();
                }
            }
        }
        if wake_driver {
            (self.inner.unpark)();
        }
    }

    /// Unlinks `timer` if it is still filed. After this returns the driver no longer touches
    /// it.
    ///
    /// # Safety
    ///
    /// `timer` is live; if it is pending, it is filed in `shard`.
    pub(crate) unsafe fn cancel(&self, shard: u32, timer: NonNull<TimerShared>) {
        // SAFETY: the caller's guarantee.
        let t = unsafe { timer.as_ref() };
        if t.state() == DONE {
            // Fired, and the driver let go of it (Acquire in `state`): no lock needed.
            return;
        }
        let mut wheel = self.inner.shards[shard as usize].wheel.lock();
        // Under the lock the state is pending (filed: unlink it) or DONE (the driver, which
        // held the lock while it was FIRED, has let go).
        let state = t.state();
        debug_assert_ne!(state, FIRED);
        if state <= MAX_TICK {
            // SAFETY: pending timers are filed in `shard` (caller), and we hold its lock.
            unsafe { wheel.remove(timer) };
        }
        t.set_done();
    }

    /// Fires every timer due on the clock now. Wakers run outside the shard locks.
    pub(crate) fn process(&self) {
        let now = self.instant_to_tick(self.now());
        self.process_at(now);
    }

    #[allow(clippy::while_let_loop)] // The unsafe `poll` needs its own SAFETY line.
    pub(crate) fn process_at(&self, now: u64) {
        // Relaxed: see `file`. Most turns fall in a tick already recorded: no write then.
        if self.inner.processed.load(Relaxed) < now {
            self.inner.processed.fetch_max(now, Relaxed);
        }
        let mut wakers: Vec<Waker> = Vec::new();
        for shard in self.inner.shards.iter() {
            // A shard with nothing due is skipped without its lock. A timer filed after this
            // load is either not due yet or was found due on arrival (and marked done).
            if shard.next_wake.load(Relaxed) > now {
                continue;
            }
            let mut wheel = shard.wheel.lock();
            loop {
                // SAFETY: we hold the lock; filed timers are live (`file`'s contract).
                let next = unsafe { wheel.poll(now) };
                let Some(timer) = next else { break };
                // SAFETY: `poll` handed out a live, unlinked timer.
                let t = unsafe { timer.as_ref() };
                match t.try_fire(now) {
                    Some(later) => {
                        // The owner moved the deadline later without the lock: re-file.
                        // SAFETY: as above; `later > now >= elapsed`, so it is filed.
                        let filed = unsafe { wheel.insert(timer, later) };
                        debug_assert!(filed);
                    }
                    None => {
                        if let Some(waker) = t.finish_fire() {
                            wakers.push(waker);
                        }
                        if wakers.len() >= WAKE_BATCH {
                            // Wake outside the lock: a waker may run arbitrary code, which
                            // may touch timers of this shard.
                            // Timers still on the pending list stay filed there, so their
                            // owners can cancel them meanwhile.
                            drop(wheel);
                            wakers.drain(..).for_each(runtime_sync::wake_contained);
                            wheel = shard.wheel.lock();
                        }
                    }
                }
            }
            let next = wheel.next_expiration_tick().unwrap_or(NO_WAKE);
            shard.next_wake.store(next, Relaxed);
            drop(wheel);
            wakers.drain(..).for_each(runtime_sync::wake_contained);
        }
    }

    /// How long the driver may sleep before the next timer is due (`None`: no timer).
    pub(crate) fn time_until_next_wake(&self) -> Option<Duration> {
        let next = self.next_wake_tick()?;
        Some(
            self.tick_to_instant(next)
                .saturating_duration_since(self.now()),
        )
    }

    pub(crate) fn next_wake_tick(&self) -> Option<u64> {
        let next = self
            .inner
            .shards
            .iter()
            .map(|s| s.next_wake.load(Relaxed))
            .min()
            .unwrap_or(NO_WAKE);
        (next != NO_WAKE).then_some(next)
    }

    /// With the clock paused: jumps it to the next timer's tick. Returns `false` if there is
    /// no timer or the clock is not paused.
    #[cfg(feature = "test-util")]
    pub(crate) fn auto_advance(&self) -> bool {
        match self.next_wake_tick() {
            Some(next) => self.inner.clock.advance_to(self.tick_to_instant(next)),
            None => false,
        }
    }

    /// Fires every timer (their owners see them elapsed) and marks the driver shut down.
    pub(crate) fn shutdown(&self) {
        self.inner.is_shutdown.store(true, Release);
        self.process_at(MAX_TICK);
    }

    /// Wakes the thread parked in the driver.
    #[cfg(feature = "test-util")]
    pub(crate) fn unpark(&self) {
        (self.inner.unpark)();
    }
}

/// Numbers drivers for the registry; 0 is never used.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Every live driver, by number, for timers polled outside their runtime's context.
static LIVE_DRIVERS: std::sync::Mutex<Vec<(u64, std::sync::Weak<CachePadded<Inner>>)>> =
    std::sync::Mutex::new(Vec::new());

fn live_drivers() -> std::sync::MutexGuard<'static, Vec<(u64, std::sync::Weak<CachePadded<Inner>>)>>
{
    // Nothing under this lock can panic halfway; a poisoned list is still consistent.
    LIVE_DRIVERS.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for Inner {
    fn drop(&mut self) {
        let id = self.id;
        live_drivers().retain(|(live, _)| *live != id);
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("time::Handle")
            .field("shards", &self.inner.shards.len())
            .field("paused", &self.inner.clock.is_paused())
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------
// The current handle.

thread_local! {
    /// `Some(None)`: inside a runtime built without the time driver.
    static CURRENT: current::Slot<Option<Handle>> = const { current::Slot::new() };
    /// Spreads threads over the shards: each thread gets the next number.
    static SHARD_HINT: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    };
}

/// Restores the previous current time handle when dropped.
#[must_use = "the handle is current only while the guard lives"]
pub struct EnterGuard {
    _current: current::EnterGuard<Option<Handle>>,
    /// `runtime-sync`'s timer hook, installed while a time handle is current (restored after
    /// the handle, in reverse order of installation).
    _timer: runtime_sync::coop::EnterTimerGuard,
}

/// Makes `handle` (or, with `None`, "a runtime without timers") this thread's current time
/// handle until the guard is dropped. For the runtime's use.
///
/// It also installs the timer hook of `runtime-sync` (which sits below this crate), so the
/// sync primitives that need a timeout (`mpsc::Sender::send_timeout`) make their sleeps on
/// this handle's driver; with `None` the hook's sleep panics as any timer would, naming
/// `enable_time()`.
pub fn enter(handle: Option<&Handle>) -> EnterGuard {
    EnterGuard {
        _current: current::enter(&CURRENT, handle.cloned()),
        _timer: runtime_sync::coop::enter_timer(sync_sleep),
    }
}

/// The timer hook of `runtime-sync`: a sleep of `duration` on this thread's current driver.
fn sync_sleep(duration: Duration) -> runtime_sync::coop::TimerSleep {
    Box::pin(crate::sleep(duration))
}

/// The time now on this thread's runtime clock (the system clock outside a runtime).
pub(crate) fn now() -> StdInstant {
    #[cfg(feature = "test-util")]
    {
        if let Some(now) = current::with(&CURRENT, |current| match current {
            Some(Some(h)) => Some(h.now()),
            _ => None,
        }) {
            return now;
        }
    }
    StdInstant::now()
}
