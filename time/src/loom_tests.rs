//! loom models of the timer's state machine: a cancel (the `Sleep` dropped) racing the
//! driver's firing, and a lock-free deadline extension racing it.
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
