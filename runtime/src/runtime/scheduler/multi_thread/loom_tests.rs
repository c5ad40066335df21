//! loom models of the multi-thread scheduler's lock-free parts: the local run queue (push,
//! pop, steal and overflow racing) and the idle set (the park/notify handshake).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime --lib --release`. Under loom the
//! run queue has 4 slots, so the models can fill and overflow it.

use std::sync::Arc;

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;

use super::handle::Synced;
use super::idle::Idle;
use super::queue::{self, CAPACITY};
use crate::loom::Mutex;
use crate::runtime::scheduler::inject::Inject;
use crate::task::{self, Id, Notified, Schedule, Task};

/// Tasks in these models are never run: they only travel between queues.
struct NoopSchedule;

impl Schedule for NoopSchedule {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn schedule(&self, _task: Notified<Self>) {
        unreachable!("a queue model scheduled a task");
    }
}

fn new_task() -> Notified<NoopSchedule> {
    let (task, join) = task::unowned(async {}, NoopSchedule, Id::next());
    drop(join);
    task.into_notified()
}

fn drain(inject: &Inject<NoopSchedule>) -> usize {
    let mut n = 0;
    while inject.pop().is_some() {
        n += 1;
    }
    n
}

fn drain_local(local: &mut queue::Local<NoopSchedule>) -> usize {
    let mut n = 0;
    while local.pop().is_some() {
        n += 1;
    }
    n
}

#[test]
fn steal_races_push_and_pop() {
    loom::model(|| {
        let (steal, mut local) = queue::local();
        let inject = Arc::new(Inject::new());
        local.push_back_or_overflow(new_task(), &*inject);

        let thief = thread::spawn(move || {
            let (_, mut mine) = queue::local();
            let n = usize::from(steal.steal_into(&mut mine).is_some());
            n + drain_local(&mut mine)
        });

        // The owner pushes and pops while the thief steals.
        local.push_back_or_overflow(new_task(), &*inject);
        let mut n = usize::from(local.pop().is_some());
        local.push_back_or_overflow(new_task(), &*inject);
        n += drain_local(&mut local);
        n += thief.join().unwrap();
        n += drain(&inject);
        // Every task came out exactly once: none lost, none duplicated.
        assert_eq!(n, 3);
    });
}

#[test]
fn overflow_races_steal() {
    loom::model(|| {
        let (steal, mut local) = queue::local();
        let inject = Arc::new(Inject::new());
        // Fill the ring, so the next pushes overflow half of it to the injection queue.
        for _ in 0..CAPACITY {
            local.push_back_or_overflow(new_task(), &*inject);
        }

        let thief = thread::spawn(move || {
            let (_, mut mine) = queue::local();
            let mut n = 0;
            if steal.steal_into(&mut mine).is_some() {
                n += 1;
            }
            n + drain_local(&mut mine)
        });

        for _ in 0..2 {
            local.push_back_or_overflow(new_task(), &*inject);
        }
        let mut n = drain_local(&mut local);
        n += thief.join().unwrap();
        n += drain(&inject);
        assert_eq!(n, CAPACITY + 2);
    });
}

#[test]
fn two_thieves_and_the_owner() {
    loom::model(|| {
        let (steal, mut local) = queue::local();
        let inject = Arc::new(Inject::new());
        for _ in 0..3 {
            local.push_back_or_overflow(new_task(), &*inject);
        }

        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || {
                    let (_, mut mine) = queue::local();
                    let mut n = 0;
                    if steal.steal_into(&mut mine).is_some() {
                        n += 1;
                    }
                    n + drain_local(&mut mine)
                })
            })
            .collect();

        let mut n = 0;
        if local.pop().is_some() {
            n += 1;
        }
        for thief in thieves {
            n += thief.join().unwrap();
        }
        n += drain_local(&mut local);
        n += drain(&inject);
        assert_eq!(n, 3);
    });
}

/// The push/park handshake (see `idle.rs`): a task pushed to the injection queue from outside
/// while the only worker, the last searcher, decides to park. In every interleaving someone
/// must end up looking for the task: the worker sees it before parking, the last-searcher
/// check after parking finds it, or the pusher wakes the parked worker.
#[test]
fn push_racing_the_last_searcher_parking_is_never_stranded() {
    loom::model(|| {
        let (idle, sleepers) = Idle::new(1);
        let shared = Arc::new((idle, Mutex::new(Synced { sleepers }), Inject::new()));
        let woken = Arc::new(AtomicUsize::new(0));

        // The worker ran out of local work and searches.
        assert!(shared.0.transition_worker_to_searching());

        let pusher = {
            let (shared, woken) = (shared.clone(), woken.clone());
            thread::spawn(move || {
                let (idle, synced, inject) = &*shared;
                inject.push(new_task());
                // `Handle::notify_parked`.
                if idle.worker_to_notify(synced).is_some() {
                    woken.fetch_add(1, SeqCst);
                }
            })
        };

        let (idle, synced, inject) = &*shared;
        let mut found = inject.pop().is_some();
        let mut parked = false;
        if !found {
            // `Core::transition_to_parked` as the last searcher...
            parked = true;
            let last = idle.transition_worker_to_parked(synced, 0, true);
            assert!(last);
            // ...then `Handle::notify_if_work_pending`.
            idle.fence_before_last_look();
            if !inject.is_empty() && idle.worker_to_notify(synced).is_some() {
                woken.fetch_add(1, SeqCst);
            }
        }
        pusher.join().unwrap();

        if parked {
            assert_eq!(
                woken.load(SeqCst),
                1,
                "the worker parked with a task queued and nobody woke it (or it was woken twice)"
            );
            // The woken worker finds the task.
            found = inject.pop().is_some();
        }
        assert!(found || inject.pop().is_some());
    });
}

/// A worker that finds work stops searching; the last searcher to stop wakes another, so
/// there is always a searcher while work may be left in queues, and searchers never exceed
/// half the workers.
#[test]
fn searching_count_stays_consistent() {
    loom::model(|| {
        let (idle, sleepers) = Idle::new(2);
        let shared = Arc::new((idle, Mutex::new(Synced { sleepers })));
        let lasts = Arc::new(AtomicUsize::new(0));

        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (shared, lasts) = (shared.clone(), lasts.clone());
                thread::spawn(move || {
                    let (idle, _) = &*shared;
                    if idle.transition_worker_to_searching() {
                        if idle.transition_worker_from_searching() {
                            lasts.fetch_add(1, SeqCst);
                        }
                        true
                    } else {
                        false
                    }
                })
            })
            .collect();
        let searched = workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .filter(|&s| s)
            .count();
        assert!(
            searched >= 1,
            "with nobody searching, a worker may always start"
        );
        // Each time the searching count dropped to zero, exactly one worker saw itself last.
        assert!(lasts.load(SeqCst) >= 1);
        assert!(lasts.load(SeqCst) <= searched);
        assert_eq!(shared.0.num_searching(), 0);
    });
}
