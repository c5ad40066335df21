//! `SetOnce`: a value set at most once, that tasks can wait for.
//!
//! # Contract
//!
//! - **Set once.** The first [`set`](SetOnce::set) wins; later ones (and ones racing it)
//!   fail and hand their value back. The value never changes afterwards.
//! - **Waiting.** [`wait`](SetOnce::wait) completes once the value is set (at once if it
//!   is), and is cancel safe. A poll that completes spends the task's budget.
//!
//! # Implementation
//!
//! A three-state word (empty, writing, set): a setter claims it with a compare-and-swap,
//! writes the value, publishes it with a Release store and calls
//! [`Notify::notify_waiters`]; a waiter creates its `Notified` before checking the word, so a
//! set after the check still wakes it.

use std::fmt;
use std::mem::MaybeUninit;

use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::Notify;

const EMPTY: usize = 0;
const WRITING: usize = 1;
const SET: usize = 2;

/// A cell set at most once, which tasks can wait on until it is.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use runtime_sync::SetOnce;
///
/// let cell = Arc::new(SetOnce::new());
/// assert_eq!(cell.get(), None);
/// cell.set(7).unwrap();
/// assert_eq!(cell.get(), Some(&7));
/// assert!(cell.set(8).is_err());
/// ```
pub struct SetOnce<T> {
    state: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
    notify: Notify,
}

// SAFETY: `&SetOnce` hands out `&T` on any thread (`T: Sync`) and the value may be set on
// one thread and dropped on another (`T: Send`). The value is written only by the setter that
// won the compare-and-swap, before it publishes SET; it is read only after SET is seen.
unsafe impl<T: Sync + Send> Sync for SetOnce<T> {}
// SAFETY: moving the cell moves the `T` it may hold.
unsafe impl<T: Send> Send for SetOnce<T> {}

/// The error of [`SetOnce::set`] when a value is already set (or being set); it hands the
/// value back.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> std::error::Error for SetOnceError<T> {}

impl<T> SetOnce<T> {
    /// An empty cell.
    pub fn new() -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            notify: Notify::new(),
        }
    }

    /// An empty cell, in a `const` context (a `static`).
    #[cfg(not(loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value`, in a `const` context (a `static`).
    ///
    /// ```
    /// use runtime_sync::SetOnce;
    ///
    /// static ANSWER: SetOnce<u32> = SetOnce::const_new_with(42);
    /// assert_eq!(ANSWER.get(), Some(&42));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(SET),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value`, or an empty one for `None`.
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        let cell = SetOnce::new();
        if let Some(value) = value {
            // A fresh cell: nobody else can be setting it.
            let _ = cell.set(value);
        }
        cell
    }

    /// Whether the value is set.
    pub fn initialized(&self) -> bool {
        // Acquire pairs with the Release store of SET.
        self.state.load(Ordering::Acquire) == SET
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: SET was seen (Acquire): the value is written and never written again.
            Some(unsafe { self.value.with(|ptr| (*ptr).assume_init_ref()) })
        } else {
            None
        }
    }

    /// Sets the value and wakes every waiter.
    ///
    /// # Errors
    ///
    /// [`SetOnceError`] with `value` if a value is already set or being set.
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        // Acquire on success: nothing to see (the cell was empty); the claim is what matters.
        if self
            .state
            .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(SetOnceError(value));
        }
        // SAFETY: winning the compare-and-swap gives this call sole access to the value until
        // it publishes SET.
        unsafe { self.value.with_mut(|ptr| (*ptr).write(value)) };
        // Release pairs with the Acquire of `initialized`; it comes before `notify_waiters`,
        // so a waiter woken by it, or one that checks after, sees SET.
        self.state.store(SET, Ordering::Release);
        self.notify.notify_waiters();
        Ok(())
    }

    /// Waits until the value is set, and returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::SetOnce;
    ///
    /// async fn example(cell: &SetOnce<u32>) -> u32 {
    ///     *cell.wait().await
    /// }
    /// ```
    pub async fn wait(&self) -> &T {
        loop {
            // Created before the check: a `set` after it wakes this future.
            let notified = self.notify.notified();
            if let Some(value) = self.get() {
                return value;
            }
            notified.await;
        }
    }

    /// The value, consuming the cell.
    pub fn into_inner(mut self) -> Option<T> {
        // `Drop` then finds the cell empty.
        self.take_value()
    }

    fn take_value(&mut self) -> Option<T> {
        // `&mut self`: no other access, so Relaxed suffices.
        if self.state.load(Ordering::Relaxed) != SET {
            return None;
        }
        self.state.store(EMPTY, Ordering::Relaxed);
        // SAFETY: SET means written; resetting the state means nobody reads or drops it again.
        Some(unsafe { self.value.with_mut(|ptr| (*ptr).assume_init_read()) })
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        drop(self.take_value());
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> SetOnce<T> {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> SetOnce<T> {
        SetOnce::new_with(Some(value))
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> SetOnce<T> {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &SetOnce<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::future::block_on;
    use loom::thread;

    /// A `set` racing `wait`: the waiter always wakes and sees the value.
    #[test]
    fn set_races_wait() {
        loom::model(|| {
            let cell = crate::loom::Arc::new(SetOnce::new());
            let setter = {
                let cell = cell.clone();
                thread::spawn(move || cell.set(1).unwrap())
            };
            assert_eq!(*block_on(cell.wait()), 1);
            setter.join().unwrap();
        });
    }
}
