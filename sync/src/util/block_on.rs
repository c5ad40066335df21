//! The executor behind the `blocking_*` methods: park the thread until the future is ready,
//! and refuse (with a clear panic) inside an async runtime.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::coop;

/// Runs `future` to completion on this thread, parking it while the future is pending.
///
/// # Panics
///
/// Panics if called from inside an async runtime: blocking there would stall a thread that
/// drives other tasks. `what` names the method, for the message.
#[track_caller]
pub(crate) fn block_on<F: Future>(what: &str, future: F) -> F::Output {
    if coop::is_in_runtime() {
        // The message starts as tokio's does, so that code (and tests) matching on it keep
        // working.
        panic!(
            "Cannot block the current thread from within a runtime: `{what}` would block a \
             thread that drives other tasks; `.await` the async version instead, or call it \
             from `spawn_blocking` or a plain thread"
        );
    }

    struct Unpark(Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A wake that came before this park leaves the unpark token set, so it returns at
        // once; a spurious return just polls again.
        thread::park();
    }
}
