//! The "current handle" thread-local, with its enter guard: how a crate below the runtime
//! learns which of its drivers is this thread's (the runtime enters its drivers on every
//! thread it owns and in `block_on`).
//!
//! Each crate declares its own slot (`thread_local! { static CURRENT: Slot<T> = const {
//! Slot::new() } }`) and goes through [`enter`] and [`with`]: the slot is per crate because
//! the value is (a time handle, a reactor handle with the blocking hook), the logic is here
//! once.
//!
//! # Contract
//!
//! * [`enter`] makes a value current until its guard is dropped, then restores the one
//!   before; guards nest.
//! * While the thread-local is being destroyed (the thread is exiting), [`enter`] does
//!   nothing and [`with`] sees no value: a crate then behaves as outside a runtime.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::thread::LocalKey;

/// One crate's current value on this thread (`None`: not inside a runtime).
#[derive(Debug)]
pub struct Slot<T> {
    current: RefCell<Option<T>>,
}

impl<T> Slot<T> {
    /// An empty slot, for the `thread_local!` initialiser.
    #[allow(clippy::new_without_default)] // Only ever built in a `const` thread-local.
    pub const fn new() -> Slot<T> {
        Slot {
            current: RefCell::new(None),
        }
    }
}

/// Restores the previous current value when dropped.
#[must_use = "the value is current only while the guard lives"]
pub struct EnterGuard<T: 'static> {
    key: &'static LocalKey<Slot<T>>,
    /// `None` if the thread-local was gone at `enter` (nothing to restore).
    prev: Option<Option<T>>,
    _not_send: PhantomData<*const ()>,
}

/// Makes `value` this thread's current one in `key` until the guard is dropped.
pub fn enter<T: 'static>(key: &'static LocalKey<Slot<T>>, value: T) -> EnterGuard<T> {
    let prev = key
        .try_with(|slot| slot.current.borrow_mut().replace(value))
        .ok();
    EnterGuard {
        key,
        prev,
        _not_send: PhantomData,
    }
}

impl<T: 'static> Drop for EnterGuard<T> {
    fn drop(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = self.key.try_with(|slot| *slot.current.borrow_mut() = prev);
        }
    }
}

/// Runs `f` with this thread's current value in `key` (`None` outside a runtime, or while the
/// thread is exiting).
///
/// `f` must not enter `key` itself (the value is borrowed while it runs).
pub fn with<T: 'static, R>(key: &'static LocalKey<Slot<T>>, f: impl FnOnce(Option<&T>) -> R) -> R {
    let mut f = Some(f);
    let ran = key.try_with(|slot| (f.take().expect("called once"))(slot.current.borrow().as_ref()));
    match ran {
        Ok(ret) => ret,
        Err(_) => (f
            .take()
            .expect("not called while the thread-local was gone"))(None),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    thread_local! {
        static CURRENT: Slot<u32> = const { Slot::new() };
    }

    fn current() -> Option<u32> {
        with(&CURRENT, |value| value.copied())
    }

    #[test]
    fn guards_nest_and_restore_in_reverse() {
        assert_eq!(current(), None);
        let outer = enter(&CURRENT, 1);
        assert_eq!(current(), Some(1));
        {
            let _inner = enter(&CURRENT, 2);
            assert_eq!(current(), Some(2));
        }
        assert_eq!(current(), Some(1));
        drop(outer);
        assert_eq!(current(), None);
    }

    #[test]
    fn each_thread_has_its_own_value() {
        let _guard = enter(&CURRENT, 7);
        std::thread::spawn(|| assert_eq!(current(), None))
            .join()
            .unwrap();
        assert_eq!(current(), Some(7));
    }
}
