//! The one place that picks between `std`/`parking_lot` and `loom` primitives.
//!
//! Every lock-free structure in this crate (the task state word, the owned-task list, the
//! injection queue, the worker run queues, the idle set) imports its atomics, cells and locks from here, so that
//! `RUSTFLAGS="--cfg loom" cargo test -p runtime --lib` model-checks the code that ships.
//! Outside loom the wrappers compile down to the `std` and `parking_lot` types.

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{
        fence, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };
    pub(crate) use loom::sync::Arc;

    /// `loom::sync::Mutex` with `parking_lot`'s panic-free `lock()`.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
    }
}

#[cfg(not(loom))]
mod imp {
    pub(crate) use parking_lot::Mutex;
    pub(crate) use std::sync::atomic::{fence, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    #[cfg_attr(feature = "crossbeam-queue", allow(unused_imports))] // Only the ring uses it.
    pub(crate) use std::sync::Arc;

    /// `std`'s `AtomicU32` with loom's `unsync_load`, for a value only its owner writes.
    #[derive(Debug)]
    #[cfg_attr(feature = "crossbeam-queue", allow(dead_code))] // Only the ring queue uses it.
    pub(crate) struct AtomicU32(std::sync::atomic::AtomicU32);

    #[cfg_attr(feature = "crossbeam-queue", allow(dead_code))]
    impl AtomicU32 {
        pub(crate) const fn new(value: u32) -> AtomicU32 {
            AtomicU32(std::sync::atomic::AtomicU32::new(value))
        }

        /// Reads a value that only the calling thread ever writes.
        ///
        /// # Safety
        ///
        /// No other thread may write the atomic concurrently.
        #[inline(always)]
        pub(crate) unsafe fn unsync_load(&self) -> u32 {
            // Relaxed: the caller is the only writer, so it reads its own last store.
            self.0.load(Ordering::Relaxed)
        }
    }

    impl std::ops::Deref for AtomicU32 {
        type Target = std::sync::atomic::AtomicU32;

        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }

    /// `std::cell::UnsafeCell` with loom's closure-based access API.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(data: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(data))
        }

        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

pub(crate) use imp::*;
