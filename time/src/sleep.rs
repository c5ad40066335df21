//! `Sleep`, `sleep` and `sleep_until`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use runtime_sync::coop;

use crate::entry::TimerShared;
use crate::handle::Handle;
use crate::Instant;

/// Waits until `duration` has elapsed.
///
/// Equivalent to `sleep_until(Instant::now() + duration)`; a duration too large to add is
/// "never". The timer has millisecond granularity and never completes early.
///
/// # Panics
///
/// Panics if called outside a runtime, or on a runtime built without the time driver
/// (`Builder::enable_time()` / `enable_all()`): the message names the fix.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::time::{sleep, Duration, Instant};
///
/// let start = Instant::now();
/// sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # }
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let (driver, now) = Handle::with_current(|h| (h.id(), h.now()));
    let deadline = Instant::from_std(now)
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Sleep::new(driver, deadline)
}

/// Waits until `deadline` is reached.
///
/// # Panics
///
/// As [`sleep`].
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Handle::with_current(Handle::id), deadline)
}

pin_project! {
    /// A future that completes at a deadline: returned by [`sleep`] and [`sleep_until`].
    ///
    /// Creating one captures which runtime's timers it belongs to (without touching any
    /// shared state: no lock, no reference count); the first poll files it in that runtime's
    /// timer wheel. Dropping it cancels it (O(1)); dropping one that was never
    /// polled, or has fired, takes no lock. [`reset`](Sleep::reset) to a later deadline takes
    /// no lock either.
    ///
    /// Each poll spends one unit of the task's cooperative budget.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sleep {
        // The driver this timer belongs to, by number until the first poll resolves it.
        driver: u64,
        handle: Option<Handle>,
        deadline: Instant,
        // Owner-only: whether `shared` has been filed (is pending or done in `shard`).
        registered: bool,
        shard: u32,
        #[pin]
        shared: TimerShared,
    }

    impl PinnedDrop for Sleep {
        fn drop(this: Pin<&mut Self>) {
            let me = this.project();
            if let (true, Some(handle)) = (*me.registered, me.handle.as_ref()) {
                let timer = NonNull::from(&*me.shared);
                // SAFETY: the timer is pinned and live for this call; if pending, it is filed
                // in `shard` (where `poll` filed it). After `cancel` the driver no longer
                // touches it, so its memory may go.
                unsafe { handle.cancel(*me.shard, timer) };
            }
        }
    }
}

impl Sleep {
    pub(crate) fn new(driver: u64, deadline: Instant) -> Sleep {
        Sleep {
            driver,
            handle: None,
            deadline,
            registered: false,
            shard: 0,
            shared: TimerShared::new(),
        }
    }

    /// The instant at which the future completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached (the timer fired). `false` until the first poll.
    pub fn is_elapsed(&self) -> bool {
        self.registered && self.shared.is_elapsed()
    }

    /// Moves the deadline to `deadline`, whether or not the timer has fired: the future
    /// becomes pending again until the new deadline.
    ///
    /// A later deadline on a pending timer takes no lock: the wheel re-files the timer when
    /// its old slot comes due.
    ///
    /// ```
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use runtime::time::{sleep, Duration, Instant};
    ///
    /// let sleep = sleep(Duration::from_secs(3600));
    /// runtime::pin!(sleep);
    /// sleep.as_mut().reset(Instant::now() + Duration::from_millis(5));
    /// sleep.await;
    /// # }
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let me = self.project();
        *me.deadline = deadline;
        let Some(handle) = me.handle.as_ref().filter(|_| *me.registered) else {
            // Not filed yet: the first poll files the new deadline.
            return;
        };
        let tick = handle.deadline_to_tick(deadline.into_std());
        if me.shared.try_extend(tick) {
            return;
        }
        let timer = NonNull::from(&*me.shared);
        // SAFETY: pinned and live until our drop cancels it; if pending it is in `shard`.
        unsafe { handle.file(*me.shard, timer, tick) };
    }

    /// Moves the deadline to `deadline` and takes the timer out of the wheel: it is filed
    /// again by the next poll, with that poll's waker. Until then nothing wakes the owner:
    /// an [`Interval`](crate::Interval) that has just ticked uses this, so a task that does
    /// not poll it again is not woken for the next tick (as tokio's).
    ///
    /// On a timer that has fired (the interval's case) this takes no lock.
    pub(crate) fn reset_unfiled(self: Pin<&mut Self>, deadline: Instant) {
        let me = self.project();
        *me.deadline = deadline;
        if !*me.registered {
            return;
        }
        if let Some(handle) = me.handle.as_ref() {
            let timer = NonNull::from(&*me.shared);
            // SAFETY: pinned and live; if pending, it is filed in `shard`. Afterwards the
            // driver no longer touches it, so it may be filed afresh.
            unsafe { handle.cancel(*me.shard, timer) };
        }
        *me.registered = false;
    }

    pub(crate) fn poll_elapsed(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let me = self.project();
        let driver = *me.driver;
        let handle = me.handle.get_or_insert_with(|| Handle::resolve(driver));
        if handle.is_shutdown() {
            // tokio's words first (code, and tokio's own tests, match on them), then ours.
            panic!(
                "A Tokio 1.x context was found, but it is being shutdown. A timer was polled \
                 after its runtime shut down: the time driver is gone, so \
                 it can never fire"
            );
        }
        let coop = ready!(coop::poll_proceed(cx));
        if !*me.registered {
            // Register the waker first, so the driver finds it if the timer fires at once.
            me.shared.register_waker(cx.waker());
            let tick = handle.deadline_to_tick(me.deadline.into_std());
            *me.shard = handle.pick_shard();
            *me.registered = true;
            let timer = NonNull::from(&*me.shared);
            // SAFETY: pinned; stays live until our drop cancels it; it was never filed.
            unsafe { handle.file(*me.shard, timer, tick) };
        } else {
            me.shared.register_waker(cx.waker());
        }
        // The waker is registered before this check: a firing after it wakes the new waker.
        if me.shared.is_elapsed() {
            coop.made_progress();
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_elapsed(cx)
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.registered)
            .finish_non_exhaustive()
    }
}
