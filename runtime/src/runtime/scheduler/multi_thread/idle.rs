//! Which workers are parked, and how many are searching for work.
//!
//! # The counters
//!
//! One atomic word packs two counts: workers that are *unparked* (running or searching) and,
//! of those, workers that are *searching* (out of local work, stealing). Parked workers' ids
//! are kept in `sleepers`, under the shared lock.
//!
//! # The rules
//!
//! * A worker about to look for work elsewhere becomes a searcher only while fewer than half
//!   the workers search: more searchers than that only contend on the same queues.
//! * New work wakes a parked worker only if nobody is searching (a searcher will find the
//!   work) and some worker is parked. The woken worker starts out searching.
//! * A searcher that finds work stops searching; if it was the last searcher, it wakes
//!   another worker, so that work left behind it is not stranded (see `worker.rs`).
//! * The last searcher to park checks every queue once more: work pushed while everyone was
//!   deciding to sleep would otherwise wait until the next unrelated wake.
//!
//! The last two rules close a race: a pusher checks "is anyone searching?" after making its
//! work visible; a parking searcher drops its counts and then looks at the queues again. Each
//! side puts a `SeqCst` fence between its write and its read, so the two fences are ordered
//! and at least one side sees the other (the pusher sees the parked worker and wakes it, or
//! the parker sees the work). A loom model checks this, and fails without the fences.

use super::handle::Synced;
use crate::loom::{fence, AtomicUsize, Mutex, Ordering::Relaxed, Ordering::SeqCst};

/// The idle set of one multi-thread scheduler.
pub(super) struct Idle {
    /// `num_unparked << UNPARK_SHIFT | num_searching`.
    state: AtomicUsize,
    num_workers: usize,
}

/// The parked workers; kept under the scheduler's shared lock.
pub(super) struct Sleepers {
    ids: Vec<usize>,
}

const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;

#[derive(Clone, Copy)]
struct State(usize);

impl State {
    fn num_searching(self) -> usize {
        self.0 & SEARCH_MASK
    }

    fn num_unparked(self) -> usize {
        self.0 >> UNPARK_SHIFT
    }
}

impl Idle {
    /// All workers start unparked and not searching.
    pub(super) fn new(num_workers: usize) -> (Idle, Sleepers) {
        assert!(
            num_workers < SEARCH_MASK,
            "too many worker threads: {num_workers}"
        );
        let idle = Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            num_workers,
        };
        let sleepers = Sleepers {
            ids: Vec::with_capacity(num_workers),
        };
        (idle, sleepers)
    }

    fn load(&self) -> State {
        State(self.state.load(SeqCst))
    }

    /// If a parked worker should be woken for new work, marks it unparked and searching and
    /// returns its id.
    pub(super) fn worker_to_notify(&self, synced: &Mutex<Synced>) -> Option<usize> {
        // Cheap check first: a searcher will find the work, or everyone is awake.
        if !self.notify_should_wake_up() {
            return None;
        }
        let mut synced = synced.lock();
        // Check again under the lock, which serialises with parking.
        if !self.notify_should_wake_up() {
            return None;
        }
        // One more unparked worker, and it starts out searching.
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        let id = synced.sleepers.ids.pop();
        debug_assert!(
            id.is_some(),
            "counted a parked worker that is not in the list"
        );
        id
    }

    fn notify_should_wake_up(&self) -> bool {
        // The pusher's half of the push/park handshake (module docs): its work was made
        // visible before this fence, and the parker fences between its RMW and its look at
        // the queues, so either we see the parker's count or it sees our work. A fence plus a
        // plain load rather than an RMW: the counters stay shared in every worker's cache
        // instead of bouncing on each notification.
        fence(SeqCst);
        let state = State(self.state.load(Relaxed));
        state.num_searching() == 0 && state.num_unparked() < self.num_workers
    }

    /// The parker's half of the handshake: call between parking (or stopping searching) and
    /// looking at the queues one last time.
    pub(super) fn fence_before_last_look(&self) {
        fence(SeqCst);
    }

    /// Records `worker` as parked. Returns `true` if it was the last searcher, in which case
    /// the caller must check all queues once more.
    pub(super) fn transition_worker_to_parked(
        &self,
        synced: &Mutex<Synced>,
        worker: usize,
        is_searching: bool,
    ) -> bool {
        let mut synced = synced.lock();
        let delta = UNPARK_ONE | usize::from(is_searching);
        let prev = State(self.state.fetch_sub(delta, SeqCst));
        synced.sleepers.ids.push(worker);
        is_searching && prev.num_searching() == 1
    }

    /// Becomes a searcher, unless half the workers already search.
    pub(super) fn transition_worker_to_searching(&self) -> bool {
        let state = self.load();
        if 2 * state.num_searching() >= self.num_workers {
            return false;
        }
        // The limit is a heuristic: a race that lets one more searcher in is harmless.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Stops searching. Returns `true` if this was the last searcher.
    pub(super) fn transition_worker_from_searching(&self) -> bool {
        // SeqCst: the searcher's half of the push/park handshake (module docs).
        let prev = State(self.state.fetch_sub(1, SeqCst));
        debug_assert!(prev.num_searching() > 0);
        prev.num_searching() == 1
    }

    /// Marks `worker` unparked (not searching) if it is in the parked list: it woke for
    /// another reason than a notification (an I/O event, a spurious wake-up) and found work.
    /// Returns `true` if it was listed.
    pub(super) fn unpark_worker_by_id(&self, synced: &Mutex<Synced>, worker: usize) -> bool {
        let mut synced = synced.lock();
        let ids = &mut synced.sleepers.ids;
        match ids.iter().position(|&id| id == worker) {
            Some(pos) => {
                ids.swap_remove(pos);
                self.state.fetch_add(UNPARK_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// Some parked worker, if any (it stays parked).
    pub(super) fn some_parked(&self, synced: &Mutex<Synced>) -> Option<usize> {
        synced.lock().sleepers.ids.last().copied()
    }

    /// Whether `worker` is still listed as parked.
    pub(super) fn is_parked(&self, synced: &Mutex<Synced>, worker: usize) -> bool {
        synced.lock().sleepers.ids.contains(&worker)
    }

    /// Whether every worker is parked (nobody runs or searches).
    pub(super) fn all_parked(&self) -> bool {
        self.load().num_unparked() == 0
    }

    /// Number of workers searching right now (a hint).
    pub(super) fn num_searching(&self) -> usize {
        self.load().num_searching()
    }
}
