//! The type-erased task pointer and the vtable behind it.

use std::future::Future;
use std::mem::offset_of;
use std::ptr::NonNull;
use std::task::{Poll, Waker};

use super::core::{Cell, Core, Header};
use super::harness::Harness;
use super::state::{TransitionToNotifiedByRef, TransitionToNotifiedByVal};
use super::{Id, JoinError, Schedule};

/// The functions that know a task's future and scheduler types.
pub(crate) struct Vtable {
    /// Polls the future (consumes a `Notified` reference).
    pub(super) poll: unsafe fn(NonNull<Header>),
    /// Schedules the task on its scheduler (consumes a `Notified` reference).
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Frees the cell.
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// Reads the output into a `*mut Poll<Result<T::Output, JoinError>>`, or registers the
    /// waker.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// The slow path of dropping the `JoinHandle`.
    pub(super) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Cancels the task at runtime shutdown (consumes a reference).
    pub(super) shutdown: unsafe fn(NonNull<Header>),
    /// Offset of the `Trailer` from the `Header`.
    pub(super) trailer_offset: usize,
    /// Offset of the scheduler from the `Header`.
    pub(super) scheduler_offset: usize,
    /// Offset of the task id from the `Header`.
    pub(super) id_offset: usize,
}

/// Builds the vtable for one `T`/`S` pair.
struct VtableFor<T, S>(std::marker::PhantomData<(T, S)>);

impl<T: Future, S: Schedule> VtableFor<T, S> {
    const VTABLE: Vtable = Vtable {
        poll: poll::<T, S>,
        schedule: schedule::<S>,
        dealloc: dealloc::<T, S>,
        try_read_output: try_read_output::<T, S>,
        drop_join_handle_slow: drop_join_handle_slow::<T, S>,
        shutdown: shutdown::<T, S>,
        trailer_offset: offset_of!(Cell<T, S>, trailer),
        scheduler_offset: offset_of!(Cell<T, S>, core) + offset_of!(Core<T, S>, scheduler),
        id_offset: offset_of!(Cell<T, S>, core) + offset_of!(Core<T, S>, task_id),
    };
}

/// A type-erased pointer to a task. Copying it does not touch the reference count: the types
/// that wrap it (`Task`, `Notified`, `JoinHandle`, ...) own the references.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

impl RawTask {
    /// Allocates a task holding `future`, with the initial three references.
    pub(super) fn new<T: Future, S: Schedule>(future: T, scheduler: S, id: Id) -> RawTask {
        let cell = Cell::new(future, scheduler, id, &VtableFor::<T, S>::VTABLE);
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        RawTask { ptr }
    }

    /// Wraps a header pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a live task.
    pub(super) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(super) fn header_ptr(&self) -> NonNull<Header> {
        self.ptr
    }

    pub(super) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only ever built for a live task, and whoever holds it holds
        // a reference that keeps the cell alive.
        unsafe { self.ptr.as_ref() }
    }

    /// The task's id.
    pub(super) fn id(&self) -> Id {
        // SAFETY: the task is live (see `header`).
        unsafe { Header::get_id(self.ptr) }
    }

    /// Polls the task, consuming the caller's `Notified` reference.
    pub(super) fn poll(self) {
        // SAFETY: the vtable belongs to this task.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Schedules the task, consuming a `Notified` reference.
    pub(super) fn schedule(self) {
        // SAFETY: the vtable belongs to this task.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// Frees the cell.
    ///
    /// # Safety
    ///
    /// The reference count must have reached zero.
    pub(super) unsafe fn dealloc(self) {
        // SAFETY: the vtable belongs to this task; the caller released the last reference.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// Takes the output into `dst` if the task is complete, or registers `waker`.
    ///
    /// # Safety
    ///
    /// `dst` must be a `*mut Poll<Result<T::Output, JoinError>>` for this task's `T`, and the
    /// caller must be the `JoinHandle`.
    pub(super) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// Drops the `JoinHandle`'s interest and reference.
    pub(super) fn drop_join_handle_slow(self) {
        // SAFETY: the vtable belongs to this task.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    /// Cancels the task at shutdown, consuming one reference.
    pub(super) fn shutdown(self) {
        // SAFETY: the vtable belongs to this task.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// Releases one reference, freeing the cell if it was the last.
    pub(super) fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() };
        }
    }

    /// Takes one more reference.
    pub(super) fn ref_inc(self) {
        self.header().state.ref_inc();
    }

    /// Wakes the task through a reference the caller gives up.
    pub(super) fn wake_by_val(self) {
        match self.header().state.transition_to_notified_by_val() {
            TransitionToNotifiedByVal::Submit => self.schedule(),
            TransitionToNotifiedByVal::Dealloc => {
                // SAFETY: the transition released the last reference.
                unsafe { self.dealloc() }
            }
            TransitionToNotifiedByVal::DoNothing => {}
        }
    }

    /// Wakes the task through a reference the caller keeps.
    pub(super) fn wake_by_ref(self) {
        match self.header().state.transition_to_notified_by_ref() {
            TransitionToNotifiedByRef::Submit => self.schedule(),
            TransitionToNotifiedByRef::DoNothing => {}
        }
    }

    /// Aborts the task: it will be cancelled the next time a scheduler thread holds it.
    pub(super) fn remote_abort(self) {
        if self.header().state.transition_to_notified_and_cancel() {
            // The transition took a reference for this notification.
            self.schedule();
        }
    }
}

unsafe fn poll<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reachable from a task of type `Cell<T, S>`.
    unsafe { Harness::<T, S>::from_raw(ptr) }.poll();
}

unsafe fn schedule<S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reachable from a task whose scheduler is an `S`, which lives
    // as long as the task; the caller hands over a `Notified` reference.
    unsafe {
        let scheduler = Header::get_scheduler::<S>(ptr);
        scheduler
            .as_ref()
            .schedule(super::Notified::from_raw(RawTask::from_raw(ptr)));
    }
}

unsafe fn dealloc<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the cell was allocated by `RawTask::new` as a `Box<Cell<T, S>>`, and the caller
    // released its last reference.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<T, S>>().as_ptr()) });
}

unsafe fn try_read_output<T: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the caller passes a pointer to the `Poll` of this task's output type.
    let out = unsafe { &mut *(dst as *mut Poll<Result<T::Output, JoinError>>) };
    // SAFETY: the vtable is only reachable from a task of type `Cell<T, S>`.
    unsafe { Harness::<T, S>::from_raw(ptr) }.try_read_output(out, waker);
}

unsafe fn drop_join_handle_slow<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reachable from a task of type `Cell<T, S>`.
    unsafe { Harness::<T, S>::from_raw(ptr) }.drop_join_handle_slow();
}

unsafe fn shutdown<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reachable from a task of type `Cell<T, S>`.
    unsafe { Harness::<T, S>::from_raw(ptr) }.shutdown();
}
