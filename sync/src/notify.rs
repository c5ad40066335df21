//! `Notify`: wake one task, or every waiting task, without passing data.
//!
//! # Contract
//!
//! * [`Notify::notify_one`] wakes the oldest waiting [`Notified`] (`notify_last`: the newest).
//!   If nobody waits, it stores **one** permit (several calls store one), and the next
//!   `notified().await` completes at once by consuming it.
//! * [`Notify::notify_waiters`] wakes every `Notified` that exists at the time of the call —
//!   including those created but not yet polled — and stores no permit.
//! * A `Notified` that was picked by `notify_one` and is then dropped before it completes
//!   passes the notification on (to the next waiter, or as the stored permit): dropping a
//!   future never loses a wake-up.
//! * A `Notified` joins the queue when it is first polled (or [enabled](Notified::enable)):
//!   `notify_one` can only pick futures that are in the queue.
//! * A poll that completes spends one unit of the task's cooperative budget.
//!
//! # Design
//!
//! A state word holds `EMPTY` / `WAITING` / `NOTIFIED` in its low bits and, above them, the
//! number of `notify_waiters` calls so far. The permit is stored and consumed lock-free;
//! `WAITING` is entered and left only under the waiter-list lock, and the call counter only
//! changes under it, so a `Notified` that remembers the counter from its creation can tell a
//! `notify_waiters` happened without being queued. Waiters sit in a [`WaitList`]; a notifier
//! removes the node it picks and records the outcome in the future's own [`Signal`], so a
//! woken `Notified` completes without taking the lock (`util/signal.rs` has the protocol).

use std::fmt;
use std::future::Future;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

use pin_project_lite::pin_project;

use crate::coop;
use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering::SeqCst};
use crate::util::signal::{Signal, SignalRef, PENDING};
use crate::util::wait_list::WaitList;
use crate::util::wake_contained::wake_contained;
use crate::util::wake_list::WakeList;

/// Nobody waits and no permit is stored.
const EMPTY: usize = 0;
/// At least one `Notified` is queued (the wait list is not empty).
const WAITING: usize = 1;
/// A permit is stored for the next `Notified`.
const NOTIFIED: usize = 2;
const STATE_MASK: usize = 0b11;
/// The `notify_waiters` call counter sits above the state bits.
const CALL_UNIT: usize = 1 << 2;

/// Notifies tasks: a permit that `notify_one` stores and `notified().await` takes, plus a
/// broadcast (`notify_waiters`) to everyone waiting; see the module docs for the contract.
///
/// Its state word is only touched with `SeqCst`: `Notify` is mostly used to signal "look at
/// some other shared state", and the total order makes that reasoning simple. A waiter woken
/// from the queue learns it through its own outcome word instead (release / acquire): what
/// the notifier's caller wrote before notifying is visible to the woken task.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use runtime_sync::Notify;
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let notify = Arc::new(Notify::new());
/// // Nobody waits yet: the permit is stored...
/// notify.notify_one();
/// // ...and the next waiter takes it at once.
/// block_on(notify.notified());
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

struct Waiter {
    waker: Option<Waker>,
    /// The queued future's outcome; set by the notifier that removes this node.
    signal: SignalRef,
}

/// Outcome of a `Notified` picked by `notify_one`: it must be passed on (to the oldest
/// waiter) if the future is dropped before it reports it.
const PICKED_ONE: usize = 1;
/// Outcome of a `Notified` woken by `notify_waiters`.
const WOKEN_ALL: usize = 2;
/// Outcome of a `Notified` picked by `notify_last`: passed on to the newest waiter if the
/// future is dropped before it reports it.
const PICKED_LAST: usize = 3;

#[derive(Clone, Copy)]
enum Strategy {
    /// The oldest waiter (`notify_one`).
    Fifo,
    /// The newest waiter (`notify_last`).
    Lifo,
}

impl Strategy {
    /// The outcome that records a waiter picked this way.
    fn outcome(self) -> usize {
        match self {
            Strategy::Fifo => PICKED_ONE,
            Strategy::Lifo => PICKED_LAST,
        }
    }
}

pin_project! {
    /// The future of [`Notify::notified`]: completes when notified.
    ///
    /// It is `!Unpin` (it may sit in the `Notify`'s queue); pin it to poll it by hand, or to
    /// call [`enable`](Notified::enable).
    #[must_use = "futures do nothing unless polled"]
    pub struct Notified<'a> {
        notify: &'a Notify,
        #[pin]
        inner: Waiting,
    }

    impl PinnedDrop for Notified<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.notify.drop_waiting(this.inner);
        }
    }
}

pin_project! {
    /// The future of [`Notify::notified_owned`]: like [`Notified`], owning a reference to the
    /// `Notify`.
    #[must_use = "futures do nothing unless polled"]
    pub struct OwnedNotified {
        notify: Arc<Notify>,
        #[pin]
        inner: Waiting,
    }

    impl PinnedDrop for OwnedNotified {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.notify.drop_waiting(this.inner);
        }
    }
}

pin_project! {
    /// The state a `Notified` keeps: the `notify_waiters` calls when it was created, its
    /// stage, and the `signal` where a notifier records the outcome once it is queued.
    #[derive(Debug)]
    struct Waiting {
        calls: usize,
        stage: Stage,
        #[pin]
        signal: Signal,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Init,
    /// In the wait list under this key, unless `signal` says a notifier removed it.
    Queued(usize),
    Done,
}

fn calls(state: usize) -> usize {
    state & !STATE_MASK
}

impl Notify {
    /// A `Notify` with no permit stored.
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// [`new`](Self::new) in a `const` context (a `static`).
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// A future that completes when this `Notify` is notified. It waits in the queue from
    /// its first poll (or [`Notified::enable`]); `notify_waiters` reaches it from the moment
    /// it is created.
    ///
    /// Cancel-safe: dropping it loses no notification (one it had received is passed on).
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            inner: self.new_waiting(),
        }
    }

    /// [`notified`](Self::notified) for a `Notify` in an `Arc`: the future owns a reference,
    /// so it is `'static`.
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        let inner = self.new_waiting();
        OwnedNotified {
            notify: self,
            inner,
        }
    }

    fn new_waiting(&self) -> Waiting {
        Waiting {
            calls: calls(self.state.load(SeqCst)),
            stage: Stage::Init,
            signal: Signal::new(),
        }
    }

    /// Wakes the oldest waiting task, or stores a permit if none waits (at most one is
    /// stored).
    pub fn notify_one(&self) {
        self.notify(Strategy::Fifo);
    }

    /// Wakes the newest waiting task, or stores a permit if none waits.
    pub fn notify_last(&self) {
        self.notify(Strategy::Lifo);
    }

    fn notify(&self, strategy: Strategy) {
        let mut cur = self.state.load(SeqCst);
        // Without waiters, storing the permit is one CAS and no lock.
        while cur & STATE_MASK != WAITING {
            // NOTIFIED -> NOTIFIED too: the CAS orders this call after the permit's taker.
            match self
                .state
                .compare_exchange(cur, calls(cur) | NOTIFIED, SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let waiters = self.waiters.lock();
        if let Some(waker) = self.notify_locked(waiters, strategy) {
            // The picked waiter's waker may panic: that is its owner's fault, not the
            // notifier's.
            wake_contained(waker);
        }
    }

    /// Notifies one waiter (or stores the permit); returns the waker to wake after the lock
    /// (which this releases) is gone.
    fn notify_locked(
        &self,
        mut waiters: MutexGuard<'_, WaitList<Waiter>>,
        strategy: Strategy,
    ) -> Option<Waker> {
        let mut cur = self.state.load(SeqCst);
        loop {
            if cur & STATE_MASK == WAITING {
                break;
            }
            match self
                .state
                .compare_exchange(cur, calls(cur) | NOTIFIED, SeqCst, SeqCst)
            {
                Ok(_) => return None,
                Err(actual) => cur = actual,
            }
        }
        let key = match strategy {
            Strategy::Fifo => waiters.pop_front(),
            Strategy::Lifo => waiters.pop_back(),
        }
        .expect("WAITING with an empty wait list");
        let waiter = waiters.remove(key);
        if waiters.is_empty() {
            // WAITING is left only under the lock; nothing else changes the word meanwhile.
            self.state.store(calls(cur) | EMPTY, SeqCst);
        }
        // SAFETY: we hold the lock and have just removed the node that held the reference
        // (the protocol of `util/signal.rs`).
        unsafe { waiter.signal.set(strategy.outcome()) };
        drop(waiters);
        waiter.waker
    }

    /// Wakes every task waiting now, and every `Notified` created before this call that has
    /// not completed; stores no permit.
    pub fn notify_waiters(&self) {
        let mut waiters = self.waiters.lock();
        let cur = self.state.load(SeqCst);
        if cur & STATE_MASK == WAITING {
            // Every queued waiter is woken below, so the state goes to EMPTY with the count.
            self.state
                .store(calls(cur).wrapping_add(CALL_UNIT) | EMPTY, SeqCst);
        } else {
            // A permit may be stored or taken concurrently (lock-free): add, don't store.
            self.state.fetch_add(CALL_UNIT, SeqCst);
        }
        let mut wake = WakeList::new();
        while let Some(key) = waiters.pop_front() {
            let waiter = waiters.remove(key);
            // SAFETY: we hold the lock and have just removed the node that held the
            // reference (the protocol of `util/signal.rs`).
            unsafe { waiter.signal.set(WOKEN_ALL) };
            if let Some(waker) = waiter.waker {
                wake.push(waker);
            }
        }
        drop(waiters);
        wake.wake_all();
    }

    /// One step of a `Notified`: `Ready` once notified. `waker` is `None` for `enable`.
    fn poll_waiting(&self, waiting: Pin<&mut Waiting>, waker: Option<&Waker>) -> Poll<()> {
        let waiting = waiting.project();
        match *waiting.stage {
            Stage::Done => Poll::Ready(()),
            Stage::Init => {
                let mut cur = self.state.load(SeqCst);
                // Lock-free first: a `notify_waiters` since creation, or a stored permit.
                loop {
                    if calls(cur) != *waiting.calls {
                        *waiting.stage = Stage::Done;
                        return Poll::Ready(());
                    }
                    if cur & STATE_MASK != NOTIFIED {
                        break;
                    }
                    match self
                        .state
                        .compare_exchange(cur, calls(cur) | EMPTY, SeqCst, SeqCst)
                    {
                        Ok(_) => {
                            *waiting.stage = Stage::Done;
                            return Poll::Ready(());
                        }
                        Err(actual) => cur = actual,
                    }
                }
                // Clone before taking the lock: a waker's clone may run arbitrary code.
                let waker = waker.cloned();
                let mut waiters = self.waiters.lock();
                let mut cur = self.state.load(SeqCst);
                loop {
                    if calls(cur) != *waiting.calls {
                        *waiting.stage = Stage::Done;
                        return Poll::Ready(());
                    }
                    let next = match cur & STATE_MASK {
                        NOTIFIED => calls(cur) | EMPTY,
                        EMPTY => calls(cur) | WAITING,
                        _ => break,
                    };
                    match self.state.compare_exchange(cur, next, SeqCst, SeqCst) {
                        Ok(_) if cur & STATE_MASK == NOTIFIED => {
                            *waiting.stage = Stage::Done;
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => cur = actual,
                    }
                }
                let key = waiters.push_back(Waiter {
                    waker,
                    signal: waiting.signal.as_ref().to_ref(),
                });
                *waiting.stage = Stage::Queued(key);
                Poll::Pending
            }
            Stage::Queued(key) => {
                // Woken: the notifier removed our node and left the outcome; no lock.
                if waiting.signal.get() != PENDING {
                    *waiting.stage = Stage::Done;
                    return Poll::Ready(());
                }
                let mut waiters = self.waiters.lock();
                // Outcomes are set under the lock: PENDING now means we are still queued.
                if waiting.signal.get() != PENDING {
                    drop(waiters);
                    *waiting.stage = Stage::Done;
                    return Poll::Ready(());
                }
                if let Some(waker) = waker {
                    match &mut waiters.get_mut(key).waker {
                        Some(current) if current.will_wake(waker) => {}
                        slot => {
                            let old = slot.replace(waker.clone());
                            drop(waiters);
                            drop(old);
                        }
                    }
                }
                Poll::Pending
            }
        }
    }

    /// A `Notified` going away: leave the queue if still in it, and pass on a notification
    /// it was picked for but never reported.
    fn drop_waiting(&self, waiting: Pin<&mut Waiting>) {
        let waiting = waiting.project();
        let Stage::Queued(key) = *waiting.stage else {
            return;
        };
        *waiting.stage = Stage::Done;
        let outcome = waiting.signal.get();
        if outcome == WOKEN_ALL {
            return;
        }
        let mut waiters = self.waiters.lock();
        // Read again under the lock: PENDING now means our node is still in the list, and
        // must leave it before our memory goes.
        if waiting.signal.get() == PENDING {
            let removed = waiters.remove(key);
            if waiters.is_empty() {
                let cur = self.state.load(SeqCst);
                if cur & STATE_MASK == WAITING {
                    self.state.store(calls(cur) | EMPTY, SeqCst);
                }
            }
            drop(waiters);
            // After the lock: a waker's drop may run user code that uses this `Notify`.
            drop(removed);
            return;
        }
        // Pass the notification on the way it came: `notify_last` picks the newest waiter
        // again, `notify_one` the oldest.
        let strategy = match waiting.signal.get() {
            PICKED_ONE => Strategy::Fifo,
            PICKED_LAST => Strategy::Lifo,
            _ => return,
        };
        if let Some(waker) = self.notify_locked(waiters, strategy) {
            // Contained: this runs in a destructor, maybe while unwinding, where a second
            // panic would abort.
            wake_contained(waker);
        }
    }

    fn poll_notified(&self, waiting: Pin<&mut Waiting>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        ready!(self.poll_waiting(waiting, Some(cx.waker())));
        coop.made_progress();
        Poll::Ready(())
    }
}

impl<'a> Notified<'a> {
    /// Joins the queue without a waker, so that `notify_one` can pick this future before it
    /// is first polled. Returns `true` if it is already notified (then awaiting it completes
    /// at once).
    ///
    /// ```
    /// use runtime_sync::Notify;
    ///
    /// let notify = Notify::new();
    /// let mut waiter = std::pin::pin!(notify.notified());
    /// assert!(!waiter.as_mut().enable());
    /// notify.notify_one();
    /// // Picked while enabled: the permit went to this future, not into storage.
    /// assert!(waiter.as_mut().enable());
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.project();
        this.notify.poll_waiting(this.inner, None).is_ready()
    }
}

impl OwnedNotified {
    /// Like [`Notified::enable`].
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.project();
        this.notify.poll_waiting(this.inner, None).is_ready()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        this.notify.poll_notified(this.inner, cx)
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        this.notify.poll_notified(this.inner, cx)
    }
}

// `Notify` keeps no user data, and every method leaves its state consistent at each point a
// waker (user code) can run or panic, so observing it after a caught panic is sound (tokio
// promises the same).
impl UnwindSafe for Notify {}
impl RefUnwindSafe for Notify {}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(SeqCst);
        f.debug_struct("Notify")
            .field(
                "state",
                &match state & STATE_MASK {
                    EMPTY => "empty",
                    WAITING => "waiting",
                    _ => "notified",
                },
            )
            .finish()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("stage", &self.inner.stage)
            .finish()
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("stage", &self.inner.stage)
            .finish()
    }
}
