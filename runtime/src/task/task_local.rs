//! Task-local storage: a value that belongs to a future rather than to a thread.
//!
//! A [`LocalKey`] is declared with [`task_local!`](crate::task_local) and given a value for
//! the duration of a future with [`LocalKey::scope`] (or of a closure with
//! [`LocalKey::sync_scope`]). Inside, [`LocalKey::with`] / [`get`](LocalKey::get) read it.
//!
//! # How it works
//!
//! The key is a thread-local slot. The future returned by `scope` owns the value and swaps
//! it into the slot for the duration of each of its polls, then swaps it back out, so the
//! value follows the future from thread to thread and never leaks into other tasks polled
//! on the same thread. The inner future is also dropped inside the scope, so its destructors
//! see the value too.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static`s of type [`LocalKey<T>`](LocalKey).
///
/// ```
/// runtime::task_local! {
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// REQUEST_ID
///     .scope(7, async {
///         assert_eq!(REQUEST_ID.get(), 7);
///     })
///     .await;
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::task_local!($(#[$attr])* $vis static $name: $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __RUNTIME_TASK_LOCAL: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(__RUNTIME_TASK_LOCAL)
        };
    };
    ($($other:tt)*) => {
        ::core::compile_error!(
            "`task_local!` declares statics: `task_local! { pub static NAME: Type; }`"
        );
    };
}

/// A key for task-local data, declared with [`task_local!`](crate::task_local).
///
/// The value is set for the duration of a future with [`scope`](Self::scope) and read inside
/// it with [`with`](Self::with), [`try_with`](Self::try_with) or [`get`](Self::get). Unlike a
/// thread-local, it follows the future across threads, and other tasks on the same thread do
/// not see it.
///
/// # Examples
///
/// ```
/// runtime::task_local! {
///     static DEPTH: u32;
/// }
///
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// DEPTH
///     .scope(1, async {
///         DEPTH.with(|depth| assert_eq!(*depth, 1));
///         // A nested scope shadows the outer value.
///         DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
///         assert_eq!(DEPTH.get(), 1);
///     })
///     .await;
/// // Outside every scope there is no value.
/// assert!(DEPTH.try_with(|_| ()).is_err());
/// # });
/// ```
pub struct LocalKey<T: 'static> {
    inner: std::thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Used by `task_local!`; not a public API.
    #[doc(hidden)]
    pub const fn __new(inner: std::thread::LocalKey<RefCell<Option<T>>>) -> LocalKey<T> {
        LocalKey { inner }
    }

    /// Runs `future` with the key set to `value`: on every poll of the returned future, and
    /// when it is dropped.
    ///
    /// The value can be taken back out with [`TaskLocalFuture::take_value`].
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            local: self,
            slot: Some(value),
            future: Some(future),
            _pinned: std::marker::PhantomPinned,
        }
    }

    /// Runs the closure `f` with the key set to `value`.
    ///
    /// # Panics
    ///
    /// Panics if called inside [`with`](Self::with) of the same key (the value is borrowed),
    /// or while the thread is being torn down.
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        match self.scope_inner(&mut slot, f) {
            Ok(ret) => ret,
            Err(err) => err.panic(),
        }
    }

    /// Calls `f` with a reference to the value.
    ///
    /// # Panics
    ///
    /// Panics if the key has no value here (outside every `scope`).
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(ret) => ret,
            Err(_) => panic!(
                "task-local value read outside of its scope: set it with `LocalKey::scope` \
                 (or `sync_scope`) around the code that reads it"
            ),
        }
    }

    /// Calls `f` with a reference to the value, or returns an error if the key has no value
    /// here.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let borrowed = self.inner.try_with(|cell| {
            // A failed borrow means the value is being swapped, which only happens inside
            // `scope_inner` with no user code running; treat it as absent.
            let value = cell.try_borrow().ok()?;
            value.as_ref().map(f)
        });
        match borrowed {
            Ok(Some(ret)) => Ok(ret),
            _ => Err(AccessError { _private: () }),
        }
    }

    /// Swaps `slot` into the key for the duration of `f`, and back out afterwards (also if
    /// `f` panics).
    fn scope_inner<F, R>(&'static self, slot: &mut Option<T>, f: F) -> Result<R, ScopeError>
    where
        F: FnOnce() -> R,
    {
        struct SwapBack<'a, T: 'static> {
            local: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }

        impl<T: 'static> Drop for SwapBack<'_, T> {
            fn drop(&mut self) {
                // Cannot fail: the swap in succeeded, and `with` only lends the value out for
                // the duration of a closure that has returned by now.
                let _ = self.local.inner.try_with(|cell| {
                    if let Ok(mut value) = cell.try_borrow_mut() {
                        std::mem::swap(self.slot, &mut *value);
                    }
                });
            }
        }

        self.inner
            .try_with(|cell| {
                cell.try_borrow_mut()
                    .map(|mut value| std::mem::swap(slot, &mut *value))
                    .map_err(|_| ScopeError::Borrowed)
            })
            .map_err(|_| ScopeError::Destroyed)??;
        let _swap_back = SwapBack { local: self, slot };
        Ok(f())
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A copy of the value.
    ///
    /// # Panics
    ///
    /// Panics if the key has no value here.
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A copy of the value, or an error if the key has no value here (outside a `scope`, or
    /// after [`TaskLocalFuture::take_value`]).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// assert!(NUMBER.try_get().is_err());
    /// NUMBER.scope(7, async {
    ///     assert_eq!(NUMBER.try_get(), Ok(7));
    /// }).await;
    /// # });
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

enum ScopeError {
    Borrowed,
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => panic!(
                "cannot enter a task-local scope while the task-local value is borrowed (from \
                 inside `LocalKey::with` of the same key)"
            ),
            ScopeError::Destroyed => {
                panic!("cannot enter a task-local scope while the thread is being torn down")
            }
        }
    }
}

/// The error of [`LocalKey::try_with`]: the key has no value here.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl Error for AccessError {}

pin_project_lite::pin_project! {
    /// The future returned by [`LocalKey::scope`]: runs a future with a task-local value
    /// set.
    pub struct TaskLocalFuture<T: 'static, F> {
        local: &'static LocalKey<T>,
        slot: Option<T>,
        #[pin]
        future: Option<F>,
        // `!Unpin` whatever `F` is, as tokio's: a later version may rely on the pin.
        #[pin]
        _pinned: std::marker::PhantomPinned,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                let mut future = this.future;
                // Drop the future inside the scope, so its destructors see the value; if the
                // scope cannot be entered, drop it outside.
                let _ = this.local.scope_inner(this.slot, || future.set(None));
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out, so that it is not dropped with the future. `None` if it was
    /// taken already.
    ///
    /// Once the value is taken, the inner future runs (and is dropped) without it.
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let polled = this.local.scope_inner(this.slot, || {
            let poll = future.as_mut().as_pin_mut().map(|future| future.poll(cx));
            if let Some(Poll::Ready(_)) = poll {
                // Dropped inside the scope, as on cancellation.
                future.set(None);
            }
            poll
        });
        match polled {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!("`TaskLocalFuture` polled after it completed"),
            Err(err) => err.panic(),
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.slot)
            .finish_non_exhaustive()
    }
}
