//! `OnceCell`: a value set at most once, possibly by an async initialiser.
//!
//! # Contract
//!
//! - **Set once.** The first successful [`set`](OnceCell::set) or initialiser run wins; the
//!   value never changes afterwards (except through `&mut self`: [`take`](OnceCell::take)).
//! - **One initialiser at a time, first come first served.** Among concurrent
//!   [`get_or_init`](OnceCell::get_or_init) / [`get_or_try_init`](OnceCell::get_or_try_init)
//!   callers, the oldest runs its initialiser; the others wait. If the initialiser fails,
//!   panics or is cancelled (its future dropped), the next waiter in line runs its own.
//! - **Cancel safe.** Dropping a waiting `get_or_init` loses nothing for the others.
//! - Calling `get_or_init` on the same cell from inside its own initialiser deadlocks.
//!
//! # Implementation
//!
//! A one-permit semaphore picks the initialiser (its queue is FIFO); the winner writes the
//! value, publishes it with a Release store of `value_set`, and closes the semaphore, which
//! tells every waiter (whose acquire then fails) that the value is there.

use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

use crate::batch_semaphore::{Semaphore, TryAcquireError};
use crate::loom::{AtomicBool, Ordering, UnsafeCell};

/// A cell written at most once, which tasks can wait on while one of them initialises it.
///
/// # Examples
///
/// ```
/// use runtime_sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// async fn config() -> &'static str {
///     CONFIG.get_or_init(|| async { "loaded".to_string() }).await
/// }
/// ```
pub struct OnceCell<T> {
    /// Set (Release) once `value` is written; never cleared except through `&mut self`.
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    /// One permit: whoever holds it may write `value`. Closed once the value is written.
    semaphore: Semaphore,
}

// SAFETY: the cell hands out `&T` to any thread (needs `T: Sync`) and a value set on one
// thread may be dropped or taken on another (needs `T: Send`). Writes happen only by the
// holder of the one permit, before `value_set` is published; reads only after it is seen.
unsafe impl<T: Sync + Send> Sync for OnceCell<T> {}
// SAFETY: moving the cell moves the `T` it may hold.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// The error of [`OnceCell::set`], handing the value back.
#[derive(Debug, PartialEq, Eq, Clone)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// An initialiser is running (someone is inside `get_or_init`).
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell was already initialised.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initialiser was running.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

/// Gives the permit back if the initialiser did not finish (error, panic or cancellation),
/// so the next waiter gets its turn.
struct PermitGuard<'a>(Option<&'a Semaphore>);

impl PermitGuard<'_> {
    fn forget(mut self) {
        self.0 = None;
    }
}

impl Drop for PermitGuard<'_> {
    fn drop(&mut self) {
        if let Some(semaphore) = self.0 {
            semaphore.release(1);
        }
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::new(1),
        }
    }

    /// An empty cell, in a `const` context (a `static`).
    #[cfg(not(loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::const_new(1),
        }
    }

    /// A cell holding `value`, in a `const` context (a `static`).
    ///
    /// ```
    /// use runtime_sync::OnceCell;
    ///
    /// static ANSWER: OnceCell<u32> = OnceCell::const_new_with(42);
    /// assert_eq!(ANSWER.get(), Some(&42));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            // No permit: every path checks `value_set` before the semaphore, and `take`
            // installs a fresh one-permit semaphore when it empties the cell.
            semaphore: Semaphore::const_new(0),
        }
    }

    /// A cell holding `value`, or an empty one for `None`.
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        let cell = OnceCell::new();
        if let Some(value) = value {
            // Fresh cell: the permit is free.
            cell.semaphore
                .try_acquire(1)
                .expect("a new cell has its permit");
            cell.set_value(value);
        }
        cell
    }

    /// Whether the cell holds a value.
    pub fn initialized(&self) -> bool {
        // Acquire pairs with the Release in `set_value`.
        self.value_set.load(Ordering::Acquire)
    }

    /// The value, if the cell holds one.
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: `value_set` was seen set (Acquire), so the value is written and never
            // written again while `&self` exists.
            Some(unsafe { self.value_ref() })
        } else {
            None
        }
    }

    /// The value, mutably, if the cell holds one.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        // `&mut self`: no other access, so Relaxed suffices (and works under loom).
        if self.value_set.load(Ordering::Relaxed) {
            // SAFETY: initialised, and `&mut self` excludes every other access.
            Some(unsafe { self.value.with_mut(|ptr| (*ptr).assume_init_mut()) })
        } else {
            None
        }
    }

    /// Sets the value if the cell is empty and nobody is initialising it.
    ///
    /// # Errors
    ///
    /// [`SetError::AlreadyInitializedError`] if it holds a value,
    /// [`SetError::InitializingError`] if an initialiser is running; both return `value`.
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                self.set_value(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// The value, running `init` to produce it if the cell is empty (see the module docs for
    /// who runs it when several tasks call this at once).
    pub async fn get_or_init<F, Fut>(&self, init: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(init().await) })
            .await
        {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](Self::get_or_init) with a fallible initialiser: on `Err` the cell
    /// stays empty, the error is returned, and the next waiter runs its initialiser.
    ///
    /// # Errors
    ///
    /// The initialiser's error.
    pub async fn get_or_try_init<E, F, Fut>(&self, init: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        match self.semaphore.acquire(1).await {
            Ok(()) => {
                let guard = PermitGuard(Some(&self.semaphore));
                let value = init().await?;
                guard.forget();
                Ok(self.set_value(value))
            }
            // Closed: the value was written before the semaphore closed.
            Err(_) => Ok(self
                .get()
                .expect("the semaphore closes only after the value is set")),
        }
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        // `&mut self`: no other access, so Relaxed suffices (and works under loom).
        if !self.value_set.load(Ordering::Relaxed) {
            return None;
        }
        self.value_set.store(false, Ordering::Relaxed);
        // The cell is empty again: a fresh permit for the next initialiser.
        self.semaphore = Semaphore::new(1);
        // SAFETY: the value was initialised, and clearing `value_set` means nobody reads or
        // drops it again.
        Some(unsafe { self.value.with_mut(|ptr| (*ptr).assume_init_read()) })
    }

    /// The value, consuming the cell.
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }

    /// Writes the value; the caller holds the permit, which is kept (the semaphore closes).
    fn set_value(&self, value: T) -> &T {
        // SAFETY: only the permit holder writes, once; nobody reads before `value_set`.
        unsafe { self.value.with_mut(|ptr| (*ptr).write(value)) };
        // Release pairs with `initialized`'s Acquire: readers see the write.
        self.value_set.store(true, Ordering::Release);
        self.semaphore.close();
        // SAFETY: just written.
        unsafe { self.value_ref() }
    }

    /// # Safety
    ///
    /// The value is initialised and `value_set` was seen set with Acquire (or by its writer).
    unsafe fn value_ref(&self) -> &T {
        // SAFETY: per the caller's guarantee; the pointer stays valid as long as `&self`.
        self.value.with(|ptr| unsafe { (*ptr).assume_init_ref() })
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}
