//! loom models of the fair semaphore's fast paths and waiter list, and of `Notify`.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-sync --lib --release`.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Waker};

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::SeqCst;
use loom::thread;

use crate::batch_semaphore::Semaphore;
use crate::notify::Notify;

/// Two threads each take and give back one of one permit, while counting how many hold it
/// at once: never two, and the permit is back at the end.
#[test]
fn semaphore_excludes_and_loses_no_permit() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let inside = Arc::new(AtomicUsize::new(0));
        let t = {
            let (sem, inside) = (sem.clone(), inside.clone());
            thread::spawn(move || {
                block_on(sem.acquire(1)).unwrap();
                assert_eq!(inside.fetch_add(1, SeqCst), 0);
                inside.fetch_sub(1, SeqCst);
                sem.release(1);
            })
        };
        block_on(sem.acquire(1)).unwrap();
        assert_eq!(inside.fetch_add(1, SeqCst), 0);
        inside.fetch_sub(1, SeqCst);
        sem.release(1);
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// A waiter for two permits while the permits arrive one at a time from another thread: it
/// is handed them partially and completes once it has both, and nothing is lost.
#[test]
fn semaphore_partial_assignment() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || {
                sem.release(1);
                sem.release(1);
            })
        };
        block_on(sem.acquire(2)).unwrap();
        assert_eq!(sem.available_permits(), 0);
        sem.release(2);
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 2);
    });
}

/// A queued acquire cancelled while a release hands it permits: nothing is lost.
#[test]
fn semaphore_cancel_races_release() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release(1))
        };
        {
            let mut acquire = pin!(sem.acquire(2));
            let mut cx = Context::from_waker(Waker::noop());
            // Queues (or not, if the release came first: it still needs one more).
            assert!(acquire.as_mut().poll(&mut cx).is_pending());
        }
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        // The fast path works again: no stale waiter left behind.
        assert!(sem.try_acquire(1).is_ok());
    });
}

/// `close` racing a waiter: the waiter completes (with an error or the permit) and wakes.
#[test]
fn semaphore_close_races_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let closer = {
            let sem = sem.clone();
            thread::spawn(move || sem.close())
        };
        assert!(block_on(sem.acquire(1)).is_err());
        closer.join().unwrap();
    });
}

/// `notify_one` racing the first poll of a `Notified`: the waiter always completes.
#[test]
fn notify_one_races_notified() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let t = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        block_on(notify.notified());
        t.join().unwrap();
    });
}

/// `notify_waiters` racing the creation and poll of a `Notified` on another thread, plus a
/// `notify_one`: with both calls after the future's creation, it completes.
#[test]
fn notify_waiters_reaches_a_future_created_before_it() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let notified = notify.clone().notified_owned();
        let t = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_waiters())
        };
        block_on(notified);
        t.join().unwrap();
    });
}

/// `notify_one` racing the drop of the oldest waiter: if it picked the dropped one, the drop
/// passes the notification on; either way the other waiter completes.
#[test]
fn dropped_notified_passes_the_notification_on() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let mut oldest = Box::pin(notify.clone().notified_owned());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(oldest.as_mut().poll(&mut cx).is_pending());
        let waiter = {
            let notify = notify.clone();
            thread::spawn(move || block_on(notify.notified()))
        };
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        drop(oldest);
        notifier.join().unwrap();
        waiter.join().unwrap();
    });
}
