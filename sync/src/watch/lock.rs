//! The value's reader-writer lock: parking_lot's outside loom (no poisoning, so a panic in a
//! user closure under the lock leaves the channel usable), loom's inside it.

#[cfg(not(loom))]
pub(super) use parking_lot::{RwLock, RwLockReadGuard};

#[cfg(loom)]
pub(super) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;

#[cfg(loom)]
#[derive(Debug)]
pub(super) struct RwLock<T>(loom::sync::RwLock<T>);

#[cfg(loom)]
impl<T> RwLock<T> {
    pub(super) fn new(value: T) -> RwLock<T> {
        RwLock(loom::sync::RwLock::new(value))
    }

    pub(super) fn read(&self) -> RwLockReadGuard<'_, T> {
        // A panic under the lock aborts the model anyway; poisoning carries nothing.
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn write(&self) -> loom::sync::RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}
