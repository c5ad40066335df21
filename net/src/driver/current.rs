//! The thread's current reactor: set by the runtime on its threads and in `block_on`, read by
//! sockets when they are created.

use runtime_sync::foundation::current;

use super::Handle;
use crate::blocking::SpawnBlocking;

/// What the runtime makes current on its threads: its reactor (`None` for a runtime built
/// without the I/O driver) and its way to run blocking work, which travels with the runtime's
/// handles instead of living in a process-wide hook.
struct Entered {
    io: Option<Handle>,
    spawn_blocking: SpawnBlocking,
}

thread_local! {
    static CURRENT: current::Slot<Entered> = const { current::Slot::new() };
}

/// Restores the previous current reactor when dropped.
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard(#[allow(dead_code)] current::EnterGuard<Entered>);

/// Makes `handle` (or, with `None`, "a runtime without I/O") this thread's current reactor,
/// and `spawn_blocking` the way to run blocking work (name lookups, stdio, the file system),
/// until the guard is dropped. For the runtime's use.
pub fn enter(handle: Option<&Handle>, spawn_blocking: SpawnBlocking) -> EnterGuard {
    EnterGuard(current::enter(
        &CURRENT,
        Entered {
            io: handle.cloned(),
            spawn_blocking,
        },
    ))
}

/// Whether this thread is inside a runtime (with or without the I/O driver).
pub(crate) fn in_runtime() -> bool {
    current::with(&CURRENT, |entered| entered.is_some())
}

/// The current runtime's way to run blocking work, if this thread is inside a runtime.
pub(crate) fn spawn_blocking() -> Option<SpawnBlocking> {
    current::with(&CURRENT, |entered| entered.map(|e| e.spawn_blocking))
}

/// Runs `f` with the current reactor, if this thread has one with I/O enabled (`None`
/// otherwise): for resources that can do without one, or that report its absence as an error.
pub(crate) fn try_with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    current::with(&CURRENT, |entered| f(entered.and_then(|e| e.io.as_ref())))
}

/// Runs `f` with the current reactor, or panics with a message that names the fix.
#[track_caller]
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> R {
    let found = current::with(&CURRENT, |entered| match entered {
        Some(Entered {
            io: Some(handle), ..
        }) => Ok(f(handle)),
        Some(Entered { io: None, .. }) => Err(true),
        None => Err(false),
    });
    match found {
        Ok(ret) => ret,
        // Each message starts with tokio's words (code, and tokio's own tests, match on
        // them), then says what went wrong here and how to fix it.
        Err(true) => panic!(
            "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` on the runtime \
             builder to enable IO. An I/O resource was created on a runtime without the I/O driver: build the runtime \
             with `Builder::enable_io()` or `Builder::enable_all()` (the `#[runtime::main]` and \
             `#[runtime::test]` runtimes have it)"
        ),
        Err(false) => panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime: \
             there is no runtime here to drive this I/O resource: create sockets inside a \
             runtime (`#[runtime::main]`, `Runtime::block_on`, a spawned task) or after \
             `Handle::enter()`"
        ),
    }
}
