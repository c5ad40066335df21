//! The one place that picks between `std` and `loom` primitives.
//!
//! The crate's one lock-free protocol (the pass gate behind the orphan queue of
//! `process`) imports its atomics and its mutex from here, so that
//! `RUSTFLAGS="--cfg loom" cargo test -p runtime-net --lib` model-checks the code that ships.
//! Outside loom these are the `std` and parking_lot types.

#![allow(unused_imports)] // Not every primitive is used in both configurations.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, Ordering};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// A mutex with parking_lot's API (no poisoning), backed by parking_lot outside loom and by
/// loom's mutex inside it.
#[cfg(not(loom))]
pub(crate) use parking_lot::{Mutex, MutexGuard};

#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

#[cfg(loom)]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex(loom::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        // A panic under the lock aborts the model anyway; poisoning carries nothing.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
