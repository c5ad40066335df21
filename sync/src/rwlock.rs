//! `RwLock`: an async, fair reader-writer lock.
//!
//! Built on the fair semaphore: the lock holds `max_readers` permits, a reader takes one and a
//! writer takes all of them. Because the semaphore serves waiters in order, a writer that
//! waits holds back the readers that come after it: writers are never starved.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::batch_semaphore as batch;
use crate::coop;
use crate::mutex::TryLockError;
use crate::util::block_on::block_on;

/// The most concurrent readers a lock allows.
#[cfg(not(loom))]
const MAX_READS: u32 = u32::MAX >> 3;
#[cfg(loom)]
const MAX_READS: u32 = 10;

/// An async reader-writer lock: many readers or one writer at a time.
///
/// Fair: readers and writers are served in the order they asked, so a waiting writer is never
/// starved by a stream of readers (a reader that arrives after a waiting writer waits too).
/// Dropping a pending `read`/`write` future gives up its place and loses nothing. No
/// poisoning.
///
/// # Examples
///
/// ```
/// use runtime_sync::RwLock;
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let lock = RwLock::new(5);
/// block_on(async {
///     {
///         let r1 = lock.read().await;
///         let r2 = lock.read().await;
///         assert_eq!(*r1 + *r2, 10);
///         assert!(lock.try_write().is_err());
///     }
///     let mut w = lock.write().await;
///     *w += 1;
/// });
/// assert_eq!(lock.into_inner(), 6);
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    s: batch::Semaphore,
    /// How many times `read`/`write` retry before they queue; see `try_spin`.
    spin: AtomicU32,
    c: UnsafeCell<T>,
}

/// The most and fewest retries of `try_spin`, and where a new lock starts.
const SPIN_LIMIT: u32 = 64;
const SPIN_FLOOR: u32 = 2;
const SPIN_START: u32 = 16;

// SAFETY: exclusive access is handed to one writer at a time and shared access to readers,
// as with `std::sync::RwLock`: sending the lock needs `T: Send`, sharing it `T: Send + Sync`.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

/// Shared access to the data of an [`RwLock`]; releases it when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    s: &'a batch::Semaphore,
    data: *const T,
    _marker: PhantomData<&'a T>,
}

/// Exclusive access to the data of an [`RwLock`]; releases it when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    permits: u32,
    s: &'a batch::Semaphore,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

/// A write guard narrowed to a part of the data by [`RwLockWriteGuard::map`].
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    permits: u32,
    s: &'a batch::Semaphore,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

/// Shared access to the data of an [`RwLock`] in an `Arc`, owning a reference to it.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

/// Exclusive access to the data of an [`RwLock`] in an `Arc`, owning a reference to it.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

// SAFETY: a read guard gives `&T`: it may be sent or shared when `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a write guard gives `&mut T` to its holder: sending it needs `T: Send + Sync` (the
// lock's readers on other threads may see the data afterwards), sharing it `T: Sync`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as for the write guard.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as for the write guard.
unsafe impl<T: ?Sized + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock.
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            max_readers: MAX_READS,
            s: batch::Semaphore::new(MAX_READS as usize),
            spin: AtomicU32::new(SPIN_START),
            c: UnsafeCell::new(value),
        }
    }

    /// A new lock that allows at most `max_reads` readers at a time.
    ///
    /// # Panics
    ///
    /// Panics if `max_reads` is zero or more than `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert!(
            max_reads > 0 && max_reads <= MAX_READS,
            "a RwLock needs between 1 and {MAX_READS} readers, not {max_reads}"
        );
        RwLock {
            max_readers: max_reads,
            s: batch::Semaphore::new(max_reads as usize),
            spin: AtomicU32::new(SPIN_START),
            c: UnsafeCell::new(value),
        }
    }

    /// A new, unlocked lock, in a `const` context (a `static`).
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock {
            max_readers: MAX_READS,
            s: batch::Semaphore::const_new(MAX_READS as usize),
            spin: AtomicU32::new(SPIN_START),
            c: UnsafeCell::new(value),
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> T {
        self.c.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Takes `n` permits: first by spinning briefly (see `try_spin`), else by queueing.
    async fn acquire(&self, n: usize) {
        if poll_fn(|cx| self.poll_spin(cx, n)).await {
            return;
        }
        if self.s.acquire(n).await.is_err() {
            unreachable!("an RwLock's semaphore is never closed");
        }
    }

    /// One budgeted attempt to take the permits without queueing.
    fn poll_spin(&self, cx: &mut Context<'_>, n: usize) -> Poll<bool> {
        let coop = ready!(coop::poll_proceed(cx));
        if self.try_spin(n) {
            coop.made_progress();
            Poll::Ready(true)
        } else {
            // Dropping `coop` refunds the unit: the queued acquire spends it instead.
            Poll::Ready(false)
        }
    }

    /// Tries to take `n` permits, retrying a few times while they are held but nobody is
    /// queued: a holder on another thread usually releases within a short critical section,
    /// and a few hundred nanoseconds of spinning are far cheaper than queueing and being woken
    /// (a lock convoy). Never overtakes a queued waiter: `try_acquire` fails while someone
    /// waits, and the spin stops. The length adapts: a spin that succeeds doubles it, one that
    /// fails halves it, so a lock held across `.await`s wastes almost nothing.
    ///
    /// Only the `RwLock` spins: measured on two busy cores it halves the read-heavy time,
    /// while the mutex, the semaphore and bounded `mpsc` lost throughput to it (the spinner
    /// takes the CPU from the task that would release; docs/benchmarks.md).
    fn try_spin(&self, n: usize) -> bool {
        if self.s.try_acquire(n).is_ok() {
            return true;
        }
        if cfg!(loom) {
            // Spinning would only multiply loom's interleavings.
            return false;
        }
        // Relaxed: the spin length is a hint that no correctness argument depends on.
        let limit = self.spin.load(Relaxed);
        for _ in 0..limit {
            std::hint::spin_loop();
            if self.s.has_waiters() {
                break;
            }
            if self.s.try_acquire(n).is_ok() {
                self.spin.store((limit * 2).min(SPIN_LIMIT), Relaxed);
                return true;
            }
        }
        self.spin.store((limit / 2).max(SPIN_FLOOR), Relaxed);
        false
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            s: &self.s,
            data: self.c.get(),
            _marker: PhantomData,
        }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            permits: self.max_readers,
            s: &self.s,
            data: self.c.get(),
            _marker: PhantomData,
        }
    }

    /// Waits for shared access. Waits behind any writer that asked earlier.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// Waits for exclusive access.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers as usize).await;
        self.write_guard()
    }

    /// Takes shared access if no writer holds or waits for the lock.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(self.read_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Takes exclusive access if nobody holds or waits for the lock.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(self.max_readers as usize) {
            Ok(()) => Ok(self.write_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`read`](Self::read) for a lock in an `Arc`: the guard owns a reference.
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard { lock: self }
    }

    /// [`write`](Self::write) for a lock in an `Arc`: the guard owns a reference.
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers as usize).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// [`try_read`](Self::try_read) for a lock in an `Arc`.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(OwnedRwLockReadGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`try_write`](Self::try_write) for a lock in an `Arc`.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match self.s.try_acquire(self.max_readers as usize) {
            Ok(()) => Ok(OwnedRwLockWriteGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Shared access from synchronous code, parking the thread until it is granted.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime: use `.read().await` there.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        block_on("RwLock::blocking_read", self.read())
    }

    /// Exclusive access from synchronous code, parking the thread until it is granted.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime: use `.write().await` there.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        block_on("RwLock::blocking_write", self.write())
    }

    /// The data, through an exclusive reference to the lock (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the data.
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let (s, data) = (this.s, this.data);
        std::mem::forget(this);
        // SAFETY: the forgotten guard held a read permit, which the new guard now holds.
        let data = f(unsafe { &*data }) as *const U;
        RwLockReadGuard {
            s,
            data,
            _marker: PhantomData,
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the data.
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let (permits, s, data) = (this.permits, this.s, this.data);
        std::mem::forget(this);
        // SAFETY: the forgotten guard held every permit, which the new guard now holds.
        let data = f(unsafe { &mut *data }) as *mut U;
        RwLockMappedWriteGuard {
            permits,
            s,
            data,
            _marker: PhantomData,
        }
    }

    /// Turns exclusive access into shared access without letting a writer in between; the
    /// other waiting readers can proceed.
    ///
    /// ```
    /// use runtime_sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_ok());
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let (permits, s, data) = (this.permits, this.s, this.data);
        std::mem::forget(this);
        // Keep one permit for the reader; the rest go to whoever waits.
        s.release(permits as usize - 1);
        RwLockReadGuard {
            s,
            data,
            _marker: PhantomData,
        }
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Turns exclusive access into shared access without letting a writer in between.
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` moves out exactly once
        // (without running the write guard's drop, which would release every permit).
        let lock = unsafe { std::ptr::read(&this.lock) };
        // Keep one permit for the reader; the rest go to whoever waits.
        lock.s.release(lock.max_readers as usize - 1);
        OwnedRwLockReadGuard { lock }
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// The lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds a read permit, so no writer has access.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds every permit.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds every permit.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds a read permit.
        unsafe { &*self.lock.c.get() }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit.
        unsafe { &*self.lock.c.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds every permit.
        unsafe { &mut *self.lock.c.get() }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(1);
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(self.permits as usize);
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(self.permits as usize);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockReadGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(self.lock.max_readers as usize);
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockMappedWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
