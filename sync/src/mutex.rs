//! `Mutex`: an async, fair mutual-exclusion lock.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::batch_semaphore as batch;
use crate::util::block_on::block_on;

/// An async mutex: [`lock`](Self::lock) waits (without blocking the thread) until the data
/// is free, and the guard it returns may be held across `.await`s.
///
/// The lock is **fair**: waiters get it in the order they asked. Dropping a pending `lock`
/// future gives up its place and loses nothing. Unlike `std::sync::Mutex` there is no
/// poisoning: a panic while the guard is held just releases the lock.
///
/// Prefer a blocking mutex (`std::sync::Mutex`, `parking_lot::Mutex`) for data that is only
/// touched briefly and never across an `.await`; use this one when the guard must be held
/// across one.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use runtime_sync::Mutex;
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let counter = Arc::new(Mutex::new(0));
/// block_on(async {
///     let mut n = counter.lock().await;
///     *n += 1;
/// });
/// assert_eq!(*counter.try_lock().unwrap(), 1);
/// ```
pub struct Mutex<T: ?Sized> {
    s: batch::Semaphore,
    c: UnsafeCell<T>,
}

// SAFETY: the mutex hands out `&mut T` to one holder at a time (the semaphore has one
// permit), so sharing it between threads needs only `T: Send`, as for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Access to the data of a locked [`Mutex`]; unlocks when dropped.
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

/// Access to the data of a [`Mutex`] in an `Arc`, owning a reference to it (so it can move
/// into a spawned task); unlocks when dropped.
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
}

/// A [`MutexGuard`] narrowed to a part of the data by [`MutexGuard::map`].
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    s: &'a batch::Semaphore,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: a guard gives `&T` through `&guard`, so sharing it needs `T: Sync`; sending it only
// moves the exclusive access, which needs `T: Send` (as for `std::sync::MutexGuard`'s data).
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}
// SAFETY: the mapped guard holds the lock's permit and a pointer into the locked data.
unsafe impl<'a, T: ?Sized + Send + 'a> Send for MappedMutexGuard<'a, T> {}

/// The error of `try_lock`: the lock is held (or others are waiting for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl<T> Mutex<T> {
    /// A new, unlocked mutex.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            s: batch::Semaphore::new(1),
            c: UnsafeCell::new(value),
        }
    }

    /// A new, unlocked mutex, in a `const` context (a `static`).
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            s: batch::Semaphore::const_new(1),
            c: UnsafeCell::new(value),
        }
    }

    /// The data, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.c.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock. Fair: waiters are served in order.
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue, nothing else.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        if self.s.acquire(1).await.is_err() {
            unreachable!("a mutex's semaphore is never closed");
        }
        MutexGuard { lock: self }
    }

    /// Takes the lock if it is free and nobody waits for it.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(MutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`lock`](Self::lock) for a mutex in an `Arc`: the guard owns a reference.
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        if self.s.acquire(1).await.is_err() {
            unreachable!("a mutex's semaphore is never closed");
        }
        OwnedMutexGuard { lock: self }
    }

    /// [`try_lock`](Self::try_lock) for a mutex in an `Arc`.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Locks from synchronous code, parking the thread until the lock is free.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime: use `.lock().await` there.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        block_on("Mutex::blocking_lock", self.lock())
    }

    /// [`blocking_lock`](Self::blocking_lock) for a mutex in an `Arc`.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime.
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        block_on("Mutex::blocking_lock_owned", self.lock_owned())
    }

    /// The data, through an exclusive reference to the mutex (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the data.
    ///
    /// ```
    /// use runtime_sync::{Mutex, MutexGuard};
    ///
    /// let pair = Mutex::new((1, "one"));
    /// let guard = pair.try_lock().unwrap();
    /// let mut first = MutexGuard::map(guard, |pair| &mut pair.0);
    /// *first += 1;
    /// drop(first);
    /// assert_eq!(pair.try_lock().unwrap().0, 2);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let lock = this.lock;
        std::mem::forget(this);
        // SAFETY: the forgotten guard held the lock's permit, which the mapped guard now
        // holds; so this is the only access to the data.
        let data = f(unsafe { &mut *lock.c.get() }) as *mut U;
        MappedMutexGuard {
            s: &lock.s,
            data,
            _marker: PhantomData,
        }
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further.
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let (s, data) = (this.s, this.data);
        std::mem::forget(this);
        // SAFETY: the forgotten guard held the permit and pointed into the locked data.
        let data = f(unsafe { &mut *data }) as *mut U;
        MappedMutexGuard {
            s,
            data,
            _marker: PhantomData,
        }
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit.
        unsafe { &*self.lock.c.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock's only permit.
        unsafe { &mut *self.lock.c.get() }
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit.
        unsafe { &*self.lock.c.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock's only permit.
        unsafe { &mut *self.lock.c.get() }
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit; `data` points into the data.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock's only permit; `data` points into the data.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(1);
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}
