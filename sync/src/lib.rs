//! Async synchronisation primitives for `runtime`, and the cooperative budget.
//!
//! Nothing here needs a runtime: every primitive works under any executor. Inside `runtime`
//! they are re-exported as `runtime::sync`, and [`coop`] as `runtime::task::coop`.
//!
//! The crate sits at the bottom of the workspace's dependency graph, so it also holds the one
//! thread-local context every crate above shares: the cooperative budget and the "inside a
//! runtime" flag (see [`coop`]).
//!
//! # What is here
//!
//! * Locks: [`Mutex`], [`RwLock`], [`Semaphore`] — fair (first come, first served).
//! * Signalling: [`Notify`], [`Barrier`], [`OnceCell`], [`SetOnce`],
//!   [`CancellationToken`].
//! * Channels: [`oneshot`], [`mpsc`], [`watch`], [`broadcast`].
//!
//! # Common contract
//!
//! * **Cancellation safety.** Dropping a pending `lock`, `acquire`, `recv`, `send` or
//!   `notified` future never loses a permit, a message or a wake-up: whatever it had been
//!   handed goes to the next waiter.
//! * **Cooperative budget.** Every poll that can return `Ready` spends one unit of the
//!   task's budget (see [`coop`]), so a task whose resources are always ready still yields.
//! * **No blocking inside a runtime.** The `blocking_*` methods park the calling thread; called
//!   from inside an async runtime they panic with a message that says to `.await` instead.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod foundation;
mod util;

use foundation::loom;

pub mod coop;

/// Wakes a waker, containing a panic in its `wake` (for the drivers' and primitives' wake
/// batches: see the module's docs).
#[doc(hidden)]
pub use util::wake_contained::wake_contained;
pub mod oneshot;

// Locks and notification (the semaphore and `Notify` are the base of most of the rest).
mod batch_semaphore;
mod mutex;
mod notify;
mod rwlock;
mod semaphore;

pub use batch_semaphore::{AcquireError, TryAcquireError};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify, OwnedNotified};

/// The named future types, at tokio's path (`tokio::sync::futures`).
///
/// The same types are also exported at the crate root.
pub mod futures {
    pub use crate::notify::{Notified, OwnedNotified};
}
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

#[cfg(all(test, loom))]
mod loom_barrier_once_cell;
#[cfg(all(test, loom))]
mod loom_semaphore_notify;

// mpsc and AtomicWaker (section owned by the mpsc work).
mod atomic_waker;
pub use atomic_waker::AtomicWaker;
pub mod mpsc;

// broadcast, watch, CancellationToken, Barrier, OnceCell, SetOnce (section owned by the
// channels-and-cells work).
pub mod broadcast;
pub mod watch;

mod barrier;
mod cancellation_token;
mod once_cell;
mod set_once;

pub use barrier::{Barrier, BarrierWaitResult};
pub use once_cell::{OnceCell, SetError};
pub use set_once::{SetOnce, SetOnceError};

pub use cancellation_token::{
    CancellationToken, DropGuard, DropGuardRef, WaitForCancellationFuture,
    WaitForCancellationFutureOwned,
};
