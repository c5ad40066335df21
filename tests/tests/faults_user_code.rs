//! The fault suite (issue 17): a panic at every point where the runtime calls user code.
//!
//! The points: a future's `poll` and `drop`, a task output's `drop`, a waker's `clone`,
//! `wake`, `wake_by_ref` and `drop` (fired by the timer, the reactor and every sync
//! primitive), the builder's thread hooks, and the lock guards' `map` closures. For each, the
//! test provokes the panic and checks that nothing else is lost: the other tasks and waiters
//! are still woken, locks and permits come back, channels still deliver, no waker clone or
//! task cell leaks, the runtime still runs tasks and timers (on both flavors), and dropping it
//! completes within a bound.
//!
//! `faults_wakers.rs` covers a panicking `wake` fired by the timer, the reactor and
//! `notify_waiters`; here a waker fails in each of its four functions, against every
//! primitive.
//!
//! Every provoked panic carries [`EXPECTED_PANIC`], so the shared quiet hook keeps the output
//! readable while any other panic is still printed.

use std::future::{pending, poll_fn, Future};
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use runtime::io::AsyncWriteExt;
use runtime::net::{TcpListener, TcpStream, UnixStream};
use runtime::runtime::Runtime;
use runtime::sync::{
    broadcast, mpsc, oneshot, watch, Barrier, CancellationToken, MappedMutexGuard, Mutex,
    MutexGuard, Notify, OnceCell, OwnedMappedMutexGuard, OwnedMutexGuard,
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard, Semaphore,
};
use runtime::task::yield_now;
use runtime_tests::{
    both_flavors, panic_message, quiet_expected_panics, within, Counter, Flavor, PollCounted,
    EXPECTED_PANIC, SOON,
};

/// The bound on a whole test (a hang becomes a failure).
const LIMIT: Duration = Duration::from_secs(120);

/// The bound on dropping a runtime.
const SHUTDOWN: Duration = Duration::from_secs(10);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Panics with a message the quiet hook does not print.
fn boom(what: &str) -> ! {
    panic!("{EXPECTED_PANIC} {what}")
}

/// The message of a caught panic, for assertions.
///
/// Without the marker: a failure's message that quoted it would be silenced by the quiet hook.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    panic_message(payload)
        .unwrap_or_else(|| "<not a string>".into())
        .replace(EXPECTED_PANIC, "")
}

/// A value whose destructor panics.
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        boom(self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// What every test checks at the end.

/// The runtime runs new tasks, timers and blocking work.
async fn still_runs_tasks_and_timers() {
    let tasks: Vec<_> = (0..4u64)
        .map(|i| {
            runtime::spawn(async move {
                runtime::time::sleep(ms(1 + i)).await;
                yield_now().await;
                i
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.expect("a healthy task failed"), i as u64);
    }
    let blocking = runtime::task::spawn_blocking(|| 5).await;
    assert_eq!(blocking.expect("a healthy blocking task failed"), 5);
}

/// Drops `rt` (which waits for every task's future to be dropped and every runtime thread to
/// stop) on a helper thread, and fails unless that returns within [`SHUTDOWN`], without a
/// panic.
#[track_caller]
fn shut_down(rt: Runtime) {
    let (tx, rx) = std::sync::mpsc::channel();
    let dropper = thread::spawn(move || {
        drop(rt);
        let _ = tx.send(());
    });
    match rx.recv_timeout(SHUTDOWN) {
        Ok(()) => dropper.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("dropping the runtime did not complete within {SHUTDOWN:?}")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let payload = dropper.join().unwrap_err();
            panic!("dropping the runtime panicked: {}", message(&*payload))
        }
    }
}

/// A runtime of `flavor` whose builder holds a token of `freed` in a hook: the runtime's
/// internals (which keep the hooks) are freed, and the token with them, only once nothing
/// refers to them any more. A task cell that leaks (its last reference lost to a panic) keeps
/// them alive.
fn rt_with_token(flavor: Flavor, freed: &Counter) -> Runtime {
    let token = freed.guard();
    flavor
        .builder()
        .on_thread_unpark(move || {
            let _ = &token;
        })
        .build()
        .expect("building the runtime")
}

/// Checks, after [`shut_down`], that the runtime's internals were freed.
#[track_caller]
fn assert_freed(freed: &Counter, what: &str) {
    let start = Instant::now();
    while freed.get() == 0 {
        assert!(
            start.elapsed() < SOON,
            "{what}: the runtime's internals were never freed (a task cell leaked)"
        );
        thread::sleep(ms(1));
    }
}

/// Sleeps in 1 ms steps until `cond` holds; fails after [`SOON`].
#[track_caller]
fn wait_for<'a>(
    what: &'a str,
    mut cond: impl FnMut() -> bool + 'a,
) -> impl Future<Output = ()> + 'a {
    let caller = std::panic::Location::caller();
    async move {
        let start = Instant::now();
        while !cond() {
            assert!(
                start.elapsed() < SOON,
                "{what} (not within {SOON:?}; waited at {caller})"
            );
            runtime::time::sleep(ms(1)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A future's `poll`.

both_flavors! {
    fn a_panicking_poll_is_a_join_error_and_stops_nothing_else() {
        quiet_expected_panics();
        within(LIMIT, move || {
            let freed = Counter::new();
            let rt = rt_with_token(FLAVOR, &freed);
            rt.block_on(async {
                let lock = Arc::new(Mutex::new(0u32));
                let locals = Counter::new();
                // Healthy tasks, on timers, started before the panics.
                let sleepers: Vec<_> = (0..8u64)
                    .map(|i| {
                        runtime::spawn(async move {
                            runtime::time::sleep(ms(2 + i)).await;
                            i
                        })
                    })
                    .collect();
                let at_once = runtime::spawn(async { boom("poll panics at once") });
                let after_a_timer = runtime::spawn(async {
                    runtime::time::sleep(ms(3)).await;
                    boom("poll panics after a timer")
                });
                let holding_a_lock = runtime::spawn({
                    let lock = lock.clone();
                    let local = locals.guard();
                    async move {
                        let _guard = lock.lock().await;
                        let _local = local;
                        yield_now().await;
                        boom("poll panics holding a lock")
                    }
                });
                for (task, what) in [
                    (at_once, "poll panics at once"),
                    (after_a_timer, "poll panics after a timer"),
                    (holding_a_lock, "poll panics holding a lock"),
                ] {
                    let err = task.await.expect_err("a panicking task reported success");
                    assert!(err.is_panic(), "{err:?}");
                    assert!(message(&*err.into_panic()).contains(what));
                }
                // The unwinding dropped the task's locals (once) and released its lock.
                assert_eq!(locals.get(), 1);
                *lock.try_lock().expect("the panicking task's lock stayed held") += 1;
                for (i, sleeper) in sleepers.into_iter().enumerate() {
                    assert_eq!(sleeper.await.unwrap(), i as u64);
                }
                still_runs_tasks_and_timers().await;
            });
            shut_down(rt);
            assert_freed(&freed, "panicking polls");
        });
    }
}

// ---------------------------------------------------------------------------------------------
// A future's `drop`.

/// A future that waits forever, holding a value whose drop panics and a counted one.
fn pending_with_panicking_drop(what: &'static str, counted: &Counter) -> impl Future<Output = ()> {
    let bomb = PanicOnDrop(what);
    let guard = counted.guard();
    async move {
        let _bomb = bomb;
        let _guard = guard;
        pending::<()>().await
    }
}

both_flavors! {
    fn a_future_whose_drop_panics_on_abort_stops_nothing_else() {
        quiet_expected_panics();
        within(LIMIT, move || {
            let freed = Counter::new();
            let rt = rt_with_token(FLAVOR, &freed);
            let dropped = Counter::new();
            rt.block_on(async {
                let polls = Counter::new();
                let doomed = runtime::spawn(PollCounted::new(
                    pending_with_panicking_drop("drop panics on abort", &dropped),
                    &polls,
                ));
                let bystander = runtime::spawn(async {
                    runtime::time::sleep(ms(5)).await;
                    "bystander"
                });
                wait_for("the doomed task never ran", || polls.get() >= 1).await;
                doomed.abort();
                let err = doomed.await.expect_err("an aborted task reported success");
                assert!(err.is_panic(), "the drop's panic is not reported: {err:?}");
                assert!(message(&*err.into_panic()).contains("drop panics on abort"));
                // The future's other fields were still dropped while its drop unwound.
                assert_eq!(dropped.get(), 1);
                assert_eq!(bystander.await.unwrap(), "bystander");
                still_runs_tasks_and_timers().await;
            });
            shut_down(rt);
            assert_freed(&freed, "drop panics on abort");
        });
    }

    fn futures_whose_drop_panics_do_not_stop_the_shutdown() {
        quiet_expected_panics();
        within(LIMIT, move || {
            let freed = Counter::new();
            let rt = rt_with_token(FLAVOR, &freed);
            let dropped = Counter::new();
            let (bombs, plain) = rt.block_on(async {
                let polls = Counter::new();
                // Alternate: a future whose drop panics, then one that is only counted, some
                // idle, some on timers, so that the shutdown meets a panic before, between and
                // after the others.
                let mut bombs = Vec::new();
                let mut plain = Vec::new();
                for i in 0..10u64 {
                    bombs.push(runtime::spawn(PollCounted::new(
                        pending_with_panicking_drop("drop panics at shutdown", &dropped),
                        &polls,
                    )));
                    let guard = dropped.guard();
                    plain.push(runtime::spawn(PollCounted::new(
                        async move {
                            let _guard = guard;
                            runtime::time::sleep(Duration::from_secs(3600 + i)).await
                        },
                        &polls,
                    )));
                }
                wait_for("the tasks never ran", || polls.get() >= 20).await;
                still_runs_tasks_and_timers().await;
                (bombs, plain)
            });
            shut_down(rt);
            assert_eq!(dropped.get(), 20, "a future was not dropped at shutdown");
            // The handles outlive the runtime; they report what became of each task.
            let reader = runtime_tests::current_thread_rt();
            for bomb in bombs {
                let err = reader.block_on(bomb).expect_err("a dropped task reported success");
                assert!(err.is_panic(), "{err:?}");
            }
            for task in plain {
                let err = reader.block_on(task).expect_err("a dropped task reported success");
                assert!(err.is_cancelled(), "{err:?}");
            }
            drop(reader);
            assert_freed(&freed, "drop panics at shutdown");
        });
    }

    fn a_future_whose_drop_panics_after_completion_loses_no_output() {
        quiet_expected_panics();
        within(LIMIT, move || {
            let freed = Counter::new();
            let rt = rt_with_token(FLAVOR, &freed);
            let outputs = Counter::new();
            rt.block_on(async {
                let output = outputs.guard();
                let task = runtime::spawn(ThenPanicOnDrop {
                    inner: Box::pin(async move {
                        runtime::time::sleep(ms(1)).await;
                        output
                    }),
                    _bomb: PanicOnDrop("drop panics after completion"),
                });
                let err = task.await.expect_err("the drop's panic was not reported");
                assert!(err.is_panic(), "{err:?}");
                assert!(message(&*err.into_panic()).contains("drop panics after completion"));
                // The output the future returned was dropped, not leaked.
                assert_eq!(outputs.get(), 1);
                still_runs_tasks_and_timers().await;
            });
            shut_down(rt);
            assert_freed(&freed, "drop panics after completion");
        });
    }
}

/// A future that completes as `inner` does and panics when dropped, after it completed.
///
/// (Not an async block with a panicking local: there the local is dropped inside the last
/// poll, and the language leaks the value being returned, rust-lang/rust#47949.)
struct ThenPanicOnDrop<F> {
    inner: Pin<Box<F>>,
    _bomb: PanicOnDrop,
}

impl<F: Future> Future for ThenPanicOnDrop<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.inner.as_mut().poll(cx)
    }
}

/// Set in the child process of [`a_future_whose_poll_and_drop_both_panic_is_reported`].
const POLL_AND_DROP_CHILD: &str = "FAULTS_USER_CODE_POLL_AND_DROP_CHILD";

/// A future whose `poll` panics and whose `drop` panics too.
struct PanicsTwice;

impl Future for PanicsTwice {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        boom("poll panics, and then drop does")
    }
}

impl Drop for PanicsTwice {
    fn drop(&mut self) {
        boom("drop panics after poll did");
    }
}

both_flavors! {
    /// The runtime drops a future whose poll panicked. If it does so while that panic is still
    /// unwinding, a drop that panics too aborts the process; it must not.
    fn a_future_whose_poll_and_drop_both_panic_is_reported() {
        if std::env::var_os(POLL_AND_DROP_CHILD).is_some() {
            quiet_expected_panics();
            let freed = Counter::new();
            let rt = rt_with_token(FLAVOR, &freed);
            rt.block_on(async {
                let err = runtime::spawn(PanicsTwice).await.expect_err("reported success");
                assert!(err.is_panic(), "{err:?}");
                still_runs_tasks_and_timers().await;
            });
            shut_down(rt);
            assert_freed(&freed, "poll and drop panic");
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([TEST_NAME, "--exact", "--test-threads=1"])
            .env(POLL_AND_DROP_CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "the child failed ({}):\n{}\n{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A task output's `drop`.

both_flavors! {
    fn an_output_whose_drop_panics_stops_nothing_else() {
        quiet_expected_panics();
        within(LIMIT, move || {
            let freed = Counter::new();
            let rt = rt_with_token(FLAVOR, &freed);
            rt.block_on(async {
                let drops = Counter::new();
                // Each output is a pair: its first half panics when dropped, and the drop glue
                // still drops the second, which counts, so a leaked output would show.
                let outputs = Counter::new();
                // Detached before it completes: the runtime drops the output.
                let output = outputs.guard();
                drop(runtime::spawn(async move {
                    runtime::time::sleep(ms(2)).await;
                    (PanicOnDrop("output dropped by the runtime"), output)
                }));
                wait_for("the detached task's output was never dropped", || outputs.get() == 1)
                    .await;
                // Completed, then its handle dropped unread: the handle drops the output, and
                // the panic stays inside the runtime (a `JoinHandle` may be dropped while
                // unwinding, where a second panic would abort).
                let output = outputs.guard();
                let unread = runtime::spawn(async move {
                    (PanicOnDrop("output dropped with its handle"), output)
                });
                wait_for("the task never completed", || unread.is_finished()).await;
                let dropped = catch_unwind(AssertUnwindSafe(|| drop(unread)));
                assert!(dropped.is_ok(), "dropping a JoinHandle panicked");
                assert_eq!(outputs.get(), 2, "the unread output was not dropped");
                // Read by the user, who drops it: the panic is the user's, in the task that
                // dropped it, and the runtime goes on.
                let reader = runtime::spawn({
                    let guard = drops.guard();
                    async move {
                        let _guard = guard;
                        let output = runtime::spawn(async { PanicOnDrop("output dropped by the user") })
                            .await
                            .expect("the task failed");
                        drop(output);
                    }
                });
                let err = reader.await.expect_err("the user's drop did not panic");
                assert!(err.is_panic(), "{err:?}");
                assert!(message(&*err.into_panic()).contains("output dropped by the user"));
                // The reader's other locals were dropped while it unwound.
                assert_eq!(drops.get(), 1);
                still_runs_tasks_and_timers().await;
            });
            shut_down(rt);
            assert_freed(&freed, "output drop panics");
        });
    }
}

// ---------------------------------------------------------------------------------------------
// A waker's `clone`, `wake`, `wake_by_ref` and `drop`.

/// Which function of a [`Probe`] waker panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Clone,
    Wake,
    WakeByRef,
    Drop,
}

/// The shared state of a family of wakers (the original and its clones) that panic in one of
/// their functions while armed, and count what happens to them.
struct Probe {
    fault: Fault,
    armed: AtomicBool,
    /// Wakers of this family that exist (the original included).
    live: AtomicUsize,
    /// Calls to `wake` or `wake_by_ref`.
    wakes: AtomicUsize,
    /// Panics raised.
    panics: AtomicUsize,
}

impl Probe {
    fn new(fault: Fault) -> Arc<Probe> {
        Arc::new(Probe {
            fault,
            armed: AtomicBool::new(true),
            live: AtomicUsize::new(0),
            wakes: AtomicUsize::new(0),
            panics: AtomicUsize::new(0),
        })
    }

    fn waker(self: &Arc<Self>) -> Waker {
        self.live.fetch_add(1, SeqCst);
        let data = Arc::into_raw(self.clone()).cast::<()>();
        // SAFETY: `data` is a strong reference to a `Probe`, owned by the new waker; the
        // vtable's functions keep that contract (see `PROBE_VTABLE`).
        unsafe { Waker::from_raw(RawWaker::new(data, &PROBE_VTABLE)) }
    }

    fn maybe_panic(&self, at: Fault) {
        // Not while unwinding (from a failed assertion): that would abort the test binary.
        if self.fault == at && self.armed.load(SeqCst) && !thread::panicking() {
            self.panics.fetch_add(1, SeqCst);
            panic!("{EXPECTED_PANIC} the waker's {at:?} panics");
        }
    }

    fn disarm(&self) {
        self.armed.store(false, SeqCst);
    }

    fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }
}

/// Every `Probe` waker's data pointer is a strong `Arc<Probe>` reference that the waker owns:
/// `clone` makes a new one, `wake` and `drop` release it, `wake_by_ref` borrows it. A `clone`
/// that panics makes no new waker; the others count (and release) before they may panic.
static PROBE_VTABLE: RawWakerVTable =
    RawWakerVTable::new(probe_clone, probe_wake, probe_wake_by_ref, probe_drop);

unsafe fn probe_clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned owns a strong reference (see `PROBE_VTABLE`).
    let probe = unsafe { &*data.cast::<Probe>() };
    probe.maybe_panic(Fault::Clone);
    // SAFETY: as above; the new reference goes to the new waker.
    unsafe { Arc::increment_strong_count(data.cast::<Probe>()) };
    probe.live.fetch_add(1, SeqCst);
    RawWaker::new(data, &PROBE_VTABLE)
}

unsafe fn probe_wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker and its reference (see `PROBE_VTABLE`).
    let probe = unsafe { Arc::from_raw(data.cast::<Probe>()) };
    probe.wakes.fetch_add(1, SeqCst);
    probe.live.fetch_sub(1, SeqCst);
    probe.maybe_panic(Fault::Wake);
}

unsafe fn probe_wake_by_ref(data: *const ()) {
    // SAFETY: the waker owns a strong reference for as long as this borrow lasts.
    let probe = unsafe { &*data.cast::<Probe>() };
    probe.wakes.fetch_add(1, SeqCst);
    probe.maybe_panic(Fault::WakeByRef);
}

unsafe fn probe_drop(data: *const ()) {
    // SAFETY: `drop` consumes the waker and its reference (see `PROBE_VTABLE`).
    let probe = unsafe { Arc::from_raw(data.cast::<Probe>()) };
    probe.live.fetch_sub(1, SeqCst);
    probe.maybe_panic(Fault::Drop);
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// How the faulty waker meets the primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    /// The first poll's clone of the waker panics; like an executor, the test then drops the
    /// future whose poll panicked.
    ClonePanics,
    /// The event wakes the waker by value, which panics.
    WakePanics,
    /// The event wakes the waker by reference, which panics.
    WakeByRefPanics,
    /// A second poll, with another waker, makes the primitive drop the faulty one, whose
    /// drop panics.
    DropPanicsOnRepoll,
    /// The waiting future is dropped (cancelled), and with it the faulty waker, whose drop
    /// panics.
    DropPanicsOnCancel,
}

impl Case {
    const ALL: [Case; 5] = [
        Case::ClonePanics,
        Case::WakePanics,
        Case::WakeByRefPanics,
        Case::DropPanicsOnRepoll,
        Case::DropPanicsOnCancel,
    ];

    fn fault(self) -> Fault {
        match self {
            Case::ClonePanics => Fault::Clone,
            Case::WakePanics => Fault::Wake,
            Case::WakeByRefPanics => Fault::WakeByRef,
            Case::DropPanicsOnRepoll | Case::DropPanicsOnCancel => Fault::Drop,
        }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

fn boxed(future: impl Future<Output = ()> + Send + 'static) -> BoxFuture {
    Box::pin(future)
}

/// One primitive's part in the waker tests.
struct Scenario {
    /// A waiter that must wait until `trigger` runs: the test polls it by hand with the faulty
    /// waker.
    doomed: BoxFuture,
    /// Another waiter, which the test starts in a task once the doomed one waits, and which
    /// must complete after `trigger` (and after the doomed waiter completes or is dropped).
    bystander: Option<BoxFuture>,
    /// Makes the event happen; runs in a task of its own.
    trigger: BoxFuture,
    /// Checks that the primitive still works; told whether the doomed waiter completed (or
    /// was dropped before the event).
    afterwards: Box<dyn FnOnce(bool) -> BoxFuture + Send>,
}

/// Polls `future` once with `waker`, catching a panic.
fn poll_caught(future: &mut BoxFuture, waker: &Waker) -> std::thread::Result<Poll<()>> {
    catch_unwind(AssertUnwindSafe(|| {
        future.as_mut().poll(&mut Context::from_waker(waker))
    }))
}

/// Drops `future`, catching a panic (a waker's drop inside it).
fn drop_caught(future: BoxFuture) -> std::thread::Result<()> {
    catch_unwind(AssertUnwindSafe(move || drop(future)))
}

/// Runs each [`Case`] against the primitive `make` sets up, each on a fresh runtime of
/// `flavor`, and checks the runtime and the primitive afterwards.
fn waker_faults<M, F>(flavor: Flavor, make: M)
where
    M: Fn(Flavor) -> F + Send + 'static,
    F: Future<Output = Scenario>,
{
    quiet_expected_panics();
    within(LIMIT, move || {
        let mut panics = Vec::new();
        for case in Case::ALL {
            let freed = Counter::new();
            let rt = rt_with_token(flavor, &freed);
            let probe = Probe::new(case.fault());
            rt.block_on(async {
                let scenario = make(flavor).await;
                exercise(case, &probe, scenario).await;
                still_runs_tasks_and_timers().await;
            });
            shut_down(rt);
            assert_freed(&freed, &format!("{case:?}"));
            assert_eq!(
                probe.live.load(SeqCst),
                0,
                "{case:?}: a clone of the waker was leaked"
            );
            panics.push((case, probe.panics.load(SeqCst)));
        }
        // Each fault was actually raised somewhere (the primitive wakes either by value or by
        // reference, and drops its waker on a re-poll or on a cancel, or both).
        let raised = |cases: &[Case]| -> usize {
            panics
                .iter()
                .filter(|(case, _)| cases.contains(case))
                .map(|(_, n)| n)
                .sum()
        };
        assert!(raised(&[Case::ClonePanics]) > 0, "{panics:?}");
        assert!(
            raised(&[Case::WakePanics, Case::WakeByRefPanics]) > 0,
            "no wake panicked: {panics:?}"
        );
        assert!(
            raised(&[Case::DropPanicsOnRepoll, Case::DropPanicsOnCancel]) > 0,
            "no drop panicked: {panics:?}"
        );
    });
}

async fn exercise(case: Case, probe: &Arc<Probe>, scenario: Scenario) {
    let Scenario {
        doomed,
        bystander,
        trigger,
        afterwards,
    } = scenario;
    let faulty = probe.waker();
    let counting = Arc::new(CountingWaker::default());
    let counting_waker = Waker::from(counting.clone());
    let mut doomed = Some(doomed);

    let first = poll_caught(doomed.as_mut().unwrap(), &faulty);
    match (case, first) {
        (Case::ClonePanics, Err(payload)) => {
            assert!(
                message(&*payload).contains("Clone"),
                "{case:?}: {}",
                message(&*payload)
            );
            // The executor drops a future whose poll panicked.
            let dropped = drop_caught(doomed.take().unwrap());
            assert!(dropped.is_ok(), "{case:?}: dropping the future panicked");
        }
        (Case::ClonePanics, Ok(poll)) => {
            panic!("{case:?}: the first poll did not clone the waker (it returned {poll:?})")
        }
        (_, Ok(Poll::Pending)) => {}
        (_, first) => panic!("{case:?}: the doomed waiter did not wait: {first:?}"),
    }
    match case {
        Case::DropPanicsOnRepoll => {
            match poll_caught(doomed.as_mut().unwrap(), &counting_waker) {
                Ok(Poll::Pending) => {}
                Ok(Poll::Ready(())) => panic!("{case:?}: the re-poll completed before the event"),
                // The faulty waker's drop surfaced in the poll; the executor drops the future.
                Err(_) => {
                    let dropped = drop_caught(doomed.take().unwrap());
                    assert!(
                        dropped.is_ok(),
                        "{case:?}: dropping the future panicked twice"
                    );
                }
            }
        }
        Case::DropPanicsOnCancel => {
            // Its drop may panic (the primitive dropped the faulty waker in it) or not (the
            // primitive keeps the waker until later); either way it is gone.
            let _ = drop_caught(doomed.take().unwrap());
        }
        _ => {}
    }

    // A waiter that registers after the doomed one, in a task.
    let bystander = bystander.map(|bystander| {
        let polls = Counter::new();
        (runtime::spawn(PollCounted::new(bystander, &polls)), polls)
    });
    if let Some((_, polls)) = &bystander {
        let never = format!("{case:?}: the bystander never waited");
        wait_for(&never, || polls.get() >= 1).await;
    }

    // The event, from a task. The faulty waker's panic must not reach that task.
    let triggered = runtime::spawn(trigger).await;
    if let Err(err) = triggered {
        panic!(
            "{case:?}: the panic of the waiter's waker reached the task that fired the event: \
             {}",
            message(&*err.into_panic())
        );
    }

    // The doomed waiter, if it still exists, was woken and completes.
    let completed = match doomed.take() {
        Some(mut doomed) => {
            let woken = || match case {
                Case::DropPanicsOnRepoll => counting.0.load(SeqCst) > 0,
                _ => probe.wakes() > 0,
            };
            let lost = format!("{case:?}: the doomed waiter's wake-up was lost");
            wait_for(&lost, woken).await;
            let start = Instant::now();
            loop {
                match poll_caught(&mut doomed, &counting_waker) {
                    Ok(Poll::Ready(())) => break,
                    Ok(Poll::Pending) => {
                        assert!(
                            start.elapsed() < SOON,
                            "{case:?}: the woken waiter never completed"
                        );
                        runtime::time::sleep(ms(1)).await;
                    }
                    Err(payload) => panic!(
                        "{case:?}: the woken waiter's poll panicked: {}",
                        message(&*payload)
                    ),
                }
            }
            drop(doomed);
            true
        }
        None => false,
    };

    if let Some((bystander, _)) = bystander {
        runtime::time::timeout(SOON, bystander)
            .await
            .unwrap_or_else(|_| {
                panic!("{case:?}: the waiter registered after the faulty one was never woken")
            })
            .expect("the bystander failed");
    }

    // From here on the primitive may drop a faulty waker it still keeps, quietly.
    probe.disarm();
    drop(faulty);
    afterwards(completed).await;
}

// The primitives.

async fn timer(_: Flavor) -> Scenario {
    // The timer is created by the first poll, so that it cannot expire before that poll on a
    // loaded machine.
    let sleep = || boxed(async { runtime::time::sleep(ms(20)).await });
    Scenario {
        doomed: sleep(),
        bystander: Some(sleep()),
        // Time passing is the event.
        trigger: boxed(async {}),
        afterwards: Box::new(|_| {
            boxed(async {
                runtime::time::sleep(ms(1)).await;
                let elapsed = runtime::time::timeout(ms(1), pending::<()>()).await;
                assert!(elapsed.is_err());
            })
        }),
    }
}

/// The parts of a stream the reactor scenario uses.
trait Readable: Send + Sync + 'static {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send;
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
}

impl Readable for TcpStream {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TcpStream::poll_read_ready(self, cx)
    }
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send {
        TcpStream::readable(self)
    }
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        TcpStream::try_read(self, buf)
    }
}

impl Readable for UnixStream {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        UnixStream::poll_read_ready(self, cx)
    }
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send {
        UnixStream::readable(self)
    }
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        UnixStream::try_read(self, buf)
    }
}

/// Reads exactly `n` bytes through readiness and `try_read`.
async fn read_n<S: Readable>(stream: &S, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    let mut got = 0;
    while got < n {
        stream.readable().await.unwrap();
        match stream.try_read(&mut buf[got..]) {
            Ok(0) => panic!("the peer closed the stream"),
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("read failed: {e}"),
        }
    }
    buf
}

/// `server` becomes readable when `client` writes. Of the two waiters, one waits in the
/// stream's single reader slot (`poll_read_ready`), the other in its list (`readable`); the
/// doomed one takes the slot if `doomed_in_slot`.
async fn socket_scenario<S>(server: S, client: S, doomed_in_slot: bool) -> Scenario
where
    S: Readable + runtime::io::AsyncWrite + Unpin,
{
    // A fresh stream is assumed ready; a read that would block clears that, so the waiters
    // wait for the peer. The clear is skipped if the reactor reported an event for the stream
    // (its first, "writable") between the read and the clear, so repeat until the stream
    // reads as not ready: later events cannot make it readable before the peer writes.
    let start = Instant::now();
    loop {
        let would_block = server.try_read(&mut [0; 8]).unwrap_err();
        assert_eq!(would_block.kind(), io::ErrorKind::WouldBlock);
        if server
            .poll_read_ready(&mut Context::from_waker(Waker::noop()))
            .is_pending()
        {
            break;
        }
        assert!(start.elapsed() < SOON, "the stream stayed readable");
        yield_now().await;
    }
    let server = Arc::new(server);
    let client = Arc::new(Mutex::new(client));
    let in_slot = |server: Arc<S>| {
        boxed(async move { poll_fn(|cx| server.poll_read_ready(cx)).await.unwrap() })
    };
    let in_list = |server: Arc<S>| boxed(async move { server.readable().await.unwrap() });
    let (doomed, bystander) = if doomed_in_slot {
        (in_slot(server.clone()), in_list(server.clone()))
    } else {
        (in_list(server.clone()), in_slot(server.clone()))
    };
    let writer = client.clone();
    Scenario {
        doomed,
        bystander: Some(bystander),
        trigger: boxed(async move { writer.lock().await.write_all(b"x").await.unwrap() }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                assert_eq!(read_n(&*server, 1).await, b"x");
                client.lock().await.write_all(b"hello").await.unwrap();
                assert_eq!(read_n(&*server, 5).await, b"hello");
            })
        }),
    }
}

async fn tcp(_: Flavor) -> Scenario {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    socket_scenario(server, client, true).await
}

async fn unix(_: Flavor) -> Scenario {
    let (server, client) = UnixStream::pair().unwrap();
    socket_scenario(server, client, false).await
}

async fn mutex(_: Flavor) -> Scenario {
    let mutex = Arc::new(Mutex::new(0u32));
    let held = mutex.clone().try_lock_owned().unwrap();
    let waiter = |mutex: Arc<Mutex<u32>>| boxed(async move { *mutex.lock().await += 1 });
    Scenario {
        doomed: waiter(mutex.clone()),
        bystander: Some(waiter(mutex.clone())),
        trigger: boxed(async move { drop(held) }),
        afterwards: Box::new(move |completed| {
            boxed(async move {
                let guard = mutex.try_lock().expect("the mutex stayed locked");
                assert_eq!(*guard, 1 + u32::from(completed));
                drop(guard);
                *mutex.lock().await += 1;
            })
        }),
    }
}

async fn rwlock(_: Flavor) -> Scenario {
    let lock = Arc::new(RwLock::new(0u32));
    let reading = lock.clone().try_read_owned().unwrap();
    let writer = |lock: Arc<RwLock<u32>>| boxed(async move { *lock.write().await += 1 });
    Scenario {
        doomed: writer(lock.clone()),
        bystander: Some(writer(lock.clone())),
        trigger: boxed(async move { drop(reading) }),
        afterwards: Box::new(move |completed| {
            boxed(async move {
                // Exclusive access needs every permit: none leaked.
                let guard = lock.try_write().expect("the lock was not free");
                assert_eq!(*guard, 1 + u32::from(completed));
                drop(guard);
                let readers = (lock.try_read().unwrap(), lock.try_read().unwrap());
                drop(readers);
                *lock.write().await += 1;
            })
        }),
    }
}

async fn semaphore(_: Flavor) -> Scenario {
    let semaphore = Arc::new(Semaphore::new(0));
    let doomed = semaphore.clone();
    let bystander = semaphore.clone();
    let adder = semaphore.clone();
    Scenario {
        // Needs two permits: it is handed them one at a time.
        doomed: boxed(async move { drop(doomed.acquire_many(2).await.unwrap()) }),
        bystander: Some(boxed(
            async move { drop(bystander.acquire().await.unwrap()) },
        )),
        trigger: boxed(async move {
            adder.add_permits(1);
            yield_now().await;
            adder.add_permits(1);
        }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                assert_eq!(
                    semaphore.available_permits(),
                    2,
                    "a permit was lost or doubled"
                );
                drop(semaphore.acquire_many(2).await.unwrap());
                assert_eq!(semaphore.available_permits(), 2);
            })
        }),
    }
}

async fn notify(_: Flavor) -> Scenario {
    let notify = Arc::new(Notify::new());
    let doomed = notify.clone();
    let bystander = notify.clone();
    let notifier = notify.clone();
    Scenario {
        // Passes the notification on once it has it.
        doomed: boxed(async move {
            doomed.notified().await;
            doomed.notify_one();
        }),
        bystander: Some(boxed(async move { bystander.notified().await })),
        trigger: boxed(async move { notifier.notify_one() }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                // Every notification went to a waiter: none is left stored.
                let mut later = pin!(notify.notified());
                assert!(runtime_tests::poll_once(&mut later).await.is_pending());
                notify.notify_one();
                later.await;
            })
        }),
    }
}

async fn barrier(_: Flavor) -> Scenario {
    let barrier = Arc::new(Barrier::new(3));
    let waiter = |barrier: Arc<Barrier>| {
        boxed(async move {
            barrier.wait().await;
        })
    };
    let last = barrier.clone();
    Scenario {
        // A `wait` counts as arrived from its first poll (not cancel safe), so the doomed
        // waiter, the bystander and the trigger make three in every case.
        doomed: waiter(barrier.clone()),
        bystander: Some(waiter(barrier.clone())),
        trigger: boxed(async move {
            assert!(last.wait().await.is_leader());
        }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                let next: Vec<_> = (0..3)
                    .map(|_| {
                        let barrier = barrier.clone();
                        runtime::spawn(async move { barrier.wait().await.is_leader() })
                    })
                    .collect();
                let mut leaders = 0;
                for waiter in next {
                    leaders += usize::from(waiter.await.unwrap());
                }
                assert_eq!(leaders, 1);
            })
        }),
    }
}

async fn once_cell(_: Flavor) -> Scenario {
    let cell = Arc::new(OnceCell::<u32>::new());
    let (release, released) = oneshot::channel::<()>();
    let polls = Counter::new();
    // Holds the initialisation until the trigger.
    let initialiser = runtime::spawn(PollCounted::new(
        {
            let cell = cell.clone();
            async move {
                let value = cell
                    .get_or_init(|| async move {
                        released.await.unwrap();
                        7
                    })
                    .await;
                assert_eq!(*value, 7);
            }
        },
        &polls,
    ));
    wait_for("the initialiser never started", || polls.get() >= 1).await;
    let waiter = |cell: Arc<OnceCell<u32>>| {
        boxed(async move {
            let value = cell
                .get_or_init(|| async { unreachable!("the cell was being initialised") })
                .await;
            assert_eq!(*value, 7);
        })
    };
    Scenario {
        doomed: waiter(cell.clone()),
        bystander: Some(waiter(cell.clone())),
        trigger: boxed(async move { release.send(()).unwrap() }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                initialiser.await.unwrap();
                assert_eq!(cell.get(), Some(&7));
            })
        }),
    }
}

async fn mpsc_recv(_: Flavor) -> Scenario {
    let (tx, rx) = mpsc::channel::<u32>(4);
    let rx = Arc::new(Mutex::new(rx));
    let doomed = rx.clone();
    let sender = tx.clone();
    Scenario {
        doomed: boxed(async move { assert_eq!(doomed.lock().await.recv().await, Some(1)) }),
        bystander: None,
        trigger: boxed(async move { sender.send(1).await.unwrap() }),
        afterwards: Box::new(move |completed| {
            boxed(async move {
                tx.send(2).await.unwrap();
                let mut rx = rx.lock().await;
                if !completed {
                    assert_eq!(rx.recv().await, Some(1), "a value was lost");
                }
                assert_eq!(rx.recv().await, Some(2));
                assert!(rx.try_recv().is_err());
                assert_eq!(tx.capacity(), tx.max_capacity(), "a slot was lost");
            })
        }),
    }
}

async fn mpsc_send(_: Flavor) -> Scenario {
    let (tx, rx) = mpsc::channel::<u32>(2);
    tx.send(0).await.unwrap();
    tx.send(0).await.unwrap();
    let rx = Arc::new(Mutex::new(rx));
    let sender = |tx: mpsc::Sender<u32>, value| boxed(async move { tx.send(value).await.unwrap() });
    let receiver = rx.clone();
    Scenario {
        // Both wait for room in the full channel.
        doomed: sender(tx.clone(), 1),
        bystander: Some(sender(tx.clone(), 2)),
        trigger: boxed(async move {
            let mut rx = receiver.lock().await;
            assert_eq!(rx.recv().await, Some(0));
            assert_eq!(rx.recv().await, Some(0));
        }),
        afterwards: Box::new(move |completed| {
            boxed(async move {
                let mut rx = rx.lock().await;
                let mut got = Vec::new();
                while let Ok(value) = rx.try_recv() {
                    got.push(value);
                }
                got.sort_unstable();
                let expected = if completed { vec![1, 2] } else { vec![2] };
                assert_eq!(got, expected);
                assert_eq!(tx.capacity(), tx.max_capacity(), "a slot was lost");
                tx.send(3).await.unwrap();
                assert_eq!(rx.recv().await, Some(3));
            })
        }),
    }
}

/// Unlike `mpsc_recv`, the doomed waiter owns the receiver and the trigger the only sender:
/// whichever goes last frees the channel, with the receiver's waker still registered in it.
async fn mpsc_unbounded(_: Flavor) -> Scenario {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    let sent = Arc::new(std::sync::Mutex::new(None));
    let result = sent.clone();
    Scenario {
        doomed: boxed(async move { assert_eq!(rx.recv().await, Some(1)) }),
        bystander: None,
        trigger: boxed(async move { *result.lock().unwrap() = Some(tx.send(1).is_ok()) }),
        afterwards: Box::new(move |completed| {
            boxed(async move {
                // Refused only by a receiver that was gone.
                let sent = sent.lock().unwrap().take().expect("never sent");
                assert_eq!(sent, completed);
                let (tx, mut rx) = mpsc::unbounded_channel();
                tx.send(2).unwrap();
                assert_eq!(rx.recv().await, Some(2));
            })
        }),
    }
}

async fn oneshot_recv(_: Flavor) -> Scenario {
    let (tx, rx) = oneshot::channel::<u32>();
    let sent = Arc::new(std::sync::Mutex::new(None));
    let result = sent.clone();
    Scenario {
        doomed: boxed(async move { assert_eq!(rx.await, Ok(1)) }),
        bystander: None,
        trigger: boxed(async move { *result.lock().unwrap() = Some(tx.send(1)) }),
        afterwards: Box::new(move |completed| {
            boxed(async move {
                // Delivered to a receiver that took it, refused by one that was gone.
                let sent = sent.lock().unwrap().take().expect("never sent");
                assert_eq!(sent.is_ok(), completed, "{sent:?}");
            })
        }),
    }
}

async fn oneshot_closed(_: Flavor) -> Scenario {
    let (mut tx, rx) = oneshot::channel::<u32>();
    Scenario {
        doomed: boxed(async move {
            tx.closed().await;
            assert!(tx.is_closed());
        }),
        bystander: None,
        trigger: boxed(async move { drop(rx) }),
        afterwards: Box::new(|_| {
            boxed(async {
                let (tx, rx) = oneshot::channel();
                tx.send(5).unwrap();
                assert_eq!(rx.await, Ok(5));
            })
        }),
    }
}

async fn watch(_: Flavor) -> Scenario {
    let (tx, rx) = watch::channel(0u32);
    let waiter = |mut rx: watch::Receiver<u32>| {
        boxed(async move {
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow_and_update(), 1);
        })
    };
    let tx = Arc::new(tx);
    let sender = tx.clone();
    Scenario {
        doomed: waiter(rx.clone()),
        bystander: Some(waiter(rx.clone())),
        trigger: boxed(async move { sender.send(1).unwrap() }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                let mut rx = rx;
                rx.changed().await.unwrap();
                assert_eq!(*rx.borrow_and_update(), 1);
                tx.send(2).unwrap();
                rx.changed().await.unwrap();
                assert_eq!(*rx.borrow_and_update(), 2);
                assert_eq!(tx.receiver_count(), 1, "a receiver was leaked");
            })
        }),
    }
}

async fn broadcast(_: Flavor) -> Scenario {
    let (tx, doomed_rx) = broadcast::channel::<u32>(4);
    let bystander_rx = tx.subscribe();
    let mut later = tx.subscribe();
    let waiter = |mut rx: broadcast::Receiver<u32>| {
        boxed(async move { assert_eq!(rx.recv().await.unwrap(), 1) })
    };
    let tx = Arc::new(tx);
    let sender = tx.clone();
    Scenario {
        doomed: waiter(doomed_rx),
        bystander: Some(waiter(bystander_rx)),
        trigger: boxed(async move {
            sender.send(1).unwrap();
        }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                assert_eq!(later.recv().await.unwrap(), 1);
                tx.send(2).unwrap();
                assert_eq!(later.recv().await.unwrap(), 2);
                assert_eq!(tx.receiver_count(), 1, "a receiver was leaked");
            })
        }),
    }
}

async fn cancellation_token(_: Flavor) -> Scenario {
    let token = CancellationToken::new();
    let doomed = token.clone();
    let child = token.child_token();
    let canceller = token.clone();
    Scenario {
        doomed: boxed(async move { doomed.cancelled().await }),
        bystander: Some(boxed(async move { child.cancelled().await })),
        trigger: boxed(async move { canceller.cancel() }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                assert!(token.is_cancelled());
                token.cancelled().await;
                token.child_token().cancelled().await;
            })
        }),
    }
}

async fn join_handle(_: Flavor) -> Scenario {
    let (release, released) = oneshot::channel::<()>();
    let ran = Counter::new();
    let task = runtime::spawn({
        let ran = ran.clone();
        async move {
            released.await.unwrap();
            ran.inc();
            7u32
        }
    });
    Scenario {
        doomed: boxed(async move { assert_eq!(task.await.unwrap(), 7) }),
        bystander: None,
        trigger: boxed(async move { release.send(()).unwrap() }),
        afterwards: Box::new(move |_| {
            boxed(async move {
                // A dropped JoinHandle detaches its task; it still runs to the end.
                wait_for("the joined task never finished", || ran.get() == 1).await;
                assert_eq!(runtime::spawn(async { 8 }).await.unwrap(), 8);
            })
        }),
    }
}

both_flavors! {
    fn waker_faults_fired_by_the_timer() {
        waker_faults(FLAVOR, timer);
    }

    fn waker_faults_fired_by_the_reactor_on_tcp() {
        waker_faults(FLAVOR, tcp);
    }

    fn waker_faults_fired_by_the_reactor_on_unix() {
        waker_faults(FLAVOR, unix);
    }

    fn waker_faults_on_a_mutex() {
        waker_faults(FLAVOR, mutex);
    }

    fn waker_faults_on_an_rwlock() {
        waker_faults(FLAVOR, rwlock);
    }

    fn waker_faults_on_a_semaphore() {
        waker_faults(FLAVOR, semaphore);
    }

    fn waker_faults_on_notify() {
        waker_faults(FLAVOR, notify);
    }

    fn waker_faults_on_a_barrier() {
        waker_faults(FLAVOR, barrier);
    }

    fn waker_faults_on_a_once_cell() {
        waker_faults(FLAVOR, once_cell);
    }

    fn waker_faults_on_mpsc_recv() {
        waker_faults(FLAVOR, mpsc_recv);
    }

    fn waker_faults_on_mpsc_send() {
        waker_faults(FLAVOR, mpsc_send);
    }

    fn waker_faults_on_unbounded_mpsc() {
        waker_faults(FLAVOR, mpsc_unbounded);
    }

    fn waker_faults_on_oneshot_recv() {
        waker_faults(FLAVOR, oneshot_recv);
    }

    fn waker_faults_on_oneshot_closed() {
        waker_faults(FLAVOR, oneshot_closed);
    }

    fn waker_faults_on_watch() {
        waker_faults(FLAVOR, watch);
    }

    fn waker_faults_on_broadcast() {
        waker_faults(FLAVOR, broadcast);
    }

    fn waker_faults_on_a_cancellation_token() {
        waker_faults(FLAVOR, cancellation_token);
    }

    fn waker_faults_on_a_join_handle() {
        waker_faults(FLAVOR, join_handle);
    }
}

// ---------------------------------------------------------------------------------------------
// The builder's thread hooks.

/// Counts a hook's calls and panics on those `panics_on` selects.
fn panicking_hook(
    calls: &Counter,
    what: &'static str,
    panics_on: fn(usize) -> bool,
) -> impl Fn() + Send + Sync + 'static {
    let calls = calls.clone();
    move || {
        let n = calls.get();
        calls.inc();
        if panics_on(n) {
            boom(what);
        }
    }
}

both_flavors! {
    /// A start hook runs on each thread the runtime starts, after `build` has returned, so its
    /// panic cannot fail the build. As with a task's panic, it is printed (by the panic hook)
    /// and contained: the thread goes on to do its work, runs its stop hook, and the runtime
    /// works as if the hook had returned.
    fn a_start_hook_that_always_panics_is_contained() {
        quiet_expected_panics();
        within(LIMIT, move || {
            let (starts, stops) = (Counter::new(), Counter::new());
            let freed = Counter::new();
            let token = freed.guard();
            let rt = builder()
                .on_thread_start(panicking_hook(&starts, "start hook panics", |_| true))
                .on_thread_stop({
                    let stops = stops.clone();
                    move || {
                        let _ = &token;
                        stops.inc();
                    }
                })
                .build()
                .unwrap();
            rt.block_on(async {
                // Blocking threads (and, on the multi-thread runtime, the workers) all started
                // with a panic and work anyway.
                let blocking: Vec<_> = (0..4)
                    .map(|i| {
                        runtime::task::spawn_blocking(move || {
                            thread::sleep(ms(5));
                            i
                        })
                    })
                    .collect();
                for (i, task) in blocking.into_iter().enumerate() {
                    assert_eq!(task.await.unwrap(), i);
                }
                still_runs_tasks_and_timers().await;
            });
            // The scheduler's threads and at least one blocking thread.
            assert!(starts.get() > FLAVOR.scheduler_threads());
            // Every worker is alive: each takes a task of its own.
            runtime_tests::hold_workers(rt.handle(), FLAVOR).release();
            shut_down(rt);
            assert_freed(&freed, "start hook");
            // No thread died in its start hook: each one that started ran its stop hook.
            assert_eq!(stops.get(), starts.get());
        });
    }

    fn a_stop_hook_that_always_panics_does_not_stop_the_shutdown() {
        quiet_expected_panics();
        within(LIMIT, move || {
            let (starts, stops) = (Counter::new(), Counter::new());
            let freed = Counter::new();
            let token = freed.guard();
            let rt = builder()
                .on_thread_start({
                    let starts = starts.clone();
                    move || {
                        let _ = &token;
                        starts.inc();
                    }
                })
                .on_thread_stop(panicking_hook(&stops, "stop hook panics", |_| true))
                .build()
                .unwrap();
            rt.block_on(async {
                for i in 0..4 {
                    assert_eq!(runtime::task::spawn_blocking(move || i).await.unwrap(), i);
                }
                still_runs_tasks_and_timers().await;
            });
            shut_down(rt);
            assert_freed(&freed, "stop hook");
            assert_eq!(stops.get(), starts.get(), "a thread never ran its stop hook");
        });
    }

    /// On the multi-thread runtime the park hooks run on the workers, which contain their
    /// panics: the hooks may panic every time. On the current-thread runtime they run in
    /// `block_on`, and the panic comes out of it, like a panic of its future: there a hook
    /// that always panicked would make every `block_on` that waits fail, so it panics on its
    /// first calls, and each `block_on` it broke is simply called again.
    fn park_hooks_that_panic_are_contained() {
        quiet_expected_panics();
        for unpark in [false, true] {
            within(LIMIT, move || {
                let calls = Counter::new();
                let freed = Counter::new();
                let token = freed.guard();
                let panics_on: fn(usize) -> bool = if FLAVOR.is_multi_thread() {
                    |_| true
                } else {
                    |n| n < 3
                };
                let hook = panicking_hook(&calls, "park hook panics", panics_on);
                let mut builder = builder();
                builder.on_thread_start(move || {
                    let _ = &token;
                });
                if unpark {
                    builder.on_thread_unpark(hook);
                } else {
                    builder.on_thread_park(hook);
                }
                let rt = builder.build().unwrap();
                // (The builder keeps its hooks, and the token.)
                drop(builder);
                let drops = Counter::new();
                let idle = rt.spawn(runtime_tests::pending_counted::<()>(&drops));
                let mut broken = 0;
                let sum = loop {
                    let attempt = catch_unwind(AssertUnwindSafe(|| {
                        rt.block_on(async {
                            let mut sum = 0;
                            for i in 0..20u64 {
                                sum += runtime::spawn(async move {
                                    runtime::time::sleep(ms(1)).await;
                                    i
                                })
                                .await
                                .unwrap();
                            }
                            still_runs_tasks_and_timers().await;
                            sum
                        })
                    }));
                    match attempt {
                        Ok(sum) => break sum,
                        Err(payload) => {
                            assert!(!FLAVOR.is_multi_thread(), "{}", message(&*payload));
                            assert!(message(&*payload).contains("park hook panics"));
                            broken += 1;
                            assert!(broken <= 3, "the hook panicked more often than it does");
                        }
                    }
                };
                assert_eq!(sum, (0..20).sum::<u64>());
                assert!(calls.get() > 0, "the hook never ran");
                // Every worker is alive: each takes a task of its own.
                runtime_tests::hold_workers(rt.handle(), FLAVOR).release();
                shut_down(rt);
                assert_eq!(drops.get(), 1, "the idle task's future was not dropped");
                drop(idle);
                assert_freed(&freed, "park hooks");
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The guards' `map` closures.

fn boom_mut<T: ?Sized, U: ?Sized>(_: &mut T) -> &mut U {
    boom("map closure panics")
}

fn boom_mut_opt<T: ?Sized, U: ?Sized>(_: &mut T) -> Option<&mut U> {
    boom("map closure panics")
}

fn boom_ref<T: ?Sized, U: ?Sized>(_: &T) -> &U {
    boom("map closure panics")
}

fn boom_ref_opt<T: ?Sized, U: ?Sized>(_: &T) -> Option<&U> {
    boom("map closure panics")
}

type Pair = (u32, u32);

/// Called by a map case once it holds its guard and before it maps: queues a waiter behind it.
type Between<'a> = &'a mut dyn FnMut();

/// A named case: locks `L`, calls its `Between`, and maps the guard with a closure that
/// panics.
type MapCase<L> = (&'static str, fn(&Arc<L>, Between<'_>));

/// Each locks the mutex, lets a waiter queue, and maps the guard with a closure that panics.
const MUTEX_MAPS: &[MapCase<Mutex<Pair>>] = &[
    ("MutexGuard::map", |m, between| {
        let guard = m.try_lock().unwrap();
        between();
        let _ = MutexGuard::map(guard, boom_mut::<Pair, u32>);
    }),
    ("MutexGuard::try_map", |m, between| {
        let guard = m.try_lock().unwrap();
        between();
        let _ = MutexGuard::try_map(guard, boom_mut_opt::<Pair, u32>);
    }),
    ("MappedMutexGuard::map", |m, between| {
        let mapped = MutexGuard::map(m.try_lock().unwrap(), |pair| pair);
        between();
        let _ = MappedMutexGuard::map(mapped, boom_mut::<Pair, u32>);
    }),
    ("MappedMutexGuard::try_map", |m, between| {
        let mapped = MutexGuard::map(m.try_lock().unwrap(), |pair| pair);
        between();
        let _ = MappedMutexGuard::try_map(mapped, boom_mut_opt::<Pair, u32>);
    }),
    ("OwnedMutexGuard::map", |m, between| {
        let guard = m.clone().try_lock_owned().unwrap();
        between();
        let _ = OwnedMutexGuard::map(guard, boom_mut::<Pair, u32>);
    }),
    ("OwnedMutexGuard::try_map", |m, between| {
        let guard = m.clone().try_lock_owned().unwrap();
        between();
        let _ = OwnedMutexGuard::try_map(guard, boom_mut_opt::<Pair, u32>);
    }),
    ("OwnedMappedMutexGuard::map", |m, between| {
        let mapped = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |pair| pair);
        between();
        let _ = OwnedMappedMutexGuard::map(mapped, boom_mut::<Pair, u32>);
    }),
    ("OwnedMappedMutexGuard::try_map", |m, between| {
        let mapped = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |pair| pair);
        between();
        let _ = OwnedMappedMutexGuard::try_map(mapped, boom_mut_opt::<Pair, u32>);
    }),
];

/// Each locks the lock (for reading or writing), lets a writer queue, and maps the guard
/// with a closure that panics.
const RWLOCK_MAPS: &[MapCase<RwLock<Pair>>] = &[
    ("RwLockReadGuard::map", |l, between| {
        let guard = l.try_read().unwrap();
        between();
        let _ = RwLockReadGuard::map(guard, boom_ref::<Pair, u32>);
    }),
    ("RwLockReadGuard::try_map", |l, between| {
        let guard = l.try_read().unwrap();
        between();
        let _ = RwLockReadGuard::try_map(guard, boom_ref_opt::<Pair, u32>);
    }),
    ("RwLockWriteGuard::map", |l, between| {
        let guard = l.try_write().unwrap();
        between();
        let _ = RwLockWriteGuard::map(guard, boom_mut::<Pair, u32>);
    }),
    ("RwLockWriteGuard::try_map", |l, between| {
        let guard = l.try_write().unwrap();
        between();
        let _ = RwLockWriteGuard::try_map(guard, boom_mut_opt::<Pair, u32>);
    }),
    ("RwLockWriteGuard::downgrade_map", |l, between| {
        let guard = l.try_write().unwrap();
        between();
        let _ = RwLockWriteGuard::downgrade_map(guard, boom_ref::<Pair, u32>);
    }),
    ("RwLockWriteGuard::try_downgrade_map", |l, between| {
        let guard = l.try_write().unwrap();
        between();
        let _ = RwLockWriteGuard::try_downgrade_map(guard, boom_ref_opt::<Pair, u32>);
    }),
    ("RwLockMappedWriteGuard::map", |l, between| {
        let mapped = RwLockWriteGuard::map(l.try_write().unwrap(), |pair| pair);
        between();
        let _ = RwLockMappedWriteGuard::map(mapped, boom_mut::<Pair, u32>);
    }),
    ("RwLockMappedWriteGuard::try_map", |l, between| {
        let mapped = RwLockWriteGuard::map(l.try_write().unwrap(), |pair| pair);
        between();
        let _ = RwLockMappedWriteGuard::try_map(mapped, boom_mut_opt::<Pair, u32>);
    }),
    ("OwnedRwLockReadGuard::map", |l, between| {
        let guard = l.clone().try_read_owned().unwrap();
        between();
        let _ = OwnedRwLockReadGuard::map(guard, boom_ref::<Pair, u32>);
    }),
    ("OwnedRwLockReadGuard::try_map", |l, between| {
        let guard = l.clone().try_read_owned().unwrap();
        between();
        let _ = OwnedRwLockReadGuard::try_map(guard, boom_ref_opt::<Pair, u32>);
    }),
    ("OwnedRwLockWriteGuard::map", |l, between| {
        let guard = l.clone().try_write_owned().unwrap();
        between();
        let _ = OwnedRwLockWriteGuard::map(guard, boom_mut::<Pair, u32>);
    }),
    ("OwnedRwLockWriteGuard::try_map", |l, between| {
        let guard = l.clone().try_write_owned().unwrap();
        between();
        let _ = OwnedRwLockWriteGuard::try_map(guard, boom_mut_opt::<Pair, u32>);
    }),
    ("OwnedRwLockWriteGuard::downgrade_map", |l, between| {
        let guard = l.clone().try_write_owned().unwrap();
        between();
        let _ = OwnedRwLockWriteGuard::downgrade_map(guard, boom_ref::<Pair, u32>);
    }),
    ("OwnedRwLockWriteGuard::try_downgrade_map", |l, between| {
        let guard = l.clone().try_write_owned().unwrap();
        between();
        let _ = OwnedRwLockWriteGuard::try_downgrade_map(guard, boom_ref_opt::<Pair, u32>);
    }),
    ("OwnedRwLockMappedWriteGuard::map", |l, between| {
        let mapped = OwnedRwLockWriteGuard::map(l.clone().try_write_owned().unwrap(), |p| p);
        between();
        let _ = OwnedRwLockMappedWriteGuard::map(mapped, boom_mut::<Pair, u32>);
    }),
    ("OwnedRwLockMappedWriteGuard::try_map", |l, between| {
        let mapped = OwnedRwLockWriteGuard::map(l.clone().try_write_owned().unwrap(), |p| p);
        between();
        let _ = OwnedRwLockMappedWriteGuard::try_map(mapped, boom_mut_opt::<Pair, u32>);
    }),
];

/// Runs `case` (which locks, queues `waiter` through its callback, and panics in a map
/// closure), and checks that the panic came out, the queued waiter was woken and gets the
/// lock, and the lock is free afterwards (`is_free`).
fn map_panics_and_unlocks<L>(
    name: &str,
    lock: &Arc<L>,
    case: fn(&Arc<L>, Between<'_>),
    mut waiter: BoxFuture,
    is_free: fn(&L) -> bool,
) {
    let counting = Arc::new(CountingWaker::default());
    let waker = Waker::from(counting.clone());
    let mut queued = false;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        case(lock, &mut || {
            let poll = waiter.as_mut().poll(&mut Context::from_waker(&waker));
            assert!(
                poll.is_pending(),
                "{name}: the waiter got the lock while it was held"
            );
            queued = true;
        })
    }));
    let payload = outcome.expect_err("the closure's panic did not come out");
    assert!(message(&*payload).contains("map closure panics"), "{name}");
    assert!(queued, "{name}");
    assert!(
        counting.0.load(SeqCst) > 0,
        "{name}: the waiter queued behind the guard was never woken"
    );
    let poll = waiter.as_mut().poll(&mut Context::from_waker(&waker));
    assert!(
        poll.is_ready(),
        "{name}: the woken waiter did not get the lock"
    );
    drop(waiter);
    assert!(
        is_free(lock),
        "{name}: the lock stayed held after the closure panicked"
    );
}

// No scheduler is involved (the locks work under any executor; the test polls by hand).
#[test]
fn a_panicking_map_closure_unlocks_the_mutex() {
    quiet_expected_panics();
    for &(name, case) in MUTEX_MAPS {
        let mutex = Arc::new(Mutex::new((1, 2)));
        let waiter = {
            let mutex = mutex.clone();
            boxed(async move { mutex.lock().await.0 += 1 })
        };
        map_panics_and_unlocks(name, &mutex, case, waiter, |m| m.try_lock().is_ok());
        assert_eq!(*mutex.try_lock().unwrap(), (2, 2), "{name}");
    }
}

#[test]
fn a_panicking_map_closure_unlocks_the_rwlock() {
    quiet_expected_panics();
    for &(name, case) in RWLOCK_MAPS {
        let lock = Arc::new(RwLock::new((1, 2)));
        // A writer needs every permit back: a reader's permit kept by the panic would show.
        let waiter = {
            let lock = lock.clone();
            boxed(async move { lock.write().await.0 += 1 })
        };
        map_panics_and_unlocks(name, &lock, case, waiter, |l| l.try_write().is_ok());
        assert_eq!(*lock.try_read().unwrap(), (2, 2), "{name}");
    }
}
