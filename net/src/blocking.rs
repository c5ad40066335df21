//! Running blocking work (name resolution, stdio) off the runtime's workers.
//!
//! This crate does not know the scheduler; the runtime installs a hook that hands a closure
//! to its blocking pool. Without one (or outside a runtime) the closure gets a thread of its
//! own, so resolution never runs on a worker either way.

use std::io;
use std::sync::OnceLock;

/// Hands `work` to the current runtime's blocking pool; returns it back if there is none.
pub type SpawnBlocking =
    fn(Box<dyn FnOnce() + Send + 'static>) -> Result<(), Box<dyn FnOnce() + Send + 'static>>;

static SPAWN_BLOCKING: OnceLock<SpawnBlocking> = OnceLock::new();

/// Installs the runtime's hook (the first call wins; the runtime installs the same one every
/// time).
#[doc(hidden)]
pub fn set_spawn_blocking(hook: SpawnBlocking) {
    let _ = SPAWN_BLOCKING.set(hook);
}

/// Runs `f` on the blocking pool (or a thread of its own) and waits for its result. If the
/// runtime cancels it (shutting down) before it runs, that is an error too.
pub(crate) async fn run<R: Send + 'static>(
    f: impl FnOnce() -> io::Result<R> + Send + 'static,
) -> io::Result<R> {
    spawn(f).await.unwrap_or_else(|_| Err(cancelled()))
}

/// The error of blocking work the runtime cancelled before it ran.
pub(crate) fn cancelled() -> io::Error {
    io::Error::other("the blocking work was cancelled before it ran: the runtime is shutting down")
}

/// Starts `f` on the blocking pool (or a thread of its own); its result arrives on the
/// returned channel (closed without a value if the runtime cancelled it).
pub(crate) fn spawn<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> runtime_sync::oneshot::Receiver<R> {
    let (tx, rx) = runtime_sync::oneshot::channel();
    let work: Box<dyn FnOnce() + Send> = Box::new(move || {
        let _ = tx.send(f());
    });
    let work = match SPAWN_BLOCKING.get() {
        Some(hook) => hook(work).err(),
        None => Some(work),
    };
    if let Some(work) = work {
        std::thread::Builder::new()
            .name("runtime-blocking".into())
            .spawn(work)
            .expect("failed to start a thread for blocking work");
    }
    rx
}
