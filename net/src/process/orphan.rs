//! The orphan queue: children whose [`Child`](super::Child) was dropped before they were
//! reaped, so that they do not stay zombies.
//!
//! One process-wide queue. While it holds a child, one `SIGCHLD` listener (a
//! [`Signal`](crate::signal::unix::Signal), on whichever reactor was current when the queue
//! needed one) watches for exits. It is not polled by a task: its waker is the queue's own,
//! and waking it runs a reaping pass (a non-blocking `waitpid` per queued pid) right there, on
//! the thread that turned the reactor. The pass also drains the listener, which re-arms the
//! waker, before it checks the pids, so an exit after the check is a new wake-up. Once the
//! queue is empty the listener is dropped, so a program without orphans pays nothing per
//! child exit.
//!
//! If the listener's reactor shuts down (its runtime is dropped), the pass that shutdown
//! wakes looks for a reactor current on that thread; failing that, the queue is marked
//! unwatched, and the next spawn (or the next orphan) installs a listener on its own reactor.
//!
//! Passes never overlap, and a wake-up never waits for one: the queue sits behind a
//! [`PassGate`], so a wake-up that finds a pass under way leaves a request that the pass's
//! thread answers with one more pass after it lets go.

use std::process::Child as StdChild;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use super::pass_gate::PassGate;
use crate::driver::try_with_current;
use crate::signal::unix::{signal, Signal, SignalKind};

struct Queue {
    orphans: Vec<StdChild>,
    /// The `SIGCHLD` listener, while there are orphans and a reactor to listen on.
    listener: Option<Signal>,
}

const EMPTY: Queue = Queue {
    orphans: Vec::new(),
    listener: None,
};

#[cfg(not(loom))]
static QUEUE: PassGate<Queue> = PassGate::new(EMPTY);

// loom's mutex cannot be built in a constant; the models never touch the queue.
#[cfg(loom)]
static QUEUE: std::sync::LazyLock<PassGate<Queue>> =
    std::sync::LazyLock::new(|| PassGate::new(EMPTY));

/// There are orphans and no listener: the next spawn runs a pass (which installs one).
/// Relaxed: a stale value costs one pass too many, or defers the pass to the next spawn.
static UNWATCHED: AtomicBool = AtomicBool::new(false);

/// Hands `child` to the queue, unless it has exited already (then it is reaped here).
pub(super) fn push(mut child: StdChild) {
    // `Err`: it is not ours to wait for any more (`ECHILD`); nothing to keep.
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    QUEUE.lock().orphans.push(child);
    reap();
}

/// Runs a pass if orphans are queued with nobody listening for their exit (after the
/// reactor their listener was on shut down). Called at each spawn.
pub(super) fn reap_if_unwatched() {
    if UNWATCHED.load(Relaxed) {
        reap();
    }
}

/// Runs reaping passes until no request is left unanswered; if another thread is in a pass,
/// leaves it one more (see [`PassGate`]).
fn reap() {
    QUEUE.request(Queue::pass);
}

impl Queue {
    fn pass(&mut self) {
        if !self.orphans.is_empty() {
            self.listen();
            self.orphans
                .retain_mut(|child| matches!(child.try_wait(), Ok(None)));
        }
        if self.orphans.is_empty() {
            // Dropping it may wake the queue's waker (it is still registered): that only
            // leaves a request, for one more (empty) pass.
            self.listener = None;
        }
        UNWATCHED.store(!self.orphans.is_empty() && self.listener.is_none(), Relaxed);
    }

    /// Makes sure a listener exists and drains it, leaving the queue's waker registered.
    fn listen(&mut self) {
        // Twice at most: the listener found may be on a reactor that has shut down.
        for _ in 0..2 {
            if self.listener.is_none() {
                self.listener = new_listener();
            }
            let Some(listener) = &mut self.listener else {
                return;
            };
            let waker = queue_waker();
            let mut cx = Context::from_waker(&waker);
            // Unconstrained: the task (if any) this runs in may have spent its budget, and a
            // budget refusal would wake the queue's waker here, under the lock, for nothing.
            let shut_down = runtime_sync::coop::with_unconstrained(|| loop {
                match listener.poll_recv(&mut cx) {
                    Poll::Ready(Some(())) => {}
                    Poll::Ready(None) => break true,
                    Poll::Pending => break false,
                }
            });
            if !shut_down {
                return;
            }
            self.listener = None;
        }
    }
}

/// A `SIGCHLD` listener on the current reactor, if there is one that is running.
fn new_listener() -> Option<Signal> {
    let usable = try_with_current(|current| current.is_some_and(|h| !h.is_shutdown()));
    if !usable {
        return None;
    }
    signal(SignalKind::child()).ok()
}

/// The waker the listener is polled with: waking it runs a pass.
struct QueueWake;

impl Wake for QueueWake {
    fn wake(self: Arc<Self>) {
        reap();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        reap();
    }
}

fn queue_waker() -> Waker {
    static WAKER: OnceLock<Waker> = OnceLock::new();
    WAKER
        .get_or_init(|| Waker::from(Arc::new(QueueWake)))
        .clone()
}
