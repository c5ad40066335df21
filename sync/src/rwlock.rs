//! `RwLock`: an async, fair reader-writer lock.
//!
//! Built on the fair semaphore: the lock holds `max_readers` permits, a reader takes one and a
//! writer takes all of them. Because the semaphore serves waiters in order, a writer that
//! waits holds back the readers that come after it: writers are never starved.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;

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

/// A write guard narrowed to a part of the data by [`RwLockWriteGuard::map`] (or `try_map`,
/// `into_mapped`). Unlike the write guard it cannot be downgraded: a read guard on the part
/// would let readers in while the rest of the data may still be borrowed mutably.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    permits: u32,
    s: &'a batch::Semaphore,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

/// Shared access to (a part `U` of) the data `T` of an [`RwLock`] in an `Arc`, owning a
/// reference to the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    data: *const U,
    lock: Arc<RwLock<T>>,
}

/// Exclusive access to the data of an [`RwLock`] in an `Arc`, owning a reference to it.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

/// An owned write guard narrowed to a part `U` of the data `T` by
/// [`OwnedRwLockWriteGuard::map`] (or `try_map`, `into_mapped`); it cannot be downgraded.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    data: *mut U,
    lock: Arc<RwLock<T>>,
}

// The bounds below are tokio's, so that code moving from tokio keeps compiling.
//
// SAFETY: a read guard gives `&T`: it may be sent when `T: Sync` (the data is shared), and
// shared when `T: Send + Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a write guard gives `&mut T` to its holder: sending it needs `T: Send + Sync` (the
// lock's readers on other threads may see the data afterwards, and a downgrade shares it);
// sharing it gives `&T`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as for the write guard.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as for the write guard.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: the owned read guard may drop the last `Arc`, and with it the whole `T`, on the
// thread it was sent to (hence `T: Send`); it shares `U` (hence `U: Sync`).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as for the owned read guard, with exclusive access to `U`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

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
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers (asked for \
             {max_reads})"
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

    /// [`with_max_readers`](Self::with_max_readers) in a `const` context (a `static`).
    ///
    /// # Panics
    ///
    /// Panics if `max_reads` is zero or more than `u32::MAX >> 3`.
    ///
    /// ```
    /// use runtime_sync::RwLock;
    ///
    /// static CONFIG: RwLock<u32> = RwLock::const_with_max_readers(0, 16);
    /// assert_eq!(*CONFIG.try_read().unwrap(), 0);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than u32::MAX >> 3 readers"
        );
        RwLock {
            max_readers: max_reads,
            s: batch::Semaphore::const_new(max_reads as usize),
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
        if std::future::poll_fn(|cx| self.poll_spin(cx, n)).await {
            return;
        }
        if self.s.acquire(n).await.is_err() {
            unreachable!("an RwLock's semaphore is never closed");
        }
    }

    /// One budgeted attempt to take the permits without queueing: `Ready(true)` took them,
    /// `Ready(false)` leaves the work to the semaphore's queued `Acquire`. With the budget
    /// spent it yields (`Pending`, woken by the budget) and neither takes nor queues.
    ///
    /// Not as tokio, whose `RwLock` goes straight to the semaphore, which queues (or takes
    /// the permits) before it yields. Doing that here made `rwlock_read_heavy` three to five
    /// times slower: a reader out of budget queued behind the writer (or held its permit
    /// through a whole deferral round, so the writer queued behind it), and once anyone is
    /// queued every reader queues, so the readers went through the queue one wake-up at a
    /// time instead of spinning in. What the yield gives up: a task out of budget may be
    /// overtaken by one that queues during its yield, as if it had arrived a moment later.
    /// It is never starved (it comes back with a fresh budget and queues if it must).
    fn poll_spin(&self, cx: &mut std::task::Context<'_>, n: usize) -> std::task::Poll<bool> {
        use std::task::Poll;
        let coop = std::task::ready!(coop::poll_proceed(cx));
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
        OwnedRwLockReadGuard::new(self)
    }

    /// [`write`](Self::write) for a lock in an `Arc`: the guard owns a reference.
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers as usize).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// [`try_read`](Self::try_read) for a lock in an `Arc`.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(OwnedRwLockReadGuard::new(self)),
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

// Every `map`-like method below runs the caller's closure while the guard it consumes still
// holds the lock, and forgets that guard only once the closure has returned: a panicking
// closure drops the guard, which releases the lock, like any other panic under a guard.

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the data. `f` runs while this guard still holds the
    /// lock: if it panics, the lock is released.
    ///
    /// ```
    /// use runtime_sync::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new((1, "one"));
    /// let guard = lock.try_read().unwrap();
    /// let name = RwLockReadGuard::map(guard, |pair| &pair.1);
    /// assert_eq!(*name, "one");
    /// ```
    pub fn map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        let s = this.s;
        std::mem::forget(this);
        RwLockReadGuard {
            s,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard to a part of the data if `f` returns `Some`; gives the guard back
    /// unchanged if it returns `None`. `f` runs while this guard still holds the lock.
    pub fn try_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let Some(data) = f(&*this).map(|data| data as *const U) else {
            return Err(this);
        };
        let s = this.s;
        std::mem::forget(this);
        Ok(RwLockReadGuard {
            s,
            data,
            _marker: PhantomData,
        })
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the data. `f` runs while this guard still holds the
    /// lock: if it panics, the lock is released.
    ///
    /// ```
    /// use runtime_sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((1, "one"));
    /// let guard = lock.try_write().unwrap();
    /// let mut first = RwLockWriteGuard::map(guard, |pair| &mut pair.0);
    /// *first = 2;
    /// drop(first);
    /// assert_eq!(lock.try_read().unwrap().0, 2);
    /// ```
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (permits, s) = (this.permits, this.s);
        std::mem::forget(this);
        RwLockMappedWriteGuard {
            permits,
            s,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard to a part of the data if `f` returns `Some`; gives the guard back
    /// unchanged if it returns `None`. `f` runs while this guard still holds the lock.
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(|data| data as *mut U) else {
            return Err(this);
        };
        let (permits, s) = (this.permits, this.s);
        std::mem::forget(this);
        Ok(RwLockMappedWriteGuard {
            permits,
            s,
            data,
            _marker: PhantomData,
        })
    }

    /// The whole data as a mapped guard (which cannot be downgraded).
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |data| data)
    }

    /// Narrows the guard to a part of the data and turns it into shared access, without
    /// letting a writer in between. `f` runs while the lock is still held exclusively (no
    /// reader gets in before it returns); if it panics, the lock is released.
    ///
    /// ```
    /// use runtime_sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((1, "one"));
    /// let guard = lock.try_write().unwrap();
    /// let name = RwLockWriteGuard::downgrade_map(guard, |pair| &pair.1);
    /// assert!(lock.try_read().is_ok());
    /// assert!(lock.try_write().is_err());
    /// assert_eq!(*name, "one");
    /// ```
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        this.into_read_guard(data)
    }

    /// Like [`downgrade_map`](Self::downgrade_map) if `f` returns `Some`; gives the write
    /// guard back unchanged (still exclusive) if it returns `None`.
    pub fn try_downgrade_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let Some(data) = f(&*this).map(|data| data as *const U) else {
            return Err(this);
        };
        Ok(this.into_read_guard(data))
    }

    /// Turns exclusive access into shared access without letting a writer in between; the
    /// other waiting readers can proceed.
    ///
    /// ```
    /// use runtime_sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// let r = w.downgrade();
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_ok());
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let data = self.data as *const T;
        self.into_read_guard(data)
    }

    /// Keeps one permit for a read guard on `data` and gives the rest back.
    fn into_read_guard<U: ?Sized>(self, data: *const U) -> RwLockReadGuard<'a, U> {
        let (permits, s) = (self.permits, self.s);
        std::mem::forget(self);
        // Keep one permit for the reader; the rest go to whoever waits.
        s.release(permits as usize - 1);
        RwLockReadGuard {
            s,
            data,
            _marker: PhantomData,
        }
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows the guard further. `f` runs while this guard still holds the lock.
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (permits, s) = (this.permits, this.s);
        std::mem::forget(this);
        RwLockMappedWriteGuard {
            permits,
            s,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard further if `f` returns `Some`; gives it back unchanged otherwise.
    /// `f` runs while this guard still holds the lock.
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(|data| data as *mut U) else {
            return Err(this);
        };
        let (permits, s) = (this.permits, this.s);
        std::mem::forget(this);
        Ok(RwLockMappedWriteGuard {
            permits,
            s,
            data,
            _marker: PhantomData,
        })
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard {
            data: lock.c.get(),
            lock,
        }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the data; it keeps owning the lock. `f` runs while
    /// this guard still holds the lock: if it panics, the lock is released.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use runtime_sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((1, "one")));
    /// let guard = lock.clone().try_read_owned().unwrap();
    /// let name = OwnedRwLockReadGuard::map(guard, |pair| &pair.1);
    /// assert_eq!(*name, "one");
    /// ```
    pub fn map<F, V: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        let data = f(&*this) as *const V;
        OwnedRwLockReadGuard {
            data,
            lock: this.into_lock(),
        }
    }

    /// Narrows the guard if `f` returns `Some`; gives it back unchanged otherwise. `f` runs
    /// while this guard still holds the lock.
    pub fn try_map<F, V: ?Sized>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let Some(data) = f(&*this).map(|data| data as *const V) else {
            return Err(this);
        };
        Ok(OwnedRwLockReadGuard {
            data,
            lock: this.into_lock(),
        })
    }

    /// The lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// The `Arc`, without releasing: the caller takes over the read permit.
    fn into_lock(self) -> Arc<RwLock<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` moves out exactly once.
        unsafe { std::ptr::read(&this.lock) }
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Narrows the guard to a part of the data; it keeps owning the lock. `f` runs while
    /// this guard still holds the lock: if it panics, the lock is released.
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        OwnedRwLockMappedWriteGuard {
            data,
            lock: this.into_lock(),
        }
    }

    /// Narrows the guard if `f` returns `Some`; gives it back unchanged otherwise. `f` runs
    /// while this guard still holds the lock.
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(|data| data as *mut U) else {
            return Err(this);
        };
        Ok(OwnedRwLockMappedWriteGuard {
            data,
            lock: this.into_lock(),
        })
    }

    /// The whole data as a mapped guard (which cannot be downgraded).
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |data| data)
    }

    /// Narrows the guard to a part of the data and turns it into shared access, without
    /// letting a writer in between. `f` runs while the lock is still held exclusively; if it
    /// panics, the lock is released.
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        this.into_read_guard(data)
    }

    /// Like [`downgrade_map`](Self::downgrade_map) if `f` returns `Some`; gives the write
    /// guard back unchanged (still exclusive) if it returns `None`.
    pub fn try_downgrade_map<F, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let Some(data) = f(&*this).map(|data| data as *const U) else {
            return Err(this);
        };
        Ok(this.into_read_guard(data))
    }

    /// Turns exclusive access into shared access without letting a writer in between.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use runtime_sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut w = lock.clone().try_write_owned().unwrap();
    /// *w = 2;
    /// let r = w.downgrade();
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_ok());
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let data = self.lock.c.get() as *const T;
        self.into_read_guard(data)
    }

    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Keeps one permit for a read guard on `data` and gives the rest back.
    fn into_read_guard<U: ?Sized>(self, data: *const U) -> OwnedRwLockReadGuard<T, U> {
        let lock = self.into_lock();
        // Keep one permit for the reader; the rest go to whoever waits.
        lock.s.release(lock.max_readers as usize - 1);
        OwnedRwLockReadGuard { data, lock }
    }

    /// The `Arc`, without releasing: the caller takes over every permit.
    fn into_lock(self) -> Arc<RwLock<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` moves out exactly once.
        unsafe { std::ptr::read(&this.lock) }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows the guard further. `f` runs while this guard still holds the lock.
    pub fn map<F, V: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        let data = f(&mut *this) as *mut V;
        OwnedRwLockMappedWriteGuard {
            data,
            lock: this.into_lock(),
        }
    }

    /// Narrows the guard further if `f` returns `Some`; gives it back unchanged otherwise.
    /// `f` runs while this guard still holds the lock.
    pub fn try_map<F, V: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let Some(data) = f(&mut *this).map(|data| data as *mut V) else {
            return Err(this);
        };
        Ok(OwnedRwLockMappedWriteGuard {
            data,
            lock: this.into_lock(),
        })
    }

    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// The `Arc`, without releasing: the caller takes over every permit.
    fn into_lock(self) -> Arc<RwLock<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` moves out exactly once.
        unsafe { std::ptr::read(&this.lock) }
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

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the guard holds a read permit; `data` points into the data, which the `Arc`
        // keeps alive.
        unsafe { &*self.data }
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

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the guard holds every permit; `data` points into the data, which the `Arc`
        // keeps alive.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`.
        unsafe { &mut *self.data }
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

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(self.lock.max_readers as usize);
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
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

impl<T: ?Sized> fmt::Debug for RwLockReadGuard<'_, T>
where
    T: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Display for RwLockReadGuard<'_, T>
where
    T: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Debug for RwLockWriteGuard<'_, T>
where
    T: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Display for RwLockWriteGuard<'_, T>
where
    T: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Debug for RwLockMappedWriteGuard<'_, T>
where
    T: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Display for RwLockMappedWriteGuard<'_, T>
where
    T: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized> fmt::Debug for OwnedRwLockReadGuard<T, U>
where
    U: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized> fmt::Display for OwnedRwLockReadGuard<T, U>
where
    U: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Debug for OwnedRwLockWriteGuard<T>
where
    T: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Display for OwnedRwLockWriteGuard<T>
where
    T: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized> fmt::Debug for OwnedRwLockMappedWriteGuard<T, U>
where
    U: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized> fmt::Display for OwnedRwLockMappedWriteGuard<T, U>
where
    U: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
