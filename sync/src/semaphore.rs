//! `Semaphore`: a fair counting semaphore for async code.

use std::fmt;
use std::sync::Arc;

use crate::batch_semaphore::{self as batch, AcquireError, TryAcquireError};
use crate::util::block_on::block_on;

/// A counting semaphore: a pool of permits that tasks acquire and give back.
///
/// [`acquire`](Self::acquire) waits for a permit; the returned [`SemaphorePermit`] gives it
/// back when dropped. Waiters are served **in order**: a task asking for many permits with
/// [`acquire_many`](Self::acquire_many) is not starved by later tasks asking for few, and
/// [`try_acquire`](Self::try_acquire) does not jump the queue. A pending acquire that is
/// dropped gives back whatever permits it had already been handed, so cancellation never
/// loses permits. [`close`](Self::close) makes every pending and later acquire fail.
///
/// # Examples
///
/// Limit the number of concurrent jobs:
///
/// ```
/// use std::sync::Arc;
/// use runtime_sync::Semaphore;
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let limit = Arc::new(Semaphore::new(2));
/// block_on(async {
///     let a = limit.acquire().await.unwrap();
///     let b = limit.acquire().await.unwrap();
///     assert_eq!(limit.available_permits(), 0);
///     assert!(limit.try_acquire().is_err());
///     drop(a);
///     assert_eq!(limit.available_permits(), 1);
///     # drop(b);
/// });
/// ```
pub struct Semaphore {
    ll_sem: batch::Semaphore,
}

/// Permits taken from a [`Semaphore`]; given back when dropped.
#[must_use = "the permits are given back as soon as this is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

/// Permits taken from a [`Semaphore`] in an `Arc`, owning a reference to it; given back when
/// dropped.
#[must_use = "the permits are given back as soon as this is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`.
    pub const MAX_PERMITS: usize = batch::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// Panics if `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            ll_sem: batch::Semaphore::new(permits),
        }
    }

    /// A semaphore with `permits` permits, in a `const` context (a `static`).
    ///
    /// ```
    /// use runtime_sync::Semaphore;
    ///
    /// static CONNECTIONS: Semaphore = Semaphore::const_new(10);
    /// assert_eq!(CONNECTIONS.available_permits(), 10);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            ll_sem: batch::Semaphore::const_new(permits),
        }
    }

    /// The permits available right now.
    pub fn available_permits(&self) -> usize {
        self.ll_sem.available_permits()
    }

    /// Adds `n` permits, waking waiters that can now proceed (oldest first).
    ///
    /// # Panics
    ///
    /// Panics if the count would exceed [`MAX_PERMITS`](Self::MAX_PERMITS).
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll_sem.release(n);
    }

    /// Removes up to `n` of the available permits for good; returns how many were removed.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll_sem.forget_permits(n)
    }

    /// Waits for one permit. Fails only if the semaphore is [closed](Self::close).
    ///
    /// Cancel-safe in the sense that dropping the future loses no permits, but it loses the
    /// future's place in the queue.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll_sem.acquire(1).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits at once; see [`acquire`](Self::acquire).
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll_sem.acquire(n as usize).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Takes one permit if one is available and nobody is waiting.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are available and nobody is waiting.
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll_sem.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Takes one permit from synchronous code, parking the thread until one is available.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) [closed](Self::close).
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime: `.await` [`acquire`](Self::acquire)
    /// there.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use runtime_sync::Semaphore;
    ///
    /// let sem = Arc::new(Semaphore::new(1));
    /// let permit = sem.blocking_acquire().unwrap();
    /// let waiter = std::thread::spawn({
    ///     let sem = sem.clone();
    ///     move || drop(sem.blocking_acquire().unwrap())
    /// });
    /// drop(permit);
    /// waiter.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        block_on("Semaphore::blocking_acquire", self.acquire())
    }

    /// Takes `n` permits from synchronous code, parking the thread until they are available.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) [closed](Self::close).
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime: `.await`
    /// [`acquire_many`](Self::acquire_many) there.
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        block_on("Semaphore::blocking_acquire_many", self.acquire_many(n))
    }

    /// [`blocking_acquire`](Self::blocking_acquire) for a semaphore in an `Arc`: the permit
    /// owns a reference.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) [closed](Self::close).
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime.
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        block_on("Semaphore::blocking_acquire_owned", self.acquire_owned())
    }

    /// [`blocking_acquire_many`](Self::blocking_acquire_many) for a semaphore in an `Arc`.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) [closed](Self::close).
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime.
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        block_on(
            "Semaphore::blocking_acquire_many_owned",
            self.acquire_many_owned(n),
        )
    }

    /// [`acquire`](Self::acquire) for a semaphore in an `Arc`: the permit owns a reference,
    /// so it can be moved into a spawned task.
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// [`acquire_many`](Self::acquire_many) for a semaphore in an `Arc`.
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll_sem.acquire(n as usize).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// [`try_acquire`](Self::try_acquire) for a semaphore in an `Arc`.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// [`try_acquire_many`](Self::try_acquire_many) for a semaphore in an `Arc`.
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll_sem.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Closes the semaphore: pending and later acquires fail with [`AcquireError`]. Permits
    /// already held stay valid and are still given back.
    pub fn close(&self) {
        self.ll_sem.close();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.ll_sem.is_closed()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Adds `other`'s permits to this one.
    ///
    /// # Panics
    ///
    /// Panics if `other` comes from another semaphore.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit; `None` if this one holds fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Adds `other`'s permits to this one.
    ///
    /// # Panics
    ///
    /// Panics if `other` comes from another semaphore.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit; `None` if this one holds fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("ll_sem", &self.ll_sem)
            .finish()
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}
