//! loom models of the timer's state machine: a cancel (the `Sleep` dropped) racing the
//! driver's firing, a lock-free deadline extension racing it, a cancel inside the driver's
//! unlocked window between two wake batches, and `next_wake` when a registration races a
//! turn.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-time --lib --release`.

use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use crate::entry::{TimerShared, DONE};
use crate::handle::Handle;

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn parts() -> (Handle, Pin<Box<TimerShared>>, Arc<CountingWaker>) {
    let handle = Handle::new(1, false, true, Box::new(|| {}));
    let timer = Box::pin(TimerShared::new());
    let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
    timer.register_waker(&Waker::from(wakes.clone()));
    (handle, timer, wakes)
}

#[test]
fn cancel_racing_fire() {
    loom::model(|| {
        let (handle, timer, wakes) = parts();
        let ptr = NonNull::from(&*timer);
        // SAFETY: the timer is pinned and outlives its registration (cancelled below).
        unsafe { handle.file(0, ptr, 2) };
        let driver = handle.clone();
        let th = loom::thread::spawn(move || driver.process_at(5));
        // Let the driver get ahead: loom then explores the owner's cancel at every point of
        // the firing, not only before it.
        loom::thread::yield_now();
        // SAFETY: filed in shard 0 above.
        unsafe { handle.cancel(0, ptr) };
        assert_eq!(timer.state(), DONE);
        // After `cancel` the driver must not touch the timer: the owner frees it here (the
        // write stands for that), which loom reports as a race if the driver is still inside.
        // SAFETY: the pointer is valid; a race would be loom's finding.
        timer.memory.with_mut(|p| unsafe { *p = 1 });
        // SAFETY: deliberately unlocked: the timer's wheel fields are the owner's again.
        unsafe { timer.set_slot(0) };
        th.join().unwrap();
        assert!(wakes.0.load(SeqCst) <= 1);
        drop(timer);
    });
}

#[test]
fn extend_racing_fire() {
    loom::model(|| {
        let (handle, mut timer, wakes) = parts();
        let ptr = NonNull::from(&*timer);
        // SAFETY: pinned, cancelled before it is dropped.
        unsafe { handle.file(0, ptr, 2) };
        let driver = handle.clone();
        let th = loom::thread::spawn(move || driver.process_at(5));
        loom::thread::yield_now();
        let extended = timer.try_extend(10);
        if !extended {
            // It fired first: the owner re-files under the lock.
            // SAFETY: as above; no longer pending.
            unsafe { handle.file(0, ptr, 10) };
        }
        th.join().unwrap();
        // Either way: fired at most once so far, and pending for tick 10 now…
        let early = wakes.0.load(SeqCst);
        assert_eq!(early, usize::from(!extended));
        assert_eq!(timer.state(), 10);
        // …and it fires at 10, not before.
        handle.process_at(9);
        assert_eq!(wakes.0.load(SeqCst), early);
        handle.process_at(10);
        assert_eq!(timer.state(), DONE);
        // SAFETY: as above.
        unsafe { handle.cancel(0, ptr) };
        let _ = &mut timer;
        drop(timer);
    });
}

/// A handle whose unpark hook counts the driver's wake-ups.
fn counting_handle() -> (Handle, Arc<AtomicUsize>) {
    let unparks = Arc::new(AtomicUsize::new(0));
    let count = unparks.clone();
    let handle = Handle::new(
        1,
        false,
        true,
        Box::new(move || {
            count.fetch_add(1, SeqCst);
        }),
    );
    (handle, unparks)
}

fn registered_timer() -> (Pin<Box<TimerShared>>, Arc<CountingWaker>) {
    let timer = Box::pin(TimerShared::new());
    let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
    timer.register_waker(&Waker::from(wakes.clone()));
    (timer, wakes)
}

/// Under loom a wake batch holds one waker, so with two due timers the driver fires the
/// first, lets go of the shard lock to wake it, and takes the lock back for the second. The
/// second's owner cancels it meanwhile: it must be able to (the timer is still filed on the
/// pending list), and the driver must not touch it afterwards.
#[test]
fn cancel_inside_the_unlocked_window_between_wake_batches() {
    loom::model(|| {
        let (handle, _) = counting_handle();
        let (first, first_wakes) = registered_timer();
        let (second, second_wakes) = registered_timer();
        let (p1, p2) = (NonNull::from(&*first), NonNull::from(&*second));
        // SAFETY: both are pinned and cancelled before they are dropped.
        unsafe {
            handle.file(0, p1, 2);
            handle.file(0, p2, 2);
        }
        let driver = handle.clone();
        let th = loom::thread::spawn(move || driver.process_at(5));
        loom::thread::yield_now();
        // SAFETY: filed in shard 0.
        unsafe { handle.cancel(0, p2) };
        assert_eq!(second.state(), DONE);
        // SAFETY: a race with the driver would be loom's finding (see `cancel_racing_fire`).
        second.memory.with_mut(|p| unsafe { *p = 1 });
        th.join().unwrap();
        assert_eq!(first.state(), DONE);
        assert_eq!(first_wakes.0.load(SeqCst), 1, "the first timer fired once");
        assert!(second_wakes.0.load(SeqCst) <= 1);
        // SAFETY: fired: no longer filed.
        unsafe { handle.cancel(0, p1) };
        drop((first, second));
    });
}

/// A registration racing the driver's turn: afterwards the timer has fired, or the driver
/// knows when to come back for it (`next_wake` not later than its deadline).
#[test]
fn a_registration_racing_a_turn_is_never_overslept() {
    loom::model(|| {
        let (handle, _) = counting_handle();
        // Something already filed, so the turn takes the lock and stores `next_wake`.
        let (early, _) = registered_timer();
        let (late, late_wakes) = registered_timer();
        let (pe, pl) = (NonNull::from(&*early), NonNull::from(&*late));
        // SAFETY: pinned, cancelled before they are dropped.
        unsafe { handle.file(0, pe, 1) };
        let driver = handle.clone();
        let th = loom::thread::spawn(move || driver.process_at(1));
        // SAFETY: as above.
        unsafe { handle.file(0, pl, 3) };
        th.join().unwrap();

        if late_wakes.0.load(SeqCst) == 0 {
            assert_eq!(late.state(), 3, "pending for tick 3");
            let next = handle.next_wake_tick().expect("a timer is filed");
            assert!(
                next <= 3,
                "the driver would sleep past the timer: next_wake {next}"
            );
        }
        handle.process_at(3);
        assert_eq!(late.state(), DONE);
        assert_eq!(late_wakes.0.load(SeqCst), 1);
        // SAFETY: both fired: no longer filed.
        unsafe {
            handle.cancel(0, pe);
            handle.cancel(0, pl);
        }
        drop((early, late));
    });
}
