//! Running, completing and cancelling a task: the logic that knows `T` and `S`.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::core::{Cell, Core, Header, Trailer};
use super::raw::RawTask;
use super::state::{Snapshot, TransitionToIdle, TransitionToRunning};
use super::waker::waker_ref;
use super::{JoinError, Notified, Schedule, Task};

/// A typed view of a task cell.
pub(super) struct Harness<T: Future, S: 'static> {
    cell: NonNull<Cell<T, S>>,
}

/// What to do after a poll.
enum PollFuture {
    /// Nothing: the task is idle, or someone else is running it.
    Done,
    /// The future is gone and the output stored: finish the task.
    Complete,
    /// Woken during the poll: schedule it again (the poll's reference goes with it).
    Notified,
    /// The last reference was released: free the cell.
    Dealloc,
}

impl<T: Future, S: Schedule> Harness<T, S> {
    /// # Safety
    ///
    /// `ptr` must point at a live `Cell<T, S>`.
    pub(super) unsafe fn from_raw(ptr: NonNull<Header>) -> Harness<T, S> {
        Harness {
            cell: ptr.cast::<Cell<T, S>>(),
        }
    }

    fn header_ptr(&self) -> NonNull<Header> {
        self.cell.cast()
    }

    fn header(&self) -> &Header {
        // SAFETY: the cell is live for as long as the caller's reference.
        unsafe { &self.cell.as_ref().header }
    }

    fn trailer(&self) -> &Trailer {
        // SAFETY: as in `header`.
        unsafe { &self.cell.as_ref().trailer }
    }

    fn core(&self) -> &Core<T, S> {
        // SAFETY: as in `header`.
        unsafe { &self.cell.as_ref().core }
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the cell is live.
        unsafe { RawTask::from_raw(self.header_ptr()) }
    }

    /// Polls the task, consuming the caller's `Notified` reference.
    pub(super) fn poll(self) {
        match self.poll_inner() {
            PollFuture::Notified => {
                // The reference the poll held now belongs to this notification. A wake that
                // arrived during the task's own poll is a yield: to the back of the queue.
                let notified = Notified(Task::from_raw(self.raw()));
                self.core().scheduler.yield_now(notified);
            }
            PollFuture::Complete => self.complete(),
            PollFuture::Dealloc => self.dealloc(),
            PollFuture::Done => {}
        }
    }

    fn poll_inner(&self) -> PollFuture {
        match self.header().state.transition_to_running() {
            TransitionToRunning::Success => {
                let header = self.header_ptr();
                let waker = waker_ref(&header);
                let cx = Context::from_waker(&waker);
                if poll_future(self.core(), cx).is_ready() {
                    return PollFuture::Complete;
                }
                match self.header().state.transition_to_idle() {
                    TransitionToIdle::Ok => PollFuture::Done,
                    TransitionToIdle::OkNotified => PollFuture::Notified,
                    TransitionToIdle::OkDealloc => PollFuture::Dealloc,
                    TransitionToIdle::Cancelled => {
                        // Aborted during the poll; we still hold RUNNING.
                        cancel_task(self.core());
                        PollFuture::Complete
                    }
                }
            }
            TransitionToRunning::Cancelled => {
                cancel_task(self.core());
                PollFuture::Complete
            }
            TransitionToRunning::Failed => PollFuture::Done,
            TransitionToRunning::Dealloc => PollFuture::Dealloc,
        }
    }

    /// Runtime shutdown: drops the future if no one is running it. Consumes one reference.
    pub(super) fn shutdown(self) {
        if !self.header().state.transition_to_shutdown() {
            // Running elsewhere (it will see CANCELLED) or already complete.
            self.drop_reference();
            return;
        }
        // We hold RUNNING: the future is ours to drop.
        cancel_task(self.core());
        self.complete();
    }

    /// Finishes a task whose output is stored: tells the `JoinHandle`, leaves the owned list,
    /// releases the run's reference (and the list's).
    fn complete(self) {
        let snapshot = self.header().state.transition_to_complete();
        // A panic in the join waker or in the output's destructor must not stop the task from
        // being released.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            if !snapshot.is_join_interested() {
                // Nobody will read the output.
                // SAFETY: COMPLETE with no JoinHandle: the output is ours.
                unsafe { self.core().drop_future_or_output() };
            } else if snapshot.is_join_waker_set() {
                // SAFETY: JOIN_WAKER is set and we are the completing thread.
                unsafe { self.trailer().wake_join() };
                let after = self.header().state.unset_waker_after_complete();
                if !after.is_join_interested() {
                    // The JoinHandle was dropped meanwhile and left the waker to us.
                    // SAFETY: we just took the slot back, and the handle is gone.
                    unsafe { self.trailer().set_waker(None) };
                }
            }
        }));

        let released = self.release();
        if self.header().state.transition_to_terminal(released) {
            self.dealloc();
        }
    }

    /// Removes the task from its owned list. Returns how many references the completion
    /// releases: the run's, plus the list's if the task was still in it.
    fn release(&self) -> usize {
        let me = ManuallyDrop::new(Task::<S>::from_raw(self.raw()));
        match self.core().scheduler.release(&me) {
            Some(task) => {
                // The list's reference is released together with ours below.
                std::mem::forget(task);
                2
            }
            None => 1,
        }
    }

    pub(super) fn try_read_output(
        self,
        dst: &mut Poll<Result<T::Output, JoinError>>,
        waker: &Waker,
    ) {
        if can_read_output(self.header(), self.trailer(), waker) {
            // SAFETY: COMPLETE, and we are the JoinHandle, which owns the output.
            *dst = Poll::Ready(unsafe { self.core().take_output() });
        }
    }

    pub(super) fn drop_join_handle_slow(self) {
        let transition = self.header().state.transition_to_join_handle_dropped();
        if transition.drop_output {
            // The task completed and nobody read the output: it is ours to drop. A panic in
            // its destructor must not leak the task, so it is swallowed here.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: COMPLETE and JOIN_INTEREST was ours: we own the output.
                unsafe { self.core().drop_future_or_output() };
            }));
        }
        if transition.drop_waker {
            // The waker's destructor is user code: if it panics, the reference below must
            // still be released (or the task cell leaks), so it is swallowed too.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: JOIN_WAKER is clear: the slot is the handle's.
                unsafe { self.trailer().set_waker(None) };
            }));
        }
        self.drop_reference();
    }

    fn drop_reference(self) {
        if self.header().state.ref_dec() {
            self.dealloc();
        }
    }

    fn dealloc(self) {
        // SAFETY: the last reference was released; the cell came from `RawTask::new`.
        unsafe { self.raw().dealloc() }
    }
}

/// Registers `waker` as the join waker unless the task is complete. Returns `true` if the
/// output can be read now.
fn can_read_output(header: &Header, trailer: &Trailer, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    debug_assert!(snapshot.is_join_interested());
    if snapshot.is_complete() {
        return true;
    }
    let registered = if !snapshot.is_join_waker_set() {
        // The slot is ours: fill it and publish it.
        set_join_waker(header, trailer, waker.clone(), snapshot)
    } else {
        // SAFETY: JOIN_WAKER is set: the JoinHandle may read the slot.
        if unsafe { trailer.will_wake(waker) } {
            return false;
        }
        // Take the slot back to replace the waker; fails if the task completed meanwhile.
        header
            .state
            .unset_waker()
            .and_then(|snapshot| set_join_waker(header, trailer, waker.clone(), snapshot))
    };
    match registered {
        Ok(_) => false,
        Err(snapshot) => {
            assert!(snapshot.is_complete());
            true
        }
    }
}

fn set_join_waker(
    header: &Header,
    trailer: &Trailer,
    waker: Waker,
    snapshot: Snapshot,
) -> Result<Snapshot, Snapshot> {
    assert!(snapshot.is_join_interested());
    assert!(!snapshot.is_join_waker_set());
    // SAFETY: JOIN_WAKER is clear and we are the JoinHandle: the slot is ours.
    unsafe { trailer.set_waker(Some(waker)) };
    let res = header.state.set_join_waker();
    if res.is_err() {
        // Completed first: the bit was never set, so the slot is still ours to empty.
        // SAFETY: as above.
        unsafe { trailer.set_waker(None) };
    }
    res
}

/// Drops the future of a cancelled task and stores `JoinError::Cancelled` (or `Panic`, if
/// the future's destructor panicked).
fn cancel_task<T: Future, S: Schedule>(core: &Core<T, S>) {
    let res = panic::catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller holds RUNNING.
        unsafe { core.drop_future_or_output() };
    }));
    let err = match res {
        Ok(()) => JoinError::cancelled(core.task_id),
        Err(panic) => JoinError::panic(core.task_id, panic),
    };
    // SAFETY: the caller holds RUNNING.
    unsafe { core.store_output(Err(err)) };
}

/// Polls the future under `catch_unwind`; on `Ready` (or a panic) stores the result.
fn poll_future<T: Future, S: Schedule>(core: &Core<T, S>, cx: Context<'_>) -> Poll<()> {
    // If the poll panics, the future is dropped on this thread while the panic unwinds, as
    // tokio does (its destructor sees `std::thread::panicking()`; tokio's `panic_in_task`
    // checks it). Its destructor may panic too: that second panic is caught inside the
    // guard's drop (a panic escaping a destructor during unwinding would abort the process);
    // the panic hook has printed it, and the task reports the first.
    struct DropFutureOnUnwind<'a, T: Future, S: Schedule> {
        core: &'a Core<T, S>,
    }

    impl<T: Future, S: Schedule> Drop for DropFutureOnUnwind<'_, T, S> {
        fn drop(&mut self) {
            let dropped = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: only reached while unwinding out of `poll`, whose caller holds
                // RUNNING.
                unsafe { self.core.drop_future_or_output() }
            }));
            drop(dropped);
        }
    }

    let res = panic::catch_unwind(AssertUnwindSafe(|| {
        let guard = DropFutureOnUnwind { core };
        // SAFETY: the caller holds RUNNING and the stage is `Running`.
        let res = unsafe { guard.core.poll(cx) };
        std::mem::forget(guard);
        res
    }));
    let output = match res {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(output)) => Ok(output),
        Err(panic) => {
            core.scheduler.unhandled_panic();
            Err(JoinError::panic(core.task_id, panic))
        }
    };
    // Storing drops the previous stage (already `Consumed`), which cannot panic; the output
    // itself is not dropped here.
    // SAFETY: the caller holds RUNNING.
    unsafe { core.store_output(output) };
    Poll::Ready(())
}
