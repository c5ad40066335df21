//! loom models of the task state machine: wake, completion, abort, shutdown and `JoinHandle`
//! drop racing each other.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime --lib --release`.
//!
//! Each model checks three things in every interleaving: the future is dropped exactly once,
//! the output is dropped exactly once (or taken by the `JoinHandle`), and every task cell is
//! freed (each holds a clone of the scheduler `Arc`, so the scheduler's strong count returns
//! to one).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Mutex;
use loom::thread;

use super::list::OwnedTasks;
use super::{Id, JoinHandle, Notified, Schedule, Task};

struct TestScheduler {
    owned: OwnedTasks<Arc<TestScheduler>>,
    queue: Mutex<VecDeque<Notified<Arc<TestScheduler>>>>,
}

impl Schedule for Arc<TestScheduler> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.queue.lock().unwrap().push_back(task);
    }
}

impl TestScheduler {
    fn new() -> Arc<TestScheduler> {
        Arc::new(TestScheduler {
            owned: OwnedTasks::new(1),
            queue: Mutex::new(VecDeque::new()),
        })
    }

    fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.owned.bind(future, self.clone(), Id::next());
        if let Some(notified) = notified {
            self.schedule(notified);
        }
        join
    }

    /// Runs queued tasks until the queue is empty.
    fn run_all(self: &Arc<Self>) {
        loop {
            let task = self.queue.lock().unwrap().pop_front();
            match task {
                Some(task) => self.owned.assert_owner(task).run(),
                None => return,
            }
        }
    }

    fn shutdown(self: &Arc<Self>) {
        self.owned.close_and_shutdown_all();
        while self.queue.lock().unwrap().pop_front().is_some() {}
    }
}

/// Counts drops.
#[derive(Clone, Debug)]
struct Counter(Arc<AtomicUsize>);

impl Counter {
    fn new() -> Counter {
        Counter(Arc::new(AtomicUsize::new(0)))
    }

    fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// Owned by a future or an output; bumps its counter when dropped.
#[derive(Debug)]
struct DropGuard(Counter);

impl Drop for DropGuard {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, SeqCst);
    }
}

/// A future that parks its waker in `slot` and completes on its second poll.
struct WakeOnce {
    slot: Arc<Mutex<Option<Waker>>>,
    polled: bool,
    _guard: DropGuard,
    output: Option<DropGuard>,
}

impl Future for WakeOnce {
    type Output = DropGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<DropGuard> {
        if self.polled {
            return Poll::Ready(self.output.take().unwrap());
        }
        self.polled = true;
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

fn wake_once(
    future_drops: &Counter,
    output_drops: &Counter,
) -> (WakeOnce, Arc<Mutex<Option<Waker>>>) {
    let slot = Arc::new(Mutex::new(None));
    let future = WakeOnce {
        slot: slot.clone(),
        polled: false,
        _guard: DropGuard(future_drops.clone()),
        output: Some(DropGuard(output_drops.clone())),
    };
    (future, slot)
}

fn assert_all_freed(sched: Arc<TestScheduler>) {
    assert_eq!(Arc::strong_count(&sched), 1, "a task cell was leaked");
}

#[test]
fn wake_from_another_thread_races_the_poll() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let (future_drops, output_drops) = (Counter::new(), Counter::new());
        let (future, slot) = wake_once(&future_drops, &output_drops);
        let join = sched.spawn(future);

        let waker_thread = thread::spawn(move || {
            // Wake whenever the waker shows up (possibly never, in this thread's window).
            if let Some(waker) = slot.lock().unwrap().take() {
                waker.wake();
                true
            } else {
                false
            }
        });
        sched.run_all();
        let woke = waker_thread.join().unwrap();
        sched.run_all();

        if woke {
            assert!(join.is_finished());
            let output = loom::future::block_on(join).unwrap();
            drop(output);
            assert_eq!(output_drops.get(), 1);
        } else {
            assert!(!join.is_finished());
            drop(join);
            sched.shutdown();
            assert_eq!(
                output_drops.get(),
                1,
                "the unused output guard dies with the future"
            );
        }
        assert_eq!(future_drops.get(), 1);
        assert_all_freed(sched);
    });
}

#[test]
fn join_handle_drop_races_completion() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let (future_drops, output_drops) = (Counter::new(), Counter::new());
        let (future, slot) = wake_once(&future_drops, &output_drops);
        let join = sched.spawn(future);
        sched.run_all();
        let waker = slot.lock().unwrap().take().unwrap();

        let runner = {
            let sched = sched.clone();
            thread::spawn(move || {
                waker.wake();
                sched.run_all();
            })
        };
        drop(join);
        runner.join().unwrap();

        assert_eq!(future_drops.get(), 1);
        assert_eq!(
            output_drops.get(),
            1,
            "the detached output was dropped exactly once"
        );
        assert_all_freed(sched);
    });
}

#[test]
fn join_handle_poll_races_completion() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let (future_drops, output_drops) = (Counter::new(), Counter::new());
        let (future, slot) = wake_once(&future_drops, &output_drops);
        let join = sched.spawn(future);
        sched.run_all();
        let waker = slot.lock().unwrap().take().unwrap();

        let runner = {
            let sched = sched.clone();
            thread::spawn(move || {
                waker.wake();
                sched.run_all();
            })
        };
        // Registers the join waker while the task may be completing.
        let output = loom::future::block_on(join).unwrap();
        runner.join().unwrap();
        drop(output);

        assert_eq!(future_drops.get(), 1);
        assert_eq!(output_drops.get(), 1);
        assert_all_freed(sched);
    });
}

#[test]
fn abort_races_the_poll() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let (future_drops, output_drops) = (Counter::new(), Counter::new());
        let (future, slot) = wake_once(&future_drops, &output_drops);
        let join = sched.spawn(future);
        let abort = join.abort_handle();

        let aborter = thread::spawn(move || abort.abort());
        sched.run_all();
        aborter.join().unwrap();
        // Whatever the poll saw, the abort scheduled the task or will be seen on its next run.
        if let Some(waker) = slot.lock().unwrap().take() {
            waker.wake();
        }
        sched.run_all();

        let res = loom::future::block_on(join);
        assert!(res.unwrap_err().is_cancelled());
        assert_eq!(future_drops.get(), 1);
        assert_eq!(
            output_drops.get(),
            1,
            "the output guard dies with the future"
        );
        assert_all_freed(sched);
    });
}

#[test]
fn shutdown_races_a_remote_wake() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let (future_drops, output_drops) = (Counter::new(), Counter::new());
        let (future, slot) = wake_once(&future_drops, &output_drops);
        let join = sched.spawn(future);
        sched.run_all();
        let waker = slot.lock().unwrap().take().unwrap();

        let waker_thread = thread::spawn(move || waker.wake());
        sched.shutdown();
        waker_thread.join().unwrap();
        // A wake that landed after the sweep left a stale notification: running it is a
        // no-op.
        sched.run_all();

        assert!(loom::future::block_on(join).unwrap_err().is_cancelled());
        assert_eq!(future_drops.get(), 1);
        assert_eq!(output_drops.get(), 1);
        assert_all_freed(sched);
    });
}

#[test]
fn spawn_races_shutdown() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let (future_drops, output_drops) = (Counter::new(), Counter::new());
        let (future, _slot) = wake_once(&future_drops, &output_drops);

        let spawner = {
            let sched = sched.clone();
            thread::spawn(move || sched.spawn(future))
        };
        sched.shutdown();
        let join = spawner.join().unwrap();
        // Either the sweep cancelled it or `bind` found the list closed; at most a stale
        // notification is left.
        sched.shutdown();

        assert!(loom::future::block_on(join).unwrap_err().is_cancelled());
        assert_eq!(future_drops.get(), 1);
        assert_eq!(output_drops.get(), 1);
        assert_all_freed(sched);
    });
}

/// Counts what the runtime does with a waker: clones, drops (of clones) and wakes.
#[derive(Default)]
struct WakerCounts {
    clones: AtomicUsize,
    drops: AtomicUsize,
    wakes: AtomicUsize,
}

/// A waker over `counts` (std's `Arc` for the data pointer; the counts are loom atomics).
fn counting_waker(counts: &Arc<WakerCounts>) -> Waker {
    use std::task::{RawWaker, RawWakerVTable};

    unsafe fn clone(data: *const ()) -> RawWaker {
        // SAFETY: `data` came from `Arc::into_raw` of an `Arc<WakerCounts>` that is alive
        // (this waker holds one count).
        unsafe { Arc::increment_strong_count(data as *const WakerCounts) };
        // SAFETY: as above.
        let counts = unsafe { &*(data as *const WakerCounts) };
        counts.clones.fetch_add(1, SeqCst);
        RawWaker::new(data, &VTABLE)
    }
    unsafe fn wake(data: *const ()) {
        // SAFETY: as in `clone`; waking by value consumes this waker's count.
        unsafe {
            wake_by_ref(data);
            drop(data);
        }
    }
    unsafe fn wake_by_ref(data: *const ()) {
        // SAFETY: as in `clone`.
        let counts = unsafe { &*(data as *const WakerCounts) };
        counts.wakes.fetch_add(1, SeqCst);
    }
    unsafe fn drop(data: *const ()) {
        // SAFETY: as in `clone`; this releases the waker's count.
        let counts = unsafe { Arc::from_raw(data as *const WakerCounts) };
        counts.drops.fetch_add(1, SeqCst);
    }
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop);

    let data = Arc::into_raw(counts.clone()) as *const ();
    // The original counts as a clone too, so that "clones == drops" means none is left.
    counts.clones.fetch_add(1, SeqCst);
    // SAFETY: the vtable's functions keep the `Arc` count in step with the wakers alive.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

#[test]
fn join_handle_drop_with_a_registered_waker_races_completion() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let (future_drops, output_drops) = (Counter::new(), Counter::new());
        let (future, slot) = wake_once(&future_drops, &output_drops);
        let mut join = sched.spawn(future);
        sched.run_all();

        // The handle registers its waker: JOIN_WAKER is set, the slot is the task's.
        let counts = Arc::new(WakerCounts::default());
        let join_waker = counting_waker(&counts);
        let polled = Pin::new(&mut join).poll(&mut Context::from_waker(&join_waker));
        assert!(polled.is_pending());

        let waker = slot.lock().unwrap().take().unwrap();
        let runner = {
            let sched = sched.clone();
            thread::spawn(move || {
                waker.wake();
                sched.run_all();
            })
        };
        // Dropped while the task may be completing (and waking, or emptying, the slot).
        drop(join);
        runner.join().unwrap();
        drop(join_waker);

        assert_eq!(future_drops.get(), 1);
        assert_eq!(
            output_drops.get(),
            1,
            "the detached output was dropped once"
        );
        assert_eq!(
            counts.clones.load(SeqCst),
            counts.drops.load(SeqCst),
            "the join waker was leaked or dropped twice"
        );
        assert!(counts.wakes.load(SeqCst) <= 1);
        assert_all_freed(sched);
    });
}
