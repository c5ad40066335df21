//! Task ids.

use std::fmt;
use std::num::NonZeroU64;

use crate::loom::{AtomicU64, Ordering::Relaxed};
use crate::runtime::context;

/// An opaque id that identifies a task among all tasks of the process that are alive.
///
/// Ids are unique while the task runs; a finished task's id is not reused in practice (it
/// comes from a 64-bit counter). Ids are ordered (so they can key a `BTreeMap`), but the
/// order says nothing about when tasks were spawned.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let handle = runtime::spawn(async { runtime::task::id() });
/// let inner_id = handle.id();
/// assert_eq!(handle.await.unwrap(), inner_id);
/// # });
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, PartialOrd, Ord)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    /// A fresh id.
    ///
    /// Each thread takes ids from the global counter in blocks, so that threads spawning at
    /// the same time do not contend on one cache line for every spawn.
    pub(crate) fn next() -> Id {
        #[cfg(not(loom))]
        {
            use std::cell::Cell;

            /// Ids a thread takes from the global counter at once.
            const BLOCK: u64 = 1024;

            static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

            thread_local! {
                /// The rest of this thread's block: `(next, end)`.
                static RANGE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
            }

            let from_block = RANGE.try_with(|range| {
                let (mut next, mut end) = range.get();
                if next == end {
                    // Relaxed: uniqueness only needs the RMW's atomicity, not ordering.
                    next = NEXT_BLOCK.fetch_add(BLOCK, Relaxed);
                    end = next + BLOCK;
                }
                range.set((next + 1, end));
                next
            });
            // A thread being torn down takes a single id.
            let id = from_block.unwrap_or_else(|_| NEXT_BLOCK.fetch_add(1, Relaxed));
            Id(NonZeroU64::new(id).expect("task id counter overflowed"))
        }
        #[cfg(loom)]
        {
            loom::lazy_static! {
                static ref NEXT_ID: AtomicU64 = AtomicU64::new(1);
            }
            Id(NonZeroU64::new(NEXT_ID.fetch_add(1, Relaxed)).expect("task id counter overflowed"))
        }
    }

    /// The id as a number, for hashing into shards.
    pub(crate) fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Returns the id of the task that is running on this thread.
///
/// # Panics
///
/// Panics when called outside a task (for example from `block_on`'s own future or from a
/// plain thread); use [`try_id`] there.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let id = runtime::spawn(async { runtime::task::id() }).await.unwrap();
/// println!("the task's id was {id}");
/// # });
/// ```
#[track_caller]
pub fn id() -> Id {
    match try_id() {
        Some(id) => id,
        None => panic!(
            "`runtime::task::id()` called outside of a task: there is no task running on this \
             thread; call it from inside a spawned task, or use `runtime::task::try_id()`"
        ),
    }
}

/// Returns the id of the task that is running on this thread, or `None` outside a task.
///
/// # Examples
///
/// ```
/// assert!(runtime::task::try_id().is_none());
/// ```
pub fn try_id() -> Option<Id> {
    context::current_task_id()
}
