//! loom models of the multi-thread scheduler's lock-free parts: the local run queue (push,
//! pop, steal and overflow racing), the idle set (the park/notify handshake), and the LIFO
//! slot with its poll counter (the owner's push and take racing a searching worker's steal).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime --lib --release`. Under loom the
//! run queue has 4 slots, so the models can fill and overflow it.

use std::sync::Arc;

use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst as StdSeqCst};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;

use super::handle::Synced;
use super::idle::Idle;
use super::lifo::{LifoSlot, PollCounter};
use super::queue::{self, CAPACITY};
use crate::loom::Mutex;
use crate::runtime::scheduler::inject::Inject;
use crate::task::list::OwnedTasks;
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

/// The scheduler of the LIFO models' tasks. They belong to an owned list so that whoever gets
/// one does what a worker does first (`run_task`): `assert_owner`, which reads the owner id
/// the spawning thread wrote into the task's header, then runs it. loom reports that read as
/// a data race unless the slot's hand-over orders it after the write.
struct LifoSchedule {
    owned: OwnedTasks<Arc<LifoSchedule>>,
}

impl Schedule for Arc<LifoSchedule> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }

    fn schedule(&self, _task: Notified<Self>) {
        unreachable!("a LIFO model's task was woken");
    }
}

/// One core's LIFO slot and poll counter, the tasks' scheduler, and a record of every task
/// handed out.
struct LifoCore {
    slot: LifoSlot<Arc<LifoSchedule>>,
    polls: PollCounter,
    sched: Arc<LifoSchedule>,
    /// The address of each task some thread got. A `std` mutex: loom does not see it, so it
    /// adds no synchronisation (and no interleavings) to the model.
    got: std::sync::Mutex<Vec<usize>>,
}

impl LifoCore {
    fn new() -> Arc<LifoCore> {
        Arc::new(LifoCore {
            slot: LifoSlot::new(),
            polls: PollCounter::new(),
            sched: Arc::new(LifoSchedule {
                owned: OwnedTasks::new(1),
            }),
            got: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Spawns a task (on the calling thread, which writes its header).
    fn spawn(&self) -> Notified<Arc<LifoSchedule>> {
        let (join, notified) = self
            .sched
            .owned
            .bind(async {}, self.sched.clone(), Id::next());
        drop(join);
        notified.expect("the list is open")
    }

    /// A thread got `task` out of the slot (or displaced by a push): runs it, as the worker
    /// would, unless another thread got it already.
    fn got(&self, task: Notified<Arc<LifoSchedule>>) {
        let ptr = task.into_raw();
        {
            let mut got = self.got.lock().unwrap();
            // Before touching the task: the first thread to get it may have run and freed it.
            assert!(
                !got.contains(&(ptr.as_ptr() as usize)),
                "a task came out of the LIFO slot twice"
            );
            got.push(ptr.as_ptr() as usize);
        }
        // SAFETY: `ptr` came from `into_raw` just above, and no other thread got this task.
        let task = unsafe { Notified::from_header(ptr) };
        self.sched.owned.assert_owner(task).run();
    }

    /// The monitor's sampling (`monitor::run`), done twice in a row.
    fn monitor(&self) {
        let count = self.polls.load();
        if count % 2 == 1 && self.polls.load() == count {
            self.polls.set_stuck_at(count);
        }
    }

    /// A searching worker's last pass over this core (`Core::steal_work`). Returns whether it
    /// stole a task.
    fn steal(&self) -> bool {
        if self.polls.is_stuck() {
            if let Some(task) = self.slot.take() {
                self.got(task);
                return true;
            }
        }
        false
    }

    /// After the threads joined: nothing left behind, every task handed out exactly once.
    fn check(&self, tasks: usize) {
        assert!(self.slot.is_empty(), "a task was left in the LIFO slot");
        assert_eq!(
            self.got.lock().unwrap().len(),
            tasks,
            "a task was lost (or came out twice)"
        );
        assert!(self.sched.owned.is_empty(), "a task was never run");
    }
}

/// The owner, in one poll (the counter odd), wakes two tasks: the first goes to the LIFO slot
/// and is displaced by the second into the owner's queue; the poll ends and the owner takes
/// its LIFO task, as `run_task` does. Meanwhile the monitor finds the owner stuck in that poll
/// and a searching worker steals from the slot. Each task comes out exactly once (the thief's
/// take, the displacing push and the owner's take race on the same task), none is lost, and
/// whoever gets a task sees its header as the spawning thread wrote it.
#[test]
fn lifo_steal_races_the_owners_push_and_take() {
    // Interleavings in which the thief stole the first task (so the second push displaced
    // nothing) and the second one: the model must reach both races.
    static STOLE_FIRST: StdAtomicUsize = StdAtomicUsize::new(0);
    static STOLE_SECOND: StdAtomicUsize = StdAtomicUsize::new(0);
    loom::model(|| {
        let core = LifoCore::new();
        let thief = {
            let core = core.clone();
            thread::spawn(move || {
                core.monitor();
                core.steal()
            })
        };

        // Spawned after the thief started, so only the slot can order their headers for it.
        let (first, second) = (core.spawn(), core.spawn());
        core.polls.bump();
        assert!(core.slot.push(first).is_none(), "the slot starts empty");
        let displaced = core.slot.push(second);
        let displaced_none = displaced.is_none();
        core.polls.bump();
        // `run_task`: the displaced task went to the queue; then the LIFO task runs.
        if let Some(task) = displaced {
            core.got(task);
        }
        if let Some(task) = core.slot.take() {
            core.got(task);
        }
        if thief.join().unwrap() {
            let stole = if displaced_none {
                &STOLE_FIRST
            } else {
                &STOLE_SECOND
            };
            stole.fetch_add(1, StdSeqCst);
        }
        core.check(2);
    });
    assert!(STOLE_FIRST.load(StdSeqCst) > 0 && STOLE_SECOND.load(StdSeqCst) > 0);
}

/// The monitor on a thread of its own: it samples the owner, which is in a poll with one task
/// in its slot and then takes it back between polls (`run_task`, or `block_in_place` moving
/// it to the queue), while a searching worker checks the flag and steals. The task comes out
/// exactly once.
#[test]
fn lifo_steal_with_the_monitor_on_its_own_thread() {
    static STOLE: StdAtomicUsize = StdAtomicUsize::new(0);
    loom::model(|| {
        let core = LifoCore::new();
        let monitor = {
            let core = core.clone();
            thread::spawn(move || core.monitor())
        };
        let thief = {
            let core = core.clone();
            thread::spawn(move || core.steal())
        };

        let task = core.spawn();
        core.polls.bump();
        assert!(core.slot.push(task).is_none());
        core.polls.bump();
        if let Some(task) = core.slot.take() {
            core.got(task);
        }
        monitor.join().unwrap();
        if thief.join().unwrap() {
            STOLE.fetch_add(1, StdSeqCst);
        }
        core.check(1);
    });
    assert!(
        STOLE.load(StdSeqCst) > 0,
        "no interleaving reached the steal"
    );
}
