//! Cooperative scheduling: the per-poll budget and the "inside a runtime" flag.
//!
//! # The contract
//!
//! A runtime gives every task poll a budget of [`BUDGET`] units. Every resource that can
//! complete without waiting (a channel receive, a lock, a timer, a socket, a `JoinHandle`)
//! calls [`poll_proceed`] before it does its work: that spends one unit, and once the budget is
//! spent it returns `Pending` (after waking the task), so a task that always finds its
//! resources ready still yields to the scheduler. If the resource then turns out not to be ready
//! after all, dropping the returned [`RestoreOnPending`] without calling
//! [`made_progress`](RestoreOnPending::made_progress) gives the unit back.
//!
//! What is guaranteed: under a runtime, a task that performs more than [`BUDGET`] budgeted
//! operations in one poll is forced to yield. What is a hint: the exact count — a resource may
//! check the budget more than once per operation, and code outside any runtime (a foreign
//! executor, a plain thread) runs unconstrained, so every primitive in this crate works under
//! any executor.
//!
//! This module is also the bottom of the dependency graph's thread-local context: the
//! scheduler marks the threads it owns as "inside a runtime" through [`enter_runtime`], and the
//! `blocking_*` methods and `block_on` check [`is_in_runtime`] so that blocking a worker thread
//! becomes a clear panic instead of a deadlock. It also carries the *timer hook*: the crate
//! that owns the timers installs, through [`enter_timer`], a function that turns a duration
//! into a sleep on the current time driver, for the few primitives that need a timeout
//! (`mpsc::Sender::send_timeout`) without this crate depending on a timer.

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// The number of budgeted operations a task may perform in one poll before it is forced to
/// yield.
pub const BUDGET: u8 = 128;

/// A budget: `None` is unconstrained (outside a runtime, or inside [`unconstrained`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget(Option<u8>);

impl Budget {
    const UNCONSTRAINED: Budget = Budget(None);
    const INITIAL: Budget = Budget(Some(BUDGET));
}

/// Whether the current thread is running a runtime's scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuntimeState {
    NotEntered,
    /// `allow_block_in_place`: the thread blocks in a multi-thread runtime's `block_on`,
    /// where handing work to another thread is possible, rather than driving a
    /// current-thread scheduler.
    Entered {
        allow_block_in_place: bool,
    },
}

struct ThreadContext {
    budget: Cell<Budget>,
    runtime: Cell<RuntimeState>,
    /// Makes a sleep on the current time driver; see [`enter_timer`]. Read only when a
    /// primitive needs a timeout, never on a budget or poll path.
    timer: Cell<Option<TimerHook>>,
}

thread_local! {
    static CONTEXT: ThreadContext = const {
        ThreadContext {
            budget: Cell::new(Budget::UNCONSTRAINED),
            runtime: Cell::new(RuntimeState::NotEntered),
            timer: Cell::new(None),
        }
    };
}

/// Runs `f` with `budget` installed, restoring the previous budget afterwards (also on unwind).
#[inline]
fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct ResetGuard {
        prev: Budget,
    }

    impl Drop for ResetGuard {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.budget.set(self.prev));
        }
    }

    let prev = CONTEXT.try_with(|cx| cx.budget.replace(budget));
    let _guard = prev.ok().map(|prev| ResetGuard { prev });
    f()
}

/// Runs `f` with a fresh budget of [`BUDGET`] units: what a scheduler does around each poll.
#[doc(hidden)]
#[inline]
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::INITIAL, f)
}

/// Runs `f` with no budget at all: used for blocking-pool closures and `block_on` itself.
#[doc(hidden)]
#[inline]
pub fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::UNCONSTRAINED, f)
}

/// Returns `true` if the current task has budget left, or runs unconstrained.
///
/// A loop that does its own work between budgeted operations can use this to decide whether
/// to yield.
///
/// # Examples
///
/// ```
/// use runtime_sync::coop::has_budget_remaining;
///
/// // Outside a runtime every thread is unconstrained.
/// assert!(has_budget_remaining());
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    CONTEXT
        .try_with(|cx| cx.budget.get().0 != Some(0))
        .unwrap_or(true)
}

/// Spends one unit of the budget, or returns `Pending` (after waking the task) if it is spent.
///
/// Call this before the part of a `poll` that can complete without waiting. On `Ready`, keep
/// the [`RestoreOnPending`] until you know the outcome and call
/// [`made_progress`](RestoreOnPending::made_progress) if you return `Ready`; dropping it
/// without that call refunds the unit.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
/// use runtime_sync::coop;
///
/// /// A future that is always ready, but still lets other tasks run.
/// struct AlwaysReady;
///
/// impl Future for AlwaysReady {
///     type Output = ();
///     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
///         let coop = ready!(coop::poll_proceed(cx));
///         coop.made_progress();
///         Poll::Ready(())
///     }
/// }
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    match try_proceed() {
        Some(restore) => Poll::Ready(restore),
        None => {
            // Spent: make sure the task is polled again, after the others had their turn. The
            // scheduler sends a wake that arrives during the task's own poll to the back of the
            // run queue.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// [`poll_proceed`] without the wake: `None` if the budget is spent. For a resource that
/// hands over to another budgeted one (which then wakes the task) when the budget is spent.
#[inline]
pub(crate) fn try_proceed() -> Option<RestoreOnPending> {
    let taken = CONTEXT.try_with(|cx| {
        let budget = cx.budget.get();
        match budget.0 {
            Some(0) => None,
            Some(n) => {
                cx.budget.set(Budget(Some(n - 1)));
                Some(RestoreOnPending(Cell::new(budget), PhantomData))
            }
            None => Some(RestoreOnPending(
                Cell::new(Budget::UNCONSTRAINED),
                PhantomData,
            )),
        }
    });
    match taken {
        Ok(taken) => taken,
        // The thread is being torn down: nothing to account against.
        Err(_) => Some(RestoreOnPending(
            Cell::new(Budget::UNCONSTRAINED),
            PhantomData,
        )),
    }
}

/// Returned by [`poll_proceed`]: refunds the spent unit when dropped unless
/// [`made_progress`](Self::made_progress) was called.
///
/// It belongs to the thread whose budget it took from, so it is neither `Send` nor `Sync`.
#[derive(Debug)]
#[must_use = "dropping this refunds the budget unit at once; keep it until the poll's outcome is known"]
pub struct RestoreOnPending(Cell<Budget>, PhantomData<*mut ()>);

impl RestoreOnPending {
    /// Marks the operation as done, so the spent unit stays spent.
    #[inline]
    pub fn made_progress(&self) {
        self.0.set(Budget::UNCONSTRAINED);
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        let budget = self.0.get();
        // Only a constrained budget was decremented; an unconstrained one has nothing to refund.
        if budget.0.is_some() {
            let _ = CONTEXT.try_with(|cx| cx.budget.set(budget));
        }
    }
}

/// Spends one unit of the budget, yielding to the scheduler first if it is spent.
///
/// Use it in a loop that makes progress without ever awaiting a budgeted resource, so that the
/// loop still lets other tasks run.
///
/// # Examples
///
/// ```
/// # async fn sum() -> u64 {
/// use runtime_sync::coop::consume_budget;
///
/// let mut total = 0u64;
/// for i in 0..1_000_000u64 {
///     total += i;
///     consume_budget().await;
/// }
/// total
/// # }
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(|cx| poll_proceed(cx).map(|restore| restore.made_progress())).await
}

/// Turns off cooperative scheduling for the wrapped future: it never runs out of budget, and
/// neither does anything it polls.
///
/// This can starve other tasks: use it only for a future that must not be interrupted and that
/// yields on its own.
///
/// # Examples
///
/// ```
/// # async fn example() {
/// use runtime_sync::coop::unconstrained;
///
/// let value = unconstrained(async { 40 + 2 }).await;
/// assert_eq!(value, 42);
/// # }
/// ```
pub fn unconstrained<F>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

/// A future that runs its inner future without a cooperative budget; see [`unconstrained`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Unconstrained<F> {
    inner: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of `self`, and
        // `Unconstrained` has no `Drop` impl and no `Unpin` impl that would expose it.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        with_unconstrained(|| inner.poll(cx))
    }
}

/// Makes a future take part in cooperative scheduling: each poll first spends one unit of the
/// budget, and returns `Pending` without polling the inner future if the budget is spent.
///
/// Wrap a future from a library that knows nothing of budgets (a foreign I/O type, a hand
/// written state machine) so that a loop over it cannot starve the other tasks.
///
/// # Examples
///
/// ```
/// # async fn example() {
/// use runtime_sync::coop::cooperative;
///
/// let value = cooperative(async { 7 }).await;
/// assert_eq!(value, 7);
/// # }
/// ```
pub fn cooperative<F: Future>(fut: F) -> Coop<F> {
    Coop { fut }
}

/// A future that spends the cooperative budget before it polls its inner future; see
/// [`cooperative`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Coop<F> {
    fut: F,
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let coop = ready!(poll_proceed(cx));
        // SAFETY: `fut` is structurally pinned: it is never moved out of `self`, and `Coop` has
        // no `Drop` impl and no `Unpin` impl that would expose it.
        let fut = unsafe { self.map_unchecked_mut(|this| &mut this.fut) };
        let output = ready!(fut.poll(cx));
        coop.made_progress();
        Poll::Ready(output)
    }
}

/// Marks the current thread as running a runtime's scheduler until the guard is dropped.
///
/// `allow_block_in_place` is `true` for a thread blocked in a multi-thread runtime's
/// `block_on`, where `block_in_place` may run.
///
/// Returns `None` if the thread is already inside a runtime: the caller is trying to start a
/// runtime from within one (`block_on` inside `block_on`, or on a worker thread).
#[doc(hidden)]
pub fn enter_runtime(allow_block_in_place: bool) -> Option<EnterRuntimeGuard> {
    CONTEXT
        .try_with(|cx| {
            if cx.runtime.get() != RuntimeState::NotEntered {
                None
            } else {
                cx.runtime.set(RuntimeState::Entered {
                    allow_block_in_place,
                });
                Some(EnterRuntimeGuard {
                    _not_send: std::marker::PhantomData,
                })
            }
        })
        .ok()
        .flatten()
}

/// Clears the "inside a runtime" flag while `f` runs (for `block_in_place`), then restores
/// it.
///
/// # Panics
///
/// Panics if the thread is not inside a runtime.
#[doc(hidden)]
pub fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(RuntimeState);

    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.runtime.set(self.0));
        }
    }

    let prev = CONTEXT.with(|cx| cx.runtime.replace(RuntimeState::NotEntered));
    assert_ne!(
        prev,
        RuntimeState::NotEntered,
        "exit_runtime called on a thread that is not inside a runtime"
    );
    let _reset = Reset(prev);
    f()
}

/// If the thread is inside a runtime, whether `block_in_place` is allowed there (see
/// [`enter_runtime`]); `None` outside any runtime.
#[doc(hidden)]
pub fn entered_runtime() -> Option<bool> {
    match CONTEXT.try_with(|cx| cx.runtime.get()) {
        Ok(RuntimeState::Entered {
            allow_block_in_place,
        }) => Some(allow_block_in_place),
        _ => None,
    }
}

/// Whether the current thread is running a runtime's scheduler, where blocking would stall
/// every task queued behind the current one.
///
/// The `blocking_*` methods of this crate's primitives panic when this is `true`.
#[doc(hidden)]
pub fn is_in_runtime() -> bool {
    CONTEXT
        .try_with(|cx| cx.runtime.get() != RuntimeState::NotEntered)
        .unwrap_or(false)
}

/// Keeps the "inside a runtime" flag set; returned by [`enter_runtime`].
#[doc(hidden)]
#[derive(Debug)]
pub struct EnterRuntimeGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.runtime.set(RuntimeState::NotEntered));
    }
}

/// A sleep made by a [`TimerHook`]: completes once its duration has passed on the clock of the
/// time driver that made it.
#[doc(hidden)]
pub type TimerSleep = Pin<Box<dyn Future<Output = ()> + Send + Sync + 'static>>;

/// Turns a duration into a sleep on the thread's current time driver (see [`enter_timer`]).
///
/// The hook may panic, with a message that names the fix, if the thread's runtime has no
/// time driver.
#[doc(hidden)]
pub type TimerHook = fn(Duration) -> TimerSleep;

/// Installs `hook` as this thread's timer until the guard is dropped (the previous one comes
/// back then).
///
/// The crate that owns the timers calls this wherever it makes a time driver current (a
/// runtime's threads, `block_on`, `Handle::enter`), so that primitives of this crate that need
/// a timeout can make a sleep without depending on it. Installing costs one thread-local
/// write; nothing on a poll path reads the hook.
#[doc(hidden)]
pub fn enter_timer(hook: TimerHook) -> EnterTimerGuard {
    let prev = CONTEXT.try_with(|cx| cx.timer.replace(Some(hook))).ok();
    EnterTimerGuard {
        prev,
        _not_send: PhantomData,
    }
}

/// Restores the previous timer hook when dropped; returned by [`enter_timer`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "the timer hook is installed only while the guard lives"]
pub struct EnterTimerGuard {
    /// `None` if the thread-local was already gone: nothing to restore.
    prev: Option<Option<TimerHook>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterTimerGuard {
    fn drop(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = CONTEXT.try_with(|cx| cx.timer.set(prev));
        }
    }
}

/// A sleep of `duration` on the current time driver, or `None` if no timer hook is installed
/// on this thread (outside any runtime).
pub(crate) fn sleep(duration: Duration) -> Option<TimerSleep> {
    let hook = CONTEXT.try_with(|cx| cx.timer.get()).ok().flatten()?;
    Some(hook(duration))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    struct CountingWaker(std::sync::atomic::AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn counting_context() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(Default::default()));
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    #[test]
    fn unconstrained_outside_a_runtime() {
        let (_, waker) = counting_context();
        let mut cx = Context::from_waker(&waker);
        for _ in 0..10_000 {
            let restore = poll_proceed(&mut cx);
            assert!(restore.is_ready());
            if let Poll::Ready(r) = restore {
                r.made_progress();
            }
        }
        assert!(has_budget_remaining());
    }

    #[test]
    fn budget_runs_out_after_128_operations_and_wakes() {
        let (counter, waker) = counting_context();
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            for _ in 0..BUDGET {
                match poll_proceed(&mut cx) {
                    Poll::Ready(r) => r.made_progress(),
                    Poll::Pending => panic!("budget ran out early"),
                }
            }
            assert!(!has_budget_remaining());
            assert!(poll_proceed(&mut cx).is_pending());
            assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        });
        // The budget is scoped to the poll.
        assert!(has_budget_remaining());
    }

    #[test]
    fn dropping_without_progress_refunds() {
        let (_, waker) = counting_context();
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            for _ in 0..1_000 {
                let r = poll_proceed(&mut cx);
                assert!(r.is_ready());
                drop(r);
            }
            assert!(has_budget_remaining());
        });
    }

    #[test]
    fn unconstrained_inside_budget() {
        let (_, waker) = counting_context();
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            let mut fut = std::pin::pin!(unconstrained(std::future::poll_fn(|cx| {
                for _ in 0..1_000 {
                    match poll_proceed(cx) {
                        Poll::Ready(r) => r.made_progress(),
                        Poll::Pending => return Poll::Ready(false),
                    }
                }
                Poll::Ready(true)
            })));
            assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(true));
            // The outer budget was untouched.
            assert!(has_budget_remaining());
        });
    }

    #[test]
    fn cooperative_stops_when_spent() {
        let (_, waker) = counting_context();
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            let mut ready = 0;
            for _ in 0..200 {
                let mut fut = std::pin::pin!(cooperative(async { 1 }));
                if fut.as_mut().poll(&mut cx).is_ready() {
                    ready += 1;
                }
            }
            assert_eq!(ready, BUDGET as usize);
        });
    }

    #[test]
    fn runtime_flag_nests_once() {
        assert!(!is_in_runtime());
        let guard = enter_runtime(false).expect("first entry");
        assert!(is_in_runtime());
        assert_eq!(entered_runtime(), Some(false));
        assert!(enter_runtime(true).is_none());
        exit_runtime(|| {
            assert!(!is_in_runtime());
        });
        assert!(is_in_runtime());
        drop(guard);
        assert!(!is_in_runtime());
    }

    #[test]
    fn timer_hook_is_scoped_to_its_guard() {
        fn ready_sleep(_: Duration) -> TimerSleep {
            Box::pin(std::future::ready(()))
        }
        fn other_sleep(_: Duration) -> TimerSleep {
            Box::pin(std::future::pending())
        }
        assert!(sleep(Duration::from_secs(1)).is_none());
        let outer = enter_timer(ready_sleep);
        {
            let _inner = enter_timer(other_sleep);
            let (_, waker) = counting_context();
            let mut cx = Context::from_waker(&waker);
            let mut s = sleep(Duration::ZERO).expect("inner hook");
            assert!(s.as_mut().poll(&mut cx).is_pending());
        }
        let (_, waker) = counting_context();
        let mut cx = Context::from_waker(&waker);
        let mut s = sleep(Duration::ZERO).expect("outer hook back");
        assert!(s.as_mut().poll(&mut cx).is_ready());
        drop(outer);
        assert!(sleep(Duration::ZERO).is_none());
    }
}
