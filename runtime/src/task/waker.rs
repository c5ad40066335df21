//! Wakers that point at the task itself: no allocation per waker.
//!
//! The waker's data pointer is the task's `Header`; cloning takes a task reference, dropping
//! releases one, and waking goes through the state word (see `state.rs`) and then the task's
//! own vtable to its scheduler. The vtable below is shared by every task, so `will_wake`
//! compares two wakers of the same task as equal.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::core::Header;
use super::raw::RawTask;

/// A waker borrowed from a task for the duration of a poll, without touching the reference
/// count.
pub(super) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _p: PhantomData<&'a Header>,
}

/// Builds a borrowed waker for the task at `header`.
pub(super) fn waker_ref(header: &NonNull<Header>) -> WakerRef<'_> {
    // SAFETY: the vtable's functions uphold the `RawWaker` contract for a header pointer,
    // and the `ManuallyDrop` means this borrowed waker never releases the reference it does
    // not own; `Waker::clone` on it takes a real one.
    let waker = unsafe { Waker::from_raw(raw_waker(*header)) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
        _p: PhantomData,
    }
}

impl Deref for WakerRef<'_> {
    type Target = Waker;

    fn deref(&self) -> &Waker {
        &self.waker
    }
}

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_val, wake_by_ref, drop_waker);

fn raw_waker(header: NonNull<Header>) -> RawWaker {
    RawWaker::new(header.as_ptr() as *const (), &WAKER_VTABLE)
}

/// # Safety
///
/// `ptr` is the header of a live task on which the waker holds (or borrows) a reference.
unsafe fn raw_task(ptr: *const ()) -> RawTask {
    // SAFETY: per the function's contract, `ptr` is a non-null live header.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned keeps the task alive.
    let task = unsafe { raw_task(ptr) };
    task.ref_inc();
    raw_waker(task.header_ptr())
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the waker owns a reference, which it gives up here.
    unsafe { raw_task(ptr) }.drop_reference();
}

unsafe fn wake_by_val(ptr: *const ()) {
    // SAFETY: the waker owns a reference, which the wake consumes.
    unsafe { raw_task(ptr) }.wake_by_val();
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the waker keeps the task alive for the call.
    unsafe { raw_task(ptr) }.wake_by_ref();
}
