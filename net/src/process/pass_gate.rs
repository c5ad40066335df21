//! `PassGate`: state that passes run over, where asking for a pass never blocks and is never
//! lost.
//!
//! The orphan queue is reaped from wakers (which may fire on any thread, even one that holds
//! the queue already) and from spawns. A caller that finds the state busy must not wait for it
//! (a waker cannot block), yet what prompted its call (a child that just exited) must be seen
//! by some pass that starts after the call. The gate's contract:
//!
//! * [`PassGate::request`] runs `pass` now if no pass is under way, and keeps running it
//!   while requests arrive during a pass;
//! * if a pass is under way, it records the request and returns; the thread running passes
//!   runs one more before it stops.
//!
//! So every request is followed by a pass that begins after it: nothing is lost, and passes
//! never overlap. One atomic word holds who runs and who asked (every change to it a
//! read-modify-write, so no fence is needed), and a mutex guards the state itself.
//! `loom_pass_gate` (below) checks this under `--cfg loom`.

use crate::loom::{AtomicU8, Mutex, MutexGuard, Ordering::*};

/// No pass is running and none is asked for.
const IDLE: u8 = 0;
/// A thread is running passes (the runner). Only the runner clears it.
const RUNNING: u8 = 0b01;
/// A pass was asked for and no pass has begun since. Set by requesters, cleared by the
/// runner as it begins a pass.
const REQUESTED: u8 = 0b10;

pub(crate) struct PassGate<T> {
    /// `IDLE`, `REQUESTED`, `RUNNING` or both bits. Every change is a read-modify-write, so
    /// the changes form one chain and each reads the one before it: that is what the
    /// argument in `request` relies on.
    word: AtomicU8,
    state: Mutex<T>,
}

impl<T> PassGate<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(state: T) -> PassGate<T> {
        PassGate {
            word: AtomicU8::new(IDLE),
            state: parking_lot::const_mutex(state),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(state: T) -> PassGate<T> {
        PassGate {
            word: AtomicU8::new(IDLE),
            state: Mutex::new(state),
        }
    }

    /// The state, for changes that are not passes (a pass may then be requested). Must not
    /// be held across [`request`](Self::request) on the same thread.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.state.lock()
    }

    /// Runs `pass` until no request made before or during it is left unanswered, or leaves
    /// the request to the thread that will answer it. Never waits for a pass.
    pub(crate) fn request(&self, mut pass: impl FnMut(&mut T)) {
        // Release: whatever prompted this request (a child's exit) happens before the pass
        // that answers it, whose start acquires this store (directly, or through the later
        // read-modify-writes of the chain, which continue its release sequence).
        let prev = self.word.fetch_or(REQUESTED, Release);
        if prev != IDLE {
            // Either a runner exists (`RUNNING`): it checks for requests after every pass
            // and cannot stop without seeing ours. Or another requester found the gate idle
            // just before us (`REQUESTED` alone): it becomes the runner, and its first pass
            // begins after it swaps our bit away.
            return;
        }
        // We found the gate idle: we are the runner.
        loop {
            // Begin a pass, consuming every request so far. Acquire: see what prompted them.
            self.word.swap(RUNNING, Acquire);
            pass(&mut self.state.lock());
            // Stop only if no request came in during the pass; otherwise go round again.
            // Release on success: the next runner's first pass sees this one's effects (the
            // state's mutex gives that too; this keeps the word's argument self-contained).
            if self
                .word
                .compare_exchange(RUNNING, IDLE, Release, Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }
}

#[cfg(all(test, loom))]
mod loom_pass_gate {
    use super::PassGate;
    use crate::loom::{AtomicBool, Ordering::SeqCst};
    use loom::sync::Arc;

    /// A pass sees a world event that happened before a request, whichever thread holds the
    /// state at the time: one thread runs passes for its own request while another makes
    /// the event happen and requests a pass that may find the state taken.
    #[test]
    fn a_request_is_never_lost() {
        loom::model(|| {
            let gate = Arc::new(PassGate::new(false)); // the state: "the event was seen"
            let event = Arc::new(AtomicBool::new(false));
            let pass = {
                let event = event.clone();
                move |seen: &mut bool| *seen |= event.load(SeqCst)
            };

            let other = {
                let (gate, event, pass) = (gate.clone(), event.clone(), pass.clone());
                loom::thread::spawn(move || {
                    event.store(true, SeqCst);
                    gate.request(pass);
                })
            };
            gate.request(pass);
            other.join().unwrap();

            assert!(*gate.lock(), "a request made after the event found no pass");
        });
    }

    /// Passes never overlap, and both requesters return (nobody waits for the state).
    #[test]
    fn passes_never_overlap() {
        loom::model(|| {
            let gate = Arc::new(PassGate::new(0usize)); // passes in progress, checked per pass
            let in_pass = Arc::new(AtomicBool::new(false));
            let pass = {
                let in_pass = in_pass.clone();
                move |passes: &mut usize| {
                    assert!(!in_pass.swap(true, SeqCst), "two passes at once");
                    *passes += 1;
                    in_pass.store(false, SeqCst);
                }
            };
            let other = {
                let (gate, pass) = (gate.clone(), pass.clone());
                loom::thread::spawn(move || gate.request(pass))
            };
            gate.request(pass);
            other.join().unwrap();
            assert!(*gate.lock() >= 1);
        });
    }
}
