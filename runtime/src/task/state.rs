//! The task state word: lifecycle flags and the reference count in one atomic.
//!
//! Keeping both in one word is what makes a wake one atomic operation: a wake can set
//! `NOTIFIED` and take (or give up) a reference in the same compare-and-swap, and the
//! transitions below can check "is anyone else still using this task" without a second load.
//!
//! # Who holds a reference
//!
//! * the owned-task list (or, for a blocking task, the pool's queue entry), until the task is
//!   released after completing;
//! * each `Notified` (a pending run of the task in some queue);
//! * the `JoinHandle`, each `AbortHandle` and each `Waker`.
//!
//! A freshly spawned task has three: the list, the first `Notified` and the `JoinHandle`.
//! The cell is freed by whoever drops the count to zero.

use std::fmt;

use crate::loom::{AtomicUsize, Ordering::*};

/// Set while a thread owns the task's future: polling it, or dropping it on cancellation.
///
/// Invariant: only the thread that set it may touch the future stage; it is cleared by the
/// idle transition or replaced by `COMPLETE`.
const RUNNING: usize = 0b00_0001;

/// Set once the future is gone and the output (or the `JoinError`) is stored.
///
/// Invariant: never cleared, and never set together with `RUNNING`. After it is set the
/// output belongs to the `JoinHandle` (if `JOIN_INTEREST` is set) and to no one else.
const COMPLETE: usize = 0b00_0010;

/// Set while the task has a pending run: a `Notified` for it sits in some queue, or (if
/// `RUNNING`) the running poll will reschedule it when it returns.
///
/// Invariant: at most one `Notified` exists per task, so it is set only by a transition that
/// also creates (or hands over) the reference that `Notified` holds, or while `RUNNING`.
const NOTIFIED: usize = 0b00_0100;

/// Set while a `JoinHandle` exists.
///
/// Invariant: cleared exactly once, by dropping the `JoinHandle`. While it is set and the task
/// is `COMPLETE`, the output is the `JoinHandle`'s to take.
const JOIN_INTEREST: usize = 0b00_1000;

/// Set while the trailer's join-waker slot holds a waker that the runtime may read.
///
/// Invariant: while it is clear, the `JoinHandle` owns the slot and may write it; while it is
/// set, the slot is read-only for the `JoinHandle` and only the completing thread reads it.
/// Only the `JoinHandle` sets it (before `COMPLETE`), and only the `JoinHandle` (before
/// `COMPLETE`) or the completing thread (after) clears it.
const JOIN_WAKER: usize = 0b01_0000;

/// Set once the task was aborted or its runtime shut down.
///
/// Invariant: never cleared. The next thread to hold `RUNNING` drops the future instead of
/// polling it and stores `JoinError::Cancelled`.
const CANCELLED: usize = 0b10_0000;

/// All lifecycle bits.
const STATE_MASK: usize = RUNNING | COMPLETE | NOTIFIED | JOIN_INTEREST | JOIN_WAKER | CANCELLED;

/// The reference count lives in the bits above the flags.
const REF_COUNT_SHIFT: u32 = STATE_MASK.count_ones();

/// One reference.
const REF_ONE: usize = 1 << REF_COUNT_SHIFT;

/// A new task: referenced by its owned-task list, its first `Notified` and its `JoinHandle`.
const INITIAL_STATE: usize = (REF_ONE * 3) | JOIN_INTEREST | NOTIFIED;

/// The atomic state word of one task.
pub(super) struct State {
    val: AtomicUsize,
}

/// A copy of the state word at one point in time.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// What `transition_to_running` found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToRunning {
    /// The caller now owns the future and should poll it.
    Success,
    /// The caller now owns the future and should drop it: the task was cancelled.
    Cancelled,
    /// Someone else owns the future, or it is gone; the caller's reference was released.
    Failed,
    /// As `Failed`, and the caller released the last reference: it must free the cell.
    Dealloc,
}

/// What `transition_to_idle` found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToIdle {
    /// Idle; the poll's reference was released.
    Ok,
    /// Idle, but woken during the poll: the poll's reference now belongs to a new `Notified`
    /// that the caller must schedule.
    OkNotified,
    /// Idle, and the poll's reference was the last one.
    OkDealloc,
    /// Cancelled during the poll: still `RUNNING`, and the caller must drop the future.
    Cancelled,
}

/// What a wake that consumed a reference (`Waker::wake`) must do.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToNotifiedByVal {
    /// Nothing: the reference was released or handed to the running poll.
    DoNothing,
    /// Schedule the task: the waker's reference now belongs to a new `Notified`.
    Submit,
    /// The waker held the last reference: free the cell.
    Dealloc,
}

/// What a wake that borrowed its reference (`Waker::wake_by_ref`) must do.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToNotifiedByRef {
    /// Nothing: already scheduled, running or complete.
    DoNothing,
    /// Schedule the task: a new reference was taken for the new `Notified`.
    Submit,
}

/// What dropping the `JoinHandle` must clean up.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TransitionToJoinHandleDrop {
    /// The `JoinHandle` owns the join-waker slot and must empty it.
    pub(super) drop_waker: bool,
    /// The task is complete and nobody else will take the output: drop it.
    pub(super) drop_output: bool,
}

impl State {
    /// The state of a new task.
    pub(super) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL_STATE),
        }
    }

    /// Loads the state.
    pub(super) fn load(&self) -> Snapshot {
        // Acquire: a snapshot that shows COMPLETE must also show the stored output, which the
        // completing thread wrote before its AcqRel transition.
        Snapshot(self.val.load(Acquire))
    }

    /// Applies `f` atomically; `f` returns the result and the new state (or `None` to leave
    /// the word untouched).
    fn fetch_update_action<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.load();
        loop {
            let (output, next) = f(curr);
            let Some(next) = next else {
                return output;
            };
            // AcqRel on success: every transition both publishes this thread's writes to the
            // cell (the future, the output, the join waker) and must see the previous owner's.
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return output,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// Like `fetch_update_action` where `f` may refuse; returns the old state on success.
    fn fetch_update(
        &self,
        mut f: impl FnMut(Snapshot) -> Option<Snapshot>,
    ) -> Result<Snapshot, Snapshot> {
        let mut curr = self.load();
        loop {
            let Some(next) = f(curr) else {
                return Err(curr);
            };
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return Ok(next),
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// Takes the future to poll it. Consumes the caller's `Notified` reference unless it
    /// returns `Success` or `Cancelled`, in which case the reference now belongs to the run.
    pub(super) fn transition_to_running(&self) -> TransitionToRunning {
        self.fetch_update_action(|curr| {
            assert!(curr.is_notified(), "ran a task that was not notified");
            let mut next = curr;
            if !next.is_idle() {
                // Already running elsewhere or complete: this run is stale; drop its reference.
                next.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (action, Some(next));
            }
            next.set_running();
            next.unset_notified();
            let action = if next.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            (action, Some(next))
        })
    }

    /// Gives the future back after a `Pending` poll.
    pub(super) fn transition_to_idle(&self) -> TransitionToIdle {
        self.fetch_update_action(|curr| {
            assert!(
                curr.is_running(),
                "idle transition of a task that is not running"
            );
            if curr.is_cancelled() {
                return (TransitionToIdle::Cancelled, None);
            }
            let mut next = curr;
            next.unset_running();
            let action = if next.is_notified() {
                // Woken while running: the run's reference passes to the new `Notified`.
                TransitionToIdle::OkNotified
            } else {
                next.ref_dec();
                if next.ref_count() == 0 {
                    TransitionToIdle::OkDealloc
                } else {
                    TransitionToIdle::Ok
                }
            };
            (action, Some(next))
        })
    }

    /// Marks the future as gone and the output as stored. Returns the new state.
    pub(super) fn transition_to_complete(&self) -> Snapshot {
        const DELTA: usize = RUNNING | COMPLETE;
        // AcqRel: publishes the stored output to the `JoinHandle`, which loads with Acquire.
        let prev = Snapshot(self.val.fetch_xor(DELTA, AcqRel));
        assert!(prev.is_running(), "completed a task that was not running");
        assert!(!prev.is_complete(), "completed a task twice");
        Snapshot(prev.0 ^ DELTA)
    }

    /// Releases `count` references after completion. Returns `true` if they were the last
    /// ones and the caller must free the cell.
    pub(super) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        assert!(
            prev.ref_count() >= count,
            "task reference count underflow: {} < {}",
            prev.ref_count(),
            count
        );
        prev.ref_count() == count
    }

    /// Wake through a consumed reference.
    pub(super) fn transition_to_notified_by_val(&self) -> TransitionToNotifiedByVal {
        self.fetch_update_action(|curr| {
            let mut next = curr;
            let action = if curr.is_running() {
                // The running poll will see NOTIFIED and reschedule; it holds its own
                // reference, so ours can go and the count cannot reach zero here.
                next.set_notified();
                next.ref_dec();
                assert!(next.ref_count() > 0);
                TransitionToNotifiedByVal::DoNothing
            } else if curr.is_complete() || curr.is_notified() {
                next.ref_dec();
                if next.ref_count() == 0 {
                    TransitionToNotifiedByVal::Dealloc
                } else {
                    TransitionToNotifiedByVal::DoNothing
                }
            } else {
                // Idle: our reference becomes the `Notified`'s.
                next.set_notified();
                TransitionToNotifiedByVal::Submit
            };
            (action, Some(next))
        })
    }

    /// Wake through a borrowed reference.
    pub(super) fn transition_to_notified_by_ref(&self) -> TransitionToNotifiedByRef {
        self.fetch_update_action(|curr| {
            if curr.is_complete() || curr.is_notified() {
                (TransitionToNotifiedByRef::DoNothing, None)
            } else if curr.is_running() {
                let mut next = curr;
                next.set_notified();
                (TransitionToNotifiedByRef::DoNothing, Some(next))
            } else {
                let mut next = curr;
                next.set_notified();
                next.ref_inc();
                (TransitionToNotifiedByRef::Submit, Some(next))
            }
        })
    }

    /// Abort: marks the task cancelled. Returns `true` if the caller must schedule it (with
    /// the new reference this took) so that a scheduler thread drops the future.
    pub(super) fn transition_to_notified_and_cancel(&self) -> bool {
        self.fetch_update_action(|curr| {
            if curr.is_cancelled() || curr.is_complete() {
                (false, None)
            } else if curr.is_running() || curr.is_notified() {
                // The running poll, or the pending run, sees CANCELLED and drops the future.
                let mut next = curr;
                next.set_cancelled();
                if curr.is_running() {
                    next.set_notified();
                }
                (false, Some(next))
            } else {
                let mut next = curr;
                next.set_cancelled();
                next.set_notified();
                next.ref_inc();
                (true, Some(next))
            }
        })
    }

    /// Runtime shutdown: marks the task cancelled and, if no one is running it, takes
    /// `RUNNING` so the caller can drop the future. Returns `true` in that case.
    pub(super) fn transition_to_shutdown(&self) -> bool {
        let mut prev = Snapshot(0);
        let _ = self.fetch_update(|mut snapshot| {
            prev = snapshot;
            if snapshot.is_idle() {
                snapshot.set_running();
            }
            // If RUNNING was already set, the running poll sees CANCELLED when it returns.
            snapshot.set_cancelled();
            Some(snapshot)
        });
        prev.is_idle()
    }

    /// Fast path for dropping the `JoinHandle` of a task that has not run yet: one CAS.
    pub(super) fn drop_join_handle_fast(&self) -> Result<(), ()> {
        // Release: the handle's accesses to the cell happen before anyone frees it.
        self.val
            .compare_exchange_weak(
                INITIAL_STATE,
                (INITIAL_STATE - REF_ONE) & !JOIN_INTEREST,
                Release,
                Relaxed,
            )
            .map(|_| ())
            .map_err(|_| ())
    }

    /// Clears `JOIN_INTEREST` (and `JOIN_WAKER` if the task is not complete, taking the slot
    /// back), and says what the dropped `JoinHandle` must clean up.
    pub(super) fn transition_to_join_handle_dropped(&self) -> TransitionToJoinHandleDrop {
        self.fetch_update_action(|curr| {
            assert!(curr.is_join_interested());
            let mut next = curr;
            next.unset_join_interested();
            if !curr.is_complete() {
                // Before completion the handle may take the slot back at any time.
                next.unset_join_waker();
            }
            // After completion with JOIN_WAKER still set, the completing thread owns the slot
            // and will empty it once it sees JOIN_INTEREST gone.
            let transition = TransitionToJoinHandleDrop {
                drop_waker: !next.is_join_waker_set(),
                drop_output: curr.is_complete(),
            };
            (transition, Some(next))
        })
    }

    /// Publishes the join waker the `JoinHandle` just wrote. Fails (leaving the slot with the
    /// handle) if the task completed in the meantime.
    pub(super) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            assert!(curr.is_join_interested());
            assert!(!curr.is_join_waker_set());
            if curr.is_complete() {
                return None;
            }
            let mut next = curr;
            next.set_join_waker();
            Some(next)
        })
    }

    /// Takes the join-waker slot back from the runtime so the `JoinHandle` can replace the
    /// waker. Fails if the task completed (the completing thread may be reading the slot).
    pub(super) fn unset_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            assert!(curr.is_join_interested());
            // Check COMPLETE first: after completion the completing thread clears JOIN_WAKER
            // on its own, so the bit the handle saw may be gone.
            if curr.is_complete() {
                return None;
            }
            assert!(curr.is_join_waker_set());
            let mut next = curr;
            next.unset_join_waker();
            Some(next)
        })
    }

    /// Called by the completing thread after it woke the join waker: hands the slot back.
    /// Returns the new state.
    pub(super) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        assert!(prev.is_complete());
        assert!(prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    /// Takes one more reference.
    pub(super) fn ref_inc(&self) {
        // Relaxed: a new reference is made from an existing one, which already keeps the cell
        // alive; nothing is published (the same argument as `Arc::clone`).
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        // The count would have to pass `isize::MAX` references to reach the sign bit: only a
        // leak loop can do that, so abort rather than risk a use-after-free on overflow.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Releases one reference. Returns `true` if it was the last.
    pub(super) fn ref_dec(&self) -> bool {
        // AcqRel: Release orders this holder's uses of the cell before the free; Acquire lets
        // the thread that frees see everyone else's.
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel));
        assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }

    /// Releases two references (a blocking task's queue entry). Returns `true` if they were
    /// the last.
    pub(super) fn ref_dec_twice(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(2 * REF_ONE, AcqRel));
        assert!(prev.ref_count() >= 2, "task reference count underflow");
        prev.ref_count() == 2
    }
}

impl Snapshot {
    /// Neither running nor complete.
    pub(super) fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }

    pub(super) fn is_notified(self) -> bool {
        self.0 & NOTIFIED == NOTIFIED
    }

    fn set_notified(&mut self) {
        self.0 |= NOTIFIED;
    }

    fn unset_notified(&mut self) {
        self.0 &= !NOTIFIED;
    }

    pub(super) fn is_running(self) -> bool {
        self.0 & RUNNING == RUNNING
    }

    fn set_running(&mut self) {
        self.0 |= RUNNING;
    }

    fn unset_running(&mut self) {
        self.0 &= !RUNNING;
    }

    pub(super) fn is_complete(self) -> bool {
        self.0 & COMPLETE == COMPLETE
    }

    pub(super) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED == CANCELLED
    }

    fn set_cancelled(&mut self) {
        self.0 |= CANCELLED;
    }

    pub(super) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST == JOIN_INTEREST
    }

    fn unset_join_interested(&mut self) {
        self.0 &= !JOIN_INTEREST;
    }

    pub(super) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER == JOIN_WAKER
    }

    fn set_join_waker(&mut self) {
        self.0 |= JOIN_WAKER;
    }

    fn unset_join_waker(&mut self) {
        self.0 &= !JOIN_WAKER;
    }

    pub(super) fn ref_count(self) -> usize {
        self.0 >> REF_COUNT_SHIFT
    }

    fn ref_inc(&mut self) {
        assert!(self.0 <= isize::MAX as usize);
        self.0 += REF_ONE;
    }

    fn ref_dec(&mut self) {
        assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interested", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("ref_count", &self.ref_count())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn initial_state_has_three_references() {
        let s = State::new().load();
        assert_eq!(s.ref_count(), 3);
        assert!(s.is_notified() && s.is_join_interested() && s.is_idle());
        assert!(!s.is_cancelled() && !s.is_join_waker_set());
    }

    #[test]
    fn poll_cycle_hands_the_reference_to_a_new_notification() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        // A wake during the poll only sets NOTIFIED.
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotifiedByRef::DoNothing
        );
        assert_eq!(state.transition_to_idle(), TransitionToIdle::OkNotified);
        assert_eq!(state.load().ref_count(), 3);
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        assert_eq!(state.load().ref_count(), 2);
        // An idle wake creates a notification with its own reference.
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotifiedByRef::Submit
        );
        assert_eq!(state.load().ref_count(), 3);
        // A second wake while notified does nothing.
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotifiedByRef::DoNothing
        );
    }

    #[test]
    fn cancel_while_running_is_seen_at_idle() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert!(!state.transition_to_notified_and_cancel());
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Cancelled);
        assert!(state.load().is_running());
    }

    #[test]
    fn cancel_while_idle_submits() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        assert!(state.transition_to_notified_and_cancel());
        assert_eq!(
            state.transition_to_running(),
            TransitionToRunning::Cancelled
        );
        // Aborting twice does nothing.
        assert!(!state.transition_to_notified_and_cancel());
    }

    #[test]
    fn shutdown_takes_an_idle_task_but_not_a_running_one() {
        let idle = State::new();
        assert!(idle.transition_to_shutdown());
        assert!(idle.load().is_running() && idle.load().is_cancelled());

        let running = State::new();
        assert_eq!(
            running.transition_to_running(),
            TransitionToRunning::Success
        );
        assert!(!running.transition_to_shutdown());
        assert_eq!(running.transition_to_idle(), TransitionToIdle::Cancelled);
    }

    #[test]
    fn join_handle_fast_drop_only_from_the_initial_state() {
        let state = State::new();
        assert!(state.drop_join_handle_fast().is_ok());
        assert_eq!(state.load().ref_count(), 2);
        assert!(!state.load().is_join_interested());

        let state = State::new();
        state.ref_inc();
        assert!(state.drop_join_handle_fast().is_err());
    }

    #[test]
    fn join_waker_cannot_be_set_after_complete() {
        let state = State::new();
        assert!(state.set_join_waker().is_ok());
        assert!(state.unset_waker().is_ok());
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        let done = state.transition_to_complete();
        assert!(done.is_complete() && !done.is_running());
        assert!(state.set_join_waker().is_err());
    }

    #[test]
    fn stale_run_of_a_completed_task_releases_its_reference() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotifiedByRef::DoNothing
        );
        state.transition_to_complete();
        // The NOTIFIED left over from the wake makes the next run stale.
        state.ref_inc();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Failed);
    }
}
