//! The fair semaphore behind `Semaphore`, `Mutex`, `RwLock`, `OnceCell` and bounded `mpsc`.
//!
//! # Contract
//!
//! * **FIFO.** Waiters are served in arrival order, and a waiter that needs many permits
//!   holds back every later one, however few they need: a writer of an `RwLock` (which takes
//!   every permit) is never starved by readers. `try_acquire` does not jump the queue either.
//! * **Partial assignment, full refund.** Released permits go to the oldest waiter first,
//!   even if that is not yet enough for it; a waiter dropped before it completes gives back
//!   everything it had been handed, which flows on to the next waiter. So cancelling an
//!   `acquire` never loses permits.
//! * **Close.** After `close`, every pending and future `acquire` fails; permits can still be
//!   released and counted.
//! * **Budget.** A poll of [`Acquire`] that returns `Ready(Ok)` spends one unit of the task's
//!   cooperative budget. The permits (or the place in the queue) are taken first, so a task
//!   whose budget is spent does not lose its turn to a later waiter.
//!
//! # Design
//!
//! One atomic word holds the available permits (shifted left by two) and two flags: `CLOSED`,
//! and `WAITERS`, set while the wait list is not empty. Waiters sit in a [`WaitList`] under a
//! mutex. The word is the fast path: acquiring and releasing without waiters is one CAS, with
//! no lock. `WAITERS` is set and cleared only under the lock, and while it is set the count in
//! the word is zero and every release takes the lock and hands its permits to the waiters.
//! That is what makes the queue fair: once someone waits, nobody takes permits past them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use crate::coop;
use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering::*};
use crate::util::wait_list::WaitList;
use crate::util::wake_list::WakeList;

/// The semaphore is closed: every acquire fails.
const CLOSED: usize = 0b01;
/// Somebody waits: releases must go through the lock, to the waiters.
const WAITERS: usize = 0b10;
/// The permit count sits above the flag bits.
const SHIFT: u32 = 2;

/// The most permits a semaphore can hold (three bits of the word are reserved).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// A fair, counting semaphore whose `acquire` is a future; see the module docs.
pub(crate) struct Semaphore {
    /// `permits << SHIFT | WAITERS | CLOSED`.
    permits: AtomicUsize,
    waiters: Mutex<Waitlist>,
}

struct Waitlist {
    queue: WaitList<Waiter>,
    closed: bool,
}

/// One pending `acquire`.
struct Waiter {
    /// Permits this waiter still needs; `0` once it is satisfied (and unlinked).
    needed: usize,
    waker: Option<Waker>,
}

/// The error of an `acquire` on a closed semaphore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

/// Why a `try_acquire` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore is closed.
    Closed,
    /// Not enough permits are available right now (or others are already waiting for them).
    NoPermits,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// Panics if `permits` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than {MAX_PERMITS} permits (asked for {permits})"
        );
        Semaphore {
            permits: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waitlist {
                queue: WaitList::new(),
                closed: false,
            }),
        }
    }

    /// `new` in a `const` context.
    #[cfg(not(loom))]
    #[track_caller]
    pub(crate) const fn const_new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than usize::MAX >> 3 permits"
        );
        Semaphore {
            permits: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waitlist {
                queue: WaitList::new(),
                closed: false,
            }),
        }
    }

    /// Permits available right now.
    pub(crate) fn available_permits(&self) -> usize {
        self.permits.load(Acquire) >> SHIFT
    }

    /// Whether some acquire is queued (so permits go to it first). A hint for spinners.
    pub(crate) fn has_waiters(&self) -> bool {
        self.permits.load(Relaxed) & WAITERS == WAITERS
    }

    /// Whether [`close`](Self::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.permits.load(Acquire) & CLOSED == CLOSED
    }

    /// Takes `n` permits if they are available and nobody is waiting.
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut cur = self.permits.load(Acquire);
        loop {
            if cur & CLOSED == CLOSED {
                return Err(TryAcquireError::Closed);
            }
            if n == 0 {
                return Ok(());
            }
            if cur & WAITERS == WAITERS || cur >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            // Acquire on success: whatever the releaser of these permits did before releasing
            // them (a guard's writes) happens before what we do with them.
            match self
                .permits
                .compare_exchange_weak(cur, cur - (n << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// A future that takes `n` permits, waiting for them in FIFO order.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            num_permits: n,
            state: AcquireState::Init,
        }
    }

    /// Gives `n` permits back (or adds new ones): to the waiters first, oldest first.
    ///
    /// # Panics
    ///
    /// Panics if the count would exceed [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut cur = self.permits.load(Relaxed);
        loop {
            if cur & WAITERS == WAITERS {
                let waiters = self.waiters.lock();
                return self.release_locked(n, waiters);
            }
            let available = cur >> SHIFT;
            assert!(
                n <= MAX_PERMITS - available,
                "adding {n} permits to a semaphore holding {available} would exceed its \
                 maximum of {MAX_PERMITS}"
            );
            // Release: publishes what the releaser did to whoever acquires these permits.
            match self
                .permits
                .compare_exchange_weak(cur, cur + (n << SHIFT), Release, Relaxed)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Hands `n` permits to the waiters, oldest first; what is left (if the queue empties)
    /// goes back into the word, clearing `WAITERS`. Wakes the satisfied waiters after
    /// unlocking.
    fn release_locked(&self, mut n: usize, mut waiters: MutexGuard<'_, Waitlist>) {
        let mut wake = WakeList::new();
        while n > 0 {
            let Some(key) = waiters.queue.front() else {
                break;
            };
            let waiter = waiters.queue.get_mut(key);
            let given = n.min(waiter.needed);
            waiter.needed -= given;
            n -= given;
            if waiter.needed > 0 {
                // Not enough for the oldest waiter: it keeps what it got, and everyone
                // behind it keeps waiting.
                break;
            }
            if let Some(waker) = waiter.waker.take() {
                wake.push(waker);
            }
            waiters.queue.pop_front();
        }
        if waiters.queue.is_empty() {
            // Nobody waits any more: the rest goes into the word, and the fast paths open
            // again. Under the lock, so no acquirer can be between its check and its enqueue.
            let mut cur = self.permits.load(Relaxed);
            loop {
                let available = cur >> SHIFT;
                assert!(
                    n <= MAX_PERMITS - available,
                    "adding {n} permits to a semaphore holding {available} would exceed its \
                     maximum of {MAX_PERMITS}"
                );
                let next = (cur & !WAITERS) + (n << SHIFT);
                match self
                    .permits
                    .compare_exchange_weak(cur, next, Release, Relaxed)
                {
                    Ok(_) => break,
                    Err(actual) => cur = actual,
                }
            }
        }
        drop(waiters);
        wake.wake_all();
    }

    /// Removes up to `n` available permits for good; returns how many were removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let mut cur = self.permits.load(Relaxed);
        loop {
            let taken = (cur >> SHIFT).min(n);
            // The flags stay as they are (tokio's version loses `CLOSED` here; ours keeps it).
            match self
                .permits
                .compare_exchange_weak(cur, cur - (taken << SHIFT), AcqRel, Relaxed)
            {
                Ok(_) => return taken,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Closes the semaphore: pending and future acquires fail.
    pub(crate) fn close(&self) {
        let mut waiters = self.waiters.lock();
        // Under the lock, so that an acquirer that checked the flag under the lock before us
        // is already queued (and is woken below), and one after us sees it.
        self.permits.fetch_or(CLOSED, Release);
        waiters.closed = true;
        let mut wake = WakeList::new();
        while let Some(key) = waiters.queue.pop_front() {
            if let Some(waker) = waiters.queue.get_mut(key).waker.take() {
                wake.push(waker);
            }
        }
        drop(waiters);
        wake.wake_all();
    }

    /// The first poll of an acquire: the fast path, then the queue.
    fn acquire_or_enqueue(&self, cx: &mut Context<'_>, n: usize) -> FirstPoll {
        match self.try_acquire(n) {
            Ok(()) => return FirstPoll::Acquired,
            Err(TryAcquireError::Closed) => return FirstPoll::Closed,
            Err(TryAcquireError::NoPermits) => {}
        }
        // Cloned before anything changes: a waker's clone may run user code and panic, which
        // must not leave permits taken or `WAITERS` set for a waiter that never queued.
        let waker = cx.waker().clone();
        let mut waiters = self.waiters.lock();
        let mut cur = self.permits.load(Acquire);
        loop {
            if cur & CLOSED == CLOSED {
                return FirstPoll::Closed;
            }
            let available = cur >> SHIFT;
            if cur & WAITERS == 0 && available >= n {
                match self
                    .permits
                    .compare_exchange_weak(cur, cur - (n << SHIFT), AcqRel, Acquire)
                {
                    Ok(_) => return FirstPoll::Acquired,
                    Err(actual) => {
                        cur = actual;
                        continue;
                    }
                }
            }
            // Take what there is (zero if others wait already: the count is zero then) and
            // announce that we wait, in one step.
            let taken = available;
            let next = (cur - (taken << SHIFT)) | WAITERS;
            match self
                .permits
                .compare_exchange_weak(cur, next, AcqRel, Acquire)
            {
                Ok(_) => {
                    let key = waiters.queue.push_back(Waiter {
                        needed: n - taken,
                        waker: Some(waker),
                    });
                    return FirstPoll::Queued(key);
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// A later poll of a queued acquire.
    fn poll_acquire_queued(
        &self,
        cx: &mut Context<'_>,
        key: usize,
        n: usize,
    ) -> Poll<Result<(), AcquireError>> {
        let mut waiters = self.waiters.lock();
        if waiters.closed {
            // Closed wins, even over permits already handed to us (as with tokio): give back
            // what we had, to the (now failing) others or the count.
            let waiter = waiters.queue.remove(key);
            self.release_locked(n - waiter.needed, waiters);
            return Poll::Ready(Err(AcquireError(())));
        }
        if waiters.queue.get(key).needed == 0 {
            waiters.queue.remove(key);
            return Poll::Ready(Ok(()));
        }
        match &mut waiters.queue.get_mut(key).waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => {
                let old = slot.replace(cx.waker().clone());
                drop(waiters);
                // Dropped outside the lock: a waker's drop may run arbitrary code.
                drop(old);
            }
        }
        Poll::Pending
    }

    /// An acquire dropped while queued: leave the queue and give back what it was handed.
    fn cancel(&self, key: usize, n: usize) {
        let mut waiters = self.waiters.lock();
        let waiter = waiters.queue.remove(key);
        // Always through `release_locked`, even with nothing to give back: if this was the
        // last waiter, `WAITERS` must be cleared.
        self.release_locked(n - waiter.needed, waiters);
    }
}

/// What the first poll of an acquire did.
enum FirstPoll {
    Acquired,
    Closed,
    /// Waits, with this key in the wait list.
    Queued(usize),
}

/// The future of [`Semaphore::acquire`]: `Ok(())` once it holds its permits.
///
/// It takes its permits (or its place in the queue) before it looks at the cooperative
/// budget: a task whose budget is spent still keeps its turn, and only the report of success
/// waits for the next poll. Dropping it while it waits, or while it holds permits it has not
/// reported yet, returns them.
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    num_permits: usize,
    state: AcquireState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AcquireState {
    /// Not polled yet.
    Init,
    /// In the wait list under this key.
    Queued(usize),
    /// Holds every permit, but the budget was spent: reports success on the next poll.
    Held,
    /// Completed: the permits belong to the caller now (or the semaphore was closed).
    Done,
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (semaphore, n) = (self.semaphore, self.num_permits);
        match self.state {
            AcquireState::Init => match semaphore.acquire_or_enqueue(cx, n) {
                FirstPoll::Queued(key) => {
                    self.state = AcquireState::Queued(key);
                    return Poll::Pending;
                }
                FirstPoll::Acquired => self.state = AcquireState::Held,
                FirstPoll::Closed => {
                    self.state = AcquireState::Done;
                    return Poll::Ready(Err(AcquireError(())));
                }
            },
            AcquireState::Queued(key) => {
                let result = ready!(semaphore.poll_acquire_queued(cx, key, n));
                if result.is_err() {
                    self.state = AcquireState::Done;
                    return Poll::Ready(result);
                }
                self.state = AcquireState::Held;
            }
            AcquireState::Held if semaphore.is_closed() => {
                // Closed while the budget kept us from reporting: fail, as a queued acquire
                // would.
                self.state = AcquireState::Done;
                semaphore.release(n);
                return Poll::Ready(Err(AcquireError(())));
            }
            AcquireState::Held => {}
            AcquireState::Done => panic!("`Acquire` polled after it completed"),
        }
        // The permits are ours; report them only if the budget allows (else the task was
        // woken, and the next poll reports them without touching the semaphore).
        let coop = ready!(coop::poll_proceed(cx));
        coop.made_progress();
        self.state = AcquireState::Done;
        Poll::Ready(Ok(()))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        match self.state {
            AcquireState::Queued(key) => self.semaphore.cancel(key, self.num_permits),
            AcquireState::Held => self.semaphore.release(self.num_permits),
            AcquireState::Init | AcquireState::Done => {}
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.permits.load(Relaxed);
        f.debug_struct("Semaphore")
            .field("permits", &(word >> SHIFT))
            .field("closed", &(word & CLOSED == CLOSED))
            .field("waiters", &(word & WAITERS == WAITERS))
            .finish()
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("num_permits", &self.num_permits)
            .field("state", &self.state)
            .finish()
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}
