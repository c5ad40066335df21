//! A cell holding an optional `Box<T>` that threads can swap atomically.

use std::ptr;

use crate::loom::{AtomicPtr, Ordering::AcqRel};

/// `Option<Box<T>>` behind an atomic pointer: `take` and `set` move ownership between
/// threads.
pub(crate) struct AtomicCell<T> {
    data: AtomicPtr<T>,
}

// SAFETY: the cell only moves a `Box<T>` between threads, which needs `T: Send`.
unsafe impl<T: Send> Send for AtomicCell<T> {}
// SAFETY: `&AtomicCell` only allows moving the box in and out atomically.
unsafe impl<T: Send> Sync for AtomicCell<T> {}

impl<T> AtomicCell<T> {
    pub(crate) fn new(data: Option<Box<T>>) -> AtomicCell<T> {
        AtomicCell {
            data: AtomicPtr::new(to_raw(data)),
        }
    }

    /// Replaces the content, returning the previous one.
    pub(crate) fn swap(&self, val: Option<Box<T>>) -> Option<Box<T>> {
        // AcqRel: the new box's contents are published to the next taker, and the old box's
        // contents (published by whoever set it) are visible to us.
        let old = self.data.swap(to_raw(val), AcqRel);
        from_raw(old)
    }

    pub(crate) fn set(&self, val: Box<T>) {
        let _ = self.swap(Some(val));
    }

    pub(crate) fn take(&self) -> Option<Box<T>> {
        self.swap(None)
    }
}

fn to_raw<T>(data: Option<Box<T>>) -> *mut T {
    data.map_or(ptr::null_mut(), Box::into_raw)
}

fn from_raw<T>(val: *mut T) -> Option<Box<T>> {
    if val.is_null() {
        None
    } else {
        // SAFETY: a non-null pointer in the cell came from `Box::into_raw` and is owned by
        // the cell, which just gave it up.
        Some(unsafe { Box::from_raw(val) })
    }
}

impl<T> Drop for AtomicCell<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}
