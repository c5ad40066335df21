//! The one place that picks between `std` / `parking_lot` and `loom` primitives, for every
//! crate of the workspace.
//!
//! Each crate imports it at its root (`use runtime_sync::foundation::loom;`) and reaches its
//! atomics, cells, locks and condvars as `crate::loom::..`. Under `RUSTFLAGS="--cfg loom"`
//! they are loom's, so `cargo test -p <crate> --lib` model-checks the very code that ships;
//! otherwise they are exactly the `std` and `parking_lot` types (re-exports, or wrappers that
//! compile down to them), so the facade costs nothing.
//!
//! # What stays outside
//!
//! A `static` atomic cannot be a loom atomic (loom's are created inside a model), and neither
//! needs one: the statics left in the workspace are counters for ids and one-way "seen once"
//! flags, which carry no protocol. Statistics counters written only by their owner thread
//! (driver turns, metrics) also stay `std`.
//!
//! # API
//!
//! The API is the shipping one: `parking_lot`'s for locks and condvars (no poisoning, `lock`
//! returns the guard, `Condvar::wait(&mut guard)`), `std`'s for atomics and `Arc`, and loom's
//! closure-based `with` / `with_mut` for `UnsafeCell`. Under loom, the wrappers adapt loom's
//! types to it.

#![allow(unused_imports)] // Each crate uses its own subset.

#[cfg(loom)]
pub use loom::{
    cell::UnsafeCell,
    sync::{
        atomic::{
            fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        },
        Arc,
    },
    thread::yield_now,
};

#[cfg(not(loom))]
pub use std::sync::{
    atomic::{fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering},
    Arc,
};

#[cfg(not(loom))]
pub use std::thread::yield_now;

#[cfg(not(loom))]
pub use parking_lot::{Condvar, Mutex, MutexGuard};

#[cfg(not(loom))]
pub use self::std_only::{AtomicU32, UnsafeCell};

#[cfg(loom)]
pub use self::loom_only::{Condvar, Mutex, MutexGuard};

#[cfg(not(loom))]
mod std_only {
    use std::sync::atomic::Ordering;

    /// `std`'s `AtomicU32` with loom's `unsync_load`, for a value only its owner writes.
    #[derive(Debug)]
    pub struct AtomicU32(std::sync::atomic::AtomicU32);

    impl AtomicU32 {
        /// A new atomic holding `value`.
        pub const fn new(value: u32) -> AtomicU32 {
            AtomicU32(std::sync::atomic::AtomicU32::new(value))
        }

        /// Reads a value that only the calling thread ever writes.
        ///
        /// # Safety
        ///
        /// No other thread may write the atomic concurrently.
        #[inline(always)]
        pub unsafe fn unsync_load(&self) -> u32 {
            // Relaxed: the caller is the only writer, so it reads its own last store.
            self.0.load(Ordering::Relaxed)
        }
    }

    impl std::ops::Deref for AtomicU32 {
        type Target = std::sync::atomic::AtomicU32;

        #[inline(always)]
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }

    /// `std::cell::UnsafeCell` with loom's closure-based access API.
    #[derive(Debug, Default)]
    pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// A new cell holding `data`.
        pub const fn new(data: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(data))
        }

        /// Runs `f` with a shared pointer to the contents.
        #[inline(always)]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a unique pointer to the contents.
        #[inline(always)]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        /// Consumes the cell, returning the contents.
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }
}

#[cfg(loom)]
mod loom_only {
    use std::ops::{Deref, DerefMut};

    /// A mutex with parking_lot's API (no poisoning: `lock` returns the guard), backed by
    /// loom's mutex.
    #[derive(Debug)]
    pub struct Mutex<T>(loom::sync::Mutex<T>);

    /// The guard of [`Mutex`]. It holds loom's guard in an `Option` only so that
    /// [`Condvar::wait`] can hand it to loom's condvar and put back what it returns.
    #[derive(Debug)]
    pub struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        /// A new, unlocked mutex holding `value`.
        pub fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        /// Locks the mutex.
        pub fn lock(&self) -> MutexGuard<'_, T> {
            // A panic under the lock aborts the model anyway; poisoning carries nothing.
            MutexGuard(Some(self.0.lock().unwrap_or_else(|e| e.into_inner())))
        }

        /// Locks the mutex if it is free.
        pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok().map(|guard| MutexGuard(Some(guard)))
        }

        /// The contents, through the unique borrow.
        pub fn get_mut(&mut self) -> &mut T {
            self.0.get_mut().unwrap_or_else(|e| e.into_inner())
        }

        /// Consumes the mutex, returning the contents.
        pub fn into_inner(self) -> T {
            self.0.into_inner().unwrap_or_else(|e| e.into_inner())
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;

        fn deref(&self) -> &T {
            self.0
                .as_ref()
                .expect("the guard is only empty inside Condvar::wait")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0
                .as_mut()
                .expect("the guard is only empty inside Condvar::wait")
        }
    }

    /// Whether a [`Condvar::wait_for`] timed out, as parking_lot's type of the same name.
    #[derive(Debug, Clone, Copy)]
    pub struct WaitTimeoutResult(bool);

    impl WaitTimeoutResult {
        /// Whether the wait ended because the timeout passed.
        pub fn timed_out(self) -> bool {
            self.0
        }
    }

    /// A condition variable with parking_lot's API (`wait(&mut guard)`), backed by loom's.
    #[derive(Debug)]
    pub struct Condvar(loom::sync::Condvar);

    impl Condvar {
        /// A new condition variable.
        pub fn new() -> Condvar {
            Condvar(loom::sync::Condvar::new())
        }

        /// Releases the guard's lock, waits for a notification and takes the lock again.
        pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let inner = guard.0.take().expect("the guard holds its lock");
            guard.0 = Some(self.0.wait(inner).unwrap_or_else(|e| e.into_inner()));
        }

        /// [`wait`](Self::wait) with parking_lot's signature for a timed wait. Under loom
        /// 0.7 the timeout never fires (its `wait_timeout` is a plain wait): only a
        /// notification ends the wait, and the result always says "not timed out". A model
        /// must not rely on a timeout to make progress.
        pub fn wait_for<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            timeout: std::time::Duration,
        ) -> WaitTimeoutResult {
            let inner = guard.0.take().expect("the guard holds its lock");
            let (inner, result) = self
                .0
                .wait_timeout(inner, timeout)
                .unwrap_or_else(|e| e.into_inner());
            guard.0 = Some(inner);
            WaitTimeoutResult(result.timed_out())
        }

        /// Wakes one waiting thread.
        pub fn notify_one(&self) {
            self.0.notify_one();
        }

        /// Wakes every waiting thread.
        pub fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}
