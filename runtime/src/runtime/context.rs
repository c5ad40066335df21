//! The thread-local runtime context: which runtime is current, which scheduler runs on this
//! thread, which task is being polled.
//!
//! The cooperative budget and the "inside a runtime" flag live one crate down, in
//! `runtime_sync::coop`, so that the sync primitives can see them too.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

use super::handle::TryCurrentError;
use super::scheduler;
use crate::task::Id;

/// Why a `block_on` inside a runtime panics: tokio's words (its tests check them), then ours.
macro_rules! nested_block_on_message {
    ($what:literal) => {
        concat!(
            $what,
            " called from inside an async runtime. Cannot start a runtime from within a \
             runtime. This happens because a function (like `block_on`) attempted to block the \
             current thread while the thread is being used to drive asynchronous tasks. If you \
             are in an async function, use `.await` on the future instead of blocking on it. \
             From blocking code, call it from a `runtime::task::spawn_blocking` closure or a \
             plain thread."
        )
    };
}
pub(crate) use nested_block_on_message;

struct Context {
    /// The runtime `Handle::current()` returns, and how many `enter` guards are live.
    current: RefCell<Option<scheduler::Handle>>,
    depth: Cell<usize>,

    /// The scheduler running on this thread, while it runs; lets `schedule` tell a wake from
    /// the scheduler's own thread (local queue) from a remote one (injection queue).
    scheduler: Cell<*const scheduler::Context>,

    /// The task being polled on this thread.
    current_task_id: Cell<Option<Id>>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            current: RefCell::new(None),
            depth: Cell::new(0),
            scheduler: Cell::new(std::ptr::null()),
            current_task_id: Cell::new(None),
        }
    };
}

/// Runs `f` with the current runtime's handle.
pub(crate) fn with_current<R>(
    f: impl FnOnce(&scheduler::Handle) -> R,
) -> Result<R, TryCurrentError> {
    match CONTEXT.try_with(|ctx| ctx.current.borrow().as_ref().map(f)) {
        Ok(Some(ret)) => Ok(ret),
        Ok(None) => Err(TryCurrentError::new_no_context()),
        Err(_) => Err(TryCurrentError::new_thread_local_destroyed()),
    }
}

/// Makes `handle` the current runtime until the guard is dropped. Returns `None` if the
/// thread-local is gone (the thread is exiting).
pub(crate) fn try_set_current(handle: &scheduler::Handle) -> Option<SetCurrentGuard> {
    CONTEXT
        .try_with(|ctx| {
            let prev = ctx.current.borrow_mut().replace(handle.clone());
            let depth = ctx.depth.get() + 1;
            ctx.depth.set(depth);
            SetCurrentGuard {
                prev,
                depth,
                _drivers: handle.driver().enter(),
                _not_send: PhantomData,
            }
        })
        .ok()
}

/// Restores the previous current runtime when dropped.
pub(crate) struct SetCurrentGuard {
    prev: Option<scheduler::Handle>,
    depth: usize,
    /// The runtime's timers and reactor are current while its context is (restored after
    /// ours).
    _drivers: (
        runtime_time::driver::EnterGuard,
        runtime_net::driver::EnterGuard,
    ),
    _not_send: PhantomData<*const ()>,
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|ctx| {
            let depth = ctx.depth.get();
            if depth != self.depth {
                if !std::thread::panicking() {
                    panic!(
                        "`EnterGuard`s dropped out of order: guards returned by \
                         `Runtime::enter()` / `Handle::enter()` must be dropped in the reverse \
                         order of their creation"
                    );
                }
                return;
            }
            *ctx.current.borrow_mut() = self.prev.take();
            ctx.depth.set(depth - 1);
        });
    }
}

/// Runs `f` with `cx` as this thread's scheduler.
pub(crate) fn set_scheduler<R>(cx: &scheduler::Context, f: impl FnOnce() -> R) -> R {
    struct Reset(*const scheduler::Context);

    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|ctx| ctx.scheduler.set(self.0));
        }
    }

    let prev = CONTEXT.try_with(|ctx| ctx.scheduler.replace(cx));
    let _reset = prev.ok().map(Reset);
    f()
}

/// Runs `f` with this thread's scheduler, if one is running.
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    let ptr = CONTEXT
        .try_with(|ctx| ctx.scheduler.get())
        .unwrap_or(std::ptr::null());
    // SAFETY: the pointer is set only by `set_scheduler`, for the duration of a call that
    // borrows the context, and restored before that borrow ends; so it is null or live.
    f(unsafe { ptr.as_ref() })
}

/// The id of the task being polled on this thread.
pub(crate) fn current_task_id() -> Option<Id> {
    CONTEXT
        .try_with(|ctx| ctx.current_task_id.get())
        .ok()
        .flatten()
}

/// Sets the current task id for the duration of a poll (or a drop).
pub(crate) struct TaskIdGuard {
    prev: Option<Id>,
}

impl TaskIdGuard {
    pub(crate) fn enter(id: Id) -> TaskIdGuard {
        let prev = CONTEXT
            .try_with(|ctx| ctx.current_task_id.replace(Some(id)))
            .ok()
            .flatten();
        TaskIdGuard { prev }
    }
}

impl Drop for TaskIdGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|ctx| ctx.current_task_id.set(self.prev));
    }
}
