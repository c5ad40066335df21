//! The layout of a task's single allocation.
//!
//! ```text
//! Cell<T, S>  (#[repr(C)], one Box)
//! ├── Header   hot, type-erased: state word, queue link, vtable, owner id
//! ├── Core     scheduler handle, task id, the future / output stage
//! └── Trailer  cold: owned-list links, join waker
//! ```
//!
//! Everything that type-erased code (queues, wakers, the owned list) touches is in the
//! `Header`, at offset zero, so a `NonNull<Header>` is the task's identity. The vtable carries
//! the offsets of the fields further in, which depend on `T` and `S`.
//!
//! The cell's alignment is that of its fields (no cache-line padding): memory per idle task
//! is a benchmark, and the header's hot fields are already together at the start.

use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::raw::Vtable;
use super::state::State;
use super::{Id, JoinError, Schedule};
use crate::loom::UnsafeCell;
use crate::runtime::context;
use runtime_sync::foundation::linked_list;

/// The whole allocation.
#[repr(C)]
pub(super) struct Cell<T: Future, S> {
    pub(super) header: Header,
    pub(super) core: Core<T, S>,
    pub(super) trailer: Trailer,
}

/// The type-erased, hot part of a task.
#[repr(C)]
pub(crate) struct Header {
    /// Lifecycle flags and reference count; see `state.rs`.
    pub(super) state: State,

    /// Intrusive link for the injection queue. Owned by whichever queue holds the task's
    /// `Notified`, under that queue's lock.
    pub(super) queue_next: UnsafeCell<Option<NonNull<Header>>>,

    /// The functions that know `T` and `S`.
    pub(super) vtable: &'static Vtable,

    /// Id of the owned-task list that holds this task; `None` until it is bound. Written once,
    /// before the task is published to any other thread.
    pub(super) owner_id: UnsafeCell<Option<NonZeroU64>>,
}

// SAFETY: the header's interior mutability is the atomic state word plus fields that are
// written only by the thread that owns the matching right (the queue lock for `queue_next`,
// the binder before publication for `owner_id`), as documented on each field.
unsafe impl Send for Header {}
// SAFETY: as above.
unsafe impl Sync for Header {}

/// The part of a task that knows its future's type.
#[repr(C)]
pub(super) struct Core<T: Future, S> {
    /// The scheduler the task belongs to; used to schedule it when woken.
    pub(super) scheduler: S,
    /// The task's id.
    pub(super) task_id: Id,
    /// The future, then its output.
    pub(super) stage: CoreStage<T>,
}

/// The cold part of a task.
pub(super) struct Trailer {
    /// Links in the owned-task list.
    pub(super) owned: linked_list::Pointers<Header>,
    /// The `JoinHandle`'s waker; access is governed by the `JOIN_WAKER` bit.
    pub(super) waker: UnsafeCell<Option<Waker>>,
}

/// Holds the future while it runs, then its output until the `JoinHandle` takes it.
pub(super) struct CoreStage<T: Future> {
    stage: UnsafeCell<Stage<T>>,
}

/// Where the task is in its life.
pub(super) enum Stage<T: Future> {
    Running(T),
    Finished(Result<T::Output, JoinError>),
    Consumed,
}

impl<T: Future, S: Schedule> Cell<T, S> {
    /// Allocates a task. This is the task's one allocation.
    pub(super) fn new(future: T, scheduler: S, id: Id, vtable: &'static Vtable) -> Box<Self> {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(),
                queue_next: UnsafeCell::new(None),
                vtable,
                owner_id: UnsafeCell::new(None),
            },
            core: Core {
                scheduler,
                task_id: id,
                stage: CoreStage {
                    stage: UnsafeCell::new(Stage::Running(future)),
                },
            },
            trailer: Trailer::new(),
        });
        debug_assert_eq!(
            std::ptr::addr_of!(cell.trailer) as usize - std::ptr::addr_of!(*cell) as usize,
            vtable.trailer_offset
        );
        cell
    }
}

impl<T: Future, S: Schedule> Core<T, S> {
    /// Polls the future.
    ///
    /// # Safety
    ///
    /// The caller must hold `RUNNING`, which gives it exclusive access to the stage, and the
    /// stage must be `Running`.
    pub(super) unsafe fn poll(&self, mut cx: Context<'_>) -> Poll<T::Output> {
        let res = self.stage.stage.with_mut(|ptr| {
            // SAFETY: exclusive access by the caller's RUNNING bit.
            let future = match unsafe { &mut *ptr } {
                Stage::Running(future) => future,
                _ => unreachable!("polled a task whose future is gone"),
            };
            // SAFETY: the future lives inside the heap cell, which never moves, and is dropped
            // in place (by `set_stage`), so it is pinned.
            let future = unsafe { Pin::new_unchecked(future) };
            let _guard = context::TaskIdGuard::enter(self.task_id);
            future.poll(&mut cx)
        });
        if res.is_ready() {
            // SAFETY: still exclusive by RUNNING.
            unsafe { self.drop_future_or_output() };
        }
        res
    }

    /// Drops the future (or the output) in place.
    ///
    /// # Safety
    ///
    /// The caller must have exclusive access to the stage: it holds `RUNNING`, or the task is
    /// `COMPLETE` and the caller owns the output.
    pub(super) unsafe fn drop_future_or_output(&self) {
        // SAFETY: forwarded from the caller.
        unsafe { self.set_stage(Stage::Consumed) }
    }

    /// Stores the task's result.
    ///
    /// # Safety
    ///
    /// As `drop_future_or_output`.
    pub(super) unsafe fn store_output(&self, output: Result<T::Output, JoinError>) {
        // SAFETY: forwarded from the caller.
        unsafe { self.set_stage(Stage::Finished(output)) }
    }

    /// Takes the result out, leaving `Consumed`.
    ///
    /// # Safety
    ///
    /// The task must be `COMPLETE` and the caller must be the `JoinHandle`, which owns the
    /// output.
    pub(super) unsafe fn take_output(&self) -> Result<T::Output, JoinError> {
        self.stage.stage.with_mut(|ptr| {
            // SAFETY: exclusive access by the caller's contract.
            match std::mem::replace(unsafe { &mut *ptr }, Stage::Consumed) {
                Stage::Finished(output) => output,
                _ => panic!("`JoinHandle` polled after it returned its output"),
            }
        })
    }

    /// # Safety
    ///
    /// As `drop_future_or_output`.
    unsafe fn set_stage(&self, stage: Stage<T>) {
        // The old stage's destructor (the future, or an unread output) may ask for its task id.
        let _guard = context::TaskIdGuard::enter(self.task_id);
        // SAFETY: exclusive access by the caller's contract.
        self.stage.stage.with_mut(|ptr| unsafe { *ptr = stage });
    }
}

impl Header {
    /// Sets the owning list's id.
    ///
    /// # Safety
    ///
    /// Only before the task is published to another thread.
    pub(super) unsafe fn set_owner_id(&self, owner: NonZeroU64) {
        // SAFETY: no other thread can see the task yet.
        self.owner_id.with_mut(|ptr| unsafe { *ptr = Some(owner) });
    }

    /// The owning list's id, if bound.
    pub(super) fn owner_id(&self) -> Option<NonZeroU64> {
        // SAFETY: written once before publication; every later access is a read.
        self.owner_id.with(|ptr| unsafe { *ptr })
    }

    /// Reads the injection-queue link.
    ///
    /// # Safety
    ///
    /// The caller owns the link: it holds the lock of the queue the task is in, or it owns
    /// the task's `Notified` outside any queue.
    pub(crate) unsafe fn queue_next(&self) -> Option<NonNull<Header>> {
        // SAFETY: serialised by the queue lock, or exclusive by ownership of the `Notified`.
        self.queue_next.with(|ptr| unsafe { *ptr })
    }

    /// Writes the injection-queue link.
    ///
    /// # Safety
    ///
    /// As `queue_next`.
    pub(crate) unsafe fn set_queue_next(&self, next: Option<NonNull<Header>>) {
        // SAFETY: serialised by the queue lock, or exclusive by ownership of the `Notified`.
        self.queue_next.with_mut(|ptr| unsafe { *ptr = next });
    }

    /// The owned-list links of the task at `me`.
    ///
    /// # Safety
    ///
    /// `me` must point at a live task.
    pub(super) unsafe fn get_trailer(me: NonNull<Header>) -> NonNull<Trailer> {
        // SAFETY: the vtable's offset is that of this task's trailer inside its cell.
        unsafe {
            let offset = me.as_ref().vtable.trailer_offset;
            me.cast::<u8>().add(offset).cast::<Trailer>()
        }
    }

    /// The scheduler of the task at `me`.
    ///
    /// # Safety
    ///
    /// `me` must point at a live task whose scheduler type is `S`.
    pub(super) unsafe fn get_scheduler<S>(me: NonNull<Header>) -> NonNull<S> {
        // SAFETY: the vtable's offset is that of this task's scheduler inside its cell.
        unsafe {
            let offset = me.as_ref().vtable.scheduler_offset;
            me.cast::<u8>().add(offset).cast::<S>()
        }
    }

    /// The id of the task at `me`.
    ///
    /// # Safety
    ///
    /// `me` must point at a live task.
    pub(super) unsafe fn get_id(me: NonNull<Header>) -> Id {
        // SAFETY: the vtable's offset is that of this task's id inside its cell; the id is
        // never written after creation.
        unsafe {
            let offset = me.as_ref().vtable.id_offset;
            *me.cast::<u8>().add(offset).cast::<Id>().as_ref()
        }
    }
}

impl Trailer {
    fn new() -> Trailer {
        Trailer {
            owned: linked_list::Pointers::new(),
            waker: UnsafeCell::new(None),
        }
    }

    /// Replaces the join waker.
    ///
    /// # Safety
    ///
    /// The caller owns the slot (see `JOIN_WAKER`).
    pub(super) unsafe fn set_waker(&self, waker: Option<Waker>) {
        // SAFETY: the caller owns the slot.
        self.waker.with_mut(|ptr| unsafe { *ptr = waker });
    }

    /// Whether the stored join waker would wake the same task as `waker`.
    ///
    /// # Safety
    ///
    /// The slot must be readable by the caller: it owns it, or `JOIN_WAKER` is set and the
    /// caller is the `JoinHandle`.
    pub(super) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: readable by the caller's contract.
        self.waker.with(|ptr| unsafe {
            (*ptr)
                .as_ref()
                .expect("join waker bit set with no waker")
                .will_wake(waker)
        })
    }

    /// Wakes the join waker, leaving it in place.
    ///
    /// # Safety
    ///
    /// The caller is the completing thread and `JOIN_WAKER` is set.
    pub(super) unsafe fn wake_join(&self) {
        // SAFETY: readable by the caller's contract.
        self.waker.with(|ptr| match unsafe { &*ptr } {
            Some(waker) => waker.wake_by_ref(),
            None => panic!("join waker bit set with no waker"),
        });
    }
}
