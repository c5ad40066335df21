//! The thread's current reactor: set by the runtime on its threads and in `block_on`, read by
//! sockets when they are created.

use std::cell::RefCell;

use super::Handle;

#[derive(Clone)]
enum Current {
    Enabled(Handle),
    /// Inside a runtime built without the I/O driver.
    Disabled,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// Restores the previous current reactor when dropped.
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard {
    prev: Option<Option<Current>>,
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Makes `handle` (or, with `None`, "a runtime without I/O") this thread's current reactor
/// until the guard is dropped. For the runtime's use.
pub fn enter(handle: Option<&Handle>) -> EnterGuard {
    let current = match handle {
        Some(h) => Current::Enabled(h.clone()),
        None => Current::Disabled,
    };
    let prev = CURRENT.try_with(|c| c.borrow_mut().replace(current)).ok();
    EnterGuard {
        prev,
        _not_send: std::marker::PhantomData,
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
        }
    }
}

/// Whether this thread is inside a runtime (with or without the I/O driver).
pub(crate) fn in_runtime() -> bool {
    CURRENT.try_with(|c| c.borrow().is_some()).unwrap_or(false)
}

/// Runs `f` with the current reactor, if this thread has one with I/O enabled (`None`
/// otherwise): for resources that can do without one, or that report its absence as an error.
pub(crate) fn try_with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    let found = CURRENT.try_with(|c| match &*c.borrow() {
        Some(Current::Enabled(handle)) => Some((f.take().expect("called once"))(Some(handle))),
        _ => None,
    });
    match found {
        Ok(Some(ret)) => ret,
        _ => (f.take().expect("called once"))(None),
    }
}

/// Runs `f` with the current reactor, or panics with a message that names the fix.
#[track_caller]
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> R {
    let found = CURRENT.try_with(|c| match &*c.borrow() {
        Some(Current::Enabled(handle)) => Ok(f(handle)),
        Some(Current::Disabled) => Err(true),
        None => Err(false),
    });
    match found {
        Ok(Ok(ret)) => ret,
        // Each message starts with tokio's words (code, and tokio's own tests, match on
        // them), then says what went wrong here and how to fix it.
        Ok(Err(true)) => panic!(
            "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` on the runtime \
             builder to enable IO. An I/O resource was created on a runtime without the I/O driver: build the runtime \
             with `Builder::enable_io()` or `Builder::enable_all()` (the `#[runtime::main]` and \
             `#[runtime::test]` runtimes have it)"
        ),
        Ok(Err(false)) | Err(_) => panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime: \
             there is no runtime here to drive this I/O resource: create sockets inside a \
             runtime (`#[runtime::main]`, `Runtime::block_on`, a spawned task) or after \
             `Handle::enter()`"
        ),
    }
}
