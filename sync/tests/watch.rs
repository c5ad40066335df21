//! `runtime_sync::watch` through its public API: versions, closing, every method's contract,
//! panics in closures, cancellation and the budget, with a minimal thread-parking executor.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use runtime_sync::coop;
use runtime_sync::watch::{self, error::SendError};

struct Unparker(thread::Thread, AtomicUsize);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.1.fetch_add(1, SeqCst);
        self.0.unpark();
    }
}

fn waker() -> (Waker, Arc<Unparker>) {
    let unparker = Arc::new(Unparker(thread::current(), AtomicUsize::new(0)));
    (Waker::from(unparker.clone()), unparker)
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let (waker, _) = waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = fut.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

fn poll_once<F: Future + ?Sized>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn initial_value_is_seen_and_a_send_is_a_change() {
    let (tx, mut rx) = watch::channel(1);
    assert_eq!(*rx.borrow(), 1);
    assert!(!rx.borrow().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(2).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    // `borrow` does not mark seen; `borrow_and_update` does.
    assert!(rx.borrow().has_changed());
    assert_eq!(rx.has_changed(), Ok(true));
    let r = rx.borrow_and_update();
    assert!(r.has_changed());
    assert_eq!(*r, 2);
    drop(r);
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn changed_completes_at_once_for_an_unseen_value_and_marks_it_seen() {
    let (tx, mut rx) = watch::channel("a");
    tx.send("b").unwrap();
    block_on(rx.changed()).unwrap();
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow(), "b");
    // Now it waits.
    let (w, _) = waker();
    let mut fut = pin!(rx.changed());
    assert!(poll_once(fut.as_mut(), &w).is_pending());
}

#[test]
fn many_sends_are_one_change() {
    let (tx, mut rx) = watch::channel(0);
    for v in 1..=10 {
        tx.send(v).unwrap();
    }
    block_on(rx.changed()).unwrap();
    assert_eq!(*rx.borrow_and_update(), 10);
    let (w, _) = waker();
    let mut fut = pin!(rx.changed());
    assert!(poll_once(fut.as_mut(), &w).is_pending());
}

#[test]
fn send_fails_without_receivers_and_keeps_the_old_value() {
    let (tx, rx) = watch::channel(String::from("old"));
    drop(rx);
    let err = tx.send(String::from("new")).unwrap_err();
    assert_eq!(err, SendError(String::from("new")));
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    assert_eq!(*tx.borrow(), "old");
    assert!(tx.is_closed());
    // The other sends update the value anyway, and a new subscriber starts from it.
    assert_eq!(tx.send_replace(String::from("replaced")), "old");
    tx.send_modify(|s| s.push('!'));
    assert!(tx.send_if_modified(|s| {
        s.push('?');
        true
    }));
    let mut rx = tx.subscribe();
    assert!(!tx.is_closed());
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow_and_update(), "replaced!?");
    tx.send(String::from("again")).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    let tx = watch::Sender::new(0u8);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.send(1), Err(SendError(1)));
}

#[test]
fn send_if_modified_false_makes_no_version_and_wakes_nobody() {
    let (tx, mut rx) = watch::channel(1);
    let (w, u) = waker();
    let mut fut = Box::pin(rx.changed());
    assert!(poll_once(fut.as_mut(), &w).is_pending());
    assert!(!tx.send_if_modified(|v| {
        *v = 5; // a change the caller chose not to announce
        false
    }));
    assert_eq!(u.1.load(SeqCst), 0);
    assert!(poll_once(fut.as_mut(), &w).is_pending());
    drop(fut);
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow(), 5);
}

#[test]
fn a_panic_in_a_send_closure_poisons_nothing() {
    let (tx, mut rx) = watch::channel(vec![1]);
    let (w, u) = waker();
    let mut fut = Box::pin(rx.changed());
    assert!(poll_once(fut.as_mut(), &w).is_pending());
    let result = catch_unwind(AssertUnwindSafe(|| {
        tx.send_if_modified(|v| {
            v.push(2);
            panic!("boom");
        })
    }));
    assert!(result.is_err());
    let result = catch_unwind(AssertUnwindSafe(|| tx.send_modify(|_| panic!("boom"))));
    assert!(result.is_err());
    // Nobody woken, no version; the lock still works.
    assert_eq!(u.1.load(SeqCst), 0);
    assert!(poll_once(fut.as_mut(), &w).is_pending());
    drop(fut);
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*tx.borrow(), [1, 2]);
    tx.send(vec![3]).unwrap();
    assert_eq!(*rx.borrow_and_update(), [3]);
}

#[test]
fn closing_reports_unseen_value_first_then_errors() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    // has_changed reports the close even with an unseen value.
    assert!(rx.has_changed().is_err());
    assert_eq!(rx.has_changed().unwrap_err().to_string(), "channel closed");
    block_on(rx.changed()).unwrap();
    assert_eq!(*rx.borrow(), 1);
    assert!(block_on(rx.changed()).is_err());
    // The last value stays readable.
    assert_eq!(*rx.borrow_and_update(), 1);
}

#[test]
fn a_close_wakes_a_waiting_receiver() {
    let (tx, mut rx) = watch::channel(0);
    let tx2 = tx.clone();
    assert_eq!(tx.sender_count(), 2);
    let (w, u) = waker();
    let mut fut = Box::pin(rx.changed());
    assert!(poll_once(fut.as_mut(), &w).is_pending());
    drop(tx);
    assert_eq!(u.1.load(SeqCst), 0);
    drop(tx2);
    assert_eq!(u.1.load(SeqCst), 1);
    assert!(matches!(poll_once(fut.as_mut(), &w), Poll::Ready(Err(_))));
}

#[test]
fn a_send_wakes_every_waiting_receiver() {
    let (tx, rx) = watch::channel(0);
    let mut rxs: Vec<_> = (0..5).map(|_| rx.clone()).collect();
    let (w, u) = waker();
    let mut futs: Vec<_> = rxs.iter_mut().map(|rx| Box::pin(rx.changed())).collect();
    for f in &mut futs {
        assert!(poll_once(f.as_mut(), &w).is_pending());
    }
    tx.send(1).unwrap();
    assert_eq!(u.1.load(SeqCst), 5);
    for f in &mut futs {
        assert!(matches!(poll_once(f.as_mut(), &w), Poll::Ready(Ok(()))));
    }
    assert_eq!(tx.receiver_count(), 6);
}

#[test]
fn mark_changed_and_mark_unchanged() {
    let (tx, mut rx) = watch::channel(0);
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    block_on(rx.changed()).unwrap();
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(1).unwrap();
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow().has_changed());
    assert_eq!(*rx.borrow(), 1);
}

#[test]
fn clones_copy_what_was_seen_and_subscribers_see_the_current_value() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    let rx2 = rx.clone();
    assert_eq!(rx2.has_changed(), Ok(true));
    rx.borrow_and_update();
    let rx3 = rx.clone();
    assert_eq!(rx3.has_changed(), Ok(false));
    let rx4 = tx.subscribe();
    assert_eq!(rx4.has_changed(), Ok(false));
    assert!(rx.same_channel(&rx4));
    assert!(tx.same_channel(&tx.clone()));
    let (other, _rx) = watch::channel(0);
    assert!(!tx.same_channel(&other));
    assert!(!rx.same_channel(&_rx));
    assert!(!tx.borrow().has_changed());
}

#[test]
fn wait_for_checks_the_current_value_first_and_marks_seen() {
    let (tx, mut rx) = watch::channel(3);
    // Already true (and already seen): completes at once.
    let r = block_on(rx.wait_for(|v| *v == 3)).unwrap();
    assert!(!r.has_changed());
    drop(r);
    let sender = thread::spawn(move || {
        for v in 4..10 {
            thread::sleep(Duration::from_millis(2));
            tx.send(v).unwrap();
        }
        tx
    });
    let r = block_on(rx.wait_for(|v| *v >= 7)).unwrap();
    assert!(*r >= 7);
    drop(r);
    let tx = sender.join().unwrap();
    block_on(rx.wait_for(|v| *v == 9)).unwrap();
    assert_eq!(rx.has_changed(), Ok(false));
    drop(tx);
    // Closed and false for the last value: error.
    assert!(block_on(rx.wait_for(|v| *v == 100)).is_err());
}

#[test]
fn wait_for_on_a_closed_channel_checks_an_unseen_value() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(5).unwrap();
    drop(tx);
    assert_eq!(*block_on(rx.wait_for(|v| *v == 5)).unwrap(), 5);
    let (tx, mut rx) = watch::channel(0);
    tx.send(5).unwrap();
    drop(tx);
    let mut calls = 0;
    assert!(block_on(rx.wait_for(|_| {
        calls += 1;
        false
    }))
    .is_err());
    // Checked once for the value at the start; not again after learning of the close.
    assert_eq!(calls, 1);
}

#[test]
fn a_panic_in_wait_for_leaves_the_channel_usable() {
    let (tx, mut rx) = watch::channel(0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        block_on(rx.wait_for(|_| panic!("boom"))).is_ok()
    }));
    assert!(result.is_err());
    tx.send(1).unwrap();
    assert_eq!(*rx.borrow_and_update(), 1);
}

#[test]
fn a_dropped_changed_future_loses_nothing() {
    let (tx, mut rx) = watch::channel(0);
    let mut other = rx.clone();
    let (w, _) = waker();
    {
        let mut fut = Box::pin(rx.changed());
        assert!(poll_once(fut.as_mut(), &w).is_pending());
        let mut fut2 = Box::pin(other.changed());
        assert!(poll_once(fut2.as_mut(), &w).is_pending());
        tx.send(1).unwrap();
        drop(fut);
        assert!(matches!(poll_once(fut2.as_mut(), &w), Poll::Ready(Ok(()))));
    }
    // The cancelled wait marked nothing seen.
    assert_eq!(rx.has_changed(), Ok(true));
    block_on(rx.changed()).unwrap();
}

#[test]
fn sender_closed_waits_for_the_last_receiver() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    let (w, u) = waker();
    let mut fut = Box::pin(tx.closed());
    assert!(poll_once(fut.as_mut(), &w).is_pending());
    drop(rx);
    assert!(poll_once(fut.as_mut(), &w).is_pending());
    drop(rx2);
    assert!(u.1.load(SeqCst) >= 1);
    assert_eq!(poll_once(fut.as_mut(), &w), Poll::Ready(()));
    drop(fut);
    block_on(tx.closed());
    let rx = tx.subscribe();
    let dropper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        drop(rx);
    });
    block_on(tx.closed());
    dropper.join().unwrap();
}

#[test]
fn changed_spends_the_budget() {
    let (tx, mut rx) = watch::channel(0);
    let (w, _) = waker();
    let ready = coop::budget(|| {
        let mut ready = 0;
        loop {
            rx.mark_changed();
            let mut fut = Box::pin(rx.changed());
            match poll_once(fut.as_mut(), &w) {
                Poll::Ready(r) => {
                    r.unwrap();
                    ready += 1;
                }
                Poll::Pending => break ready,
            }
            assert!(ready < 10_000, "never ran out of budget");
        }
    });
    assert!(ready > 0);
    drop(tx);
}

#[test]
fn debug_output_shows_the_value() {
    let (tx, rx) = watch::channel(42);
    assert!(format!("{tx:?}").contains("42"));
    assert!(format!("{rx:?}").contains("watch::Receiver"));
    assert_eq!(format!("{:?}", rx.borrow()), "42");
}

/// Threads sending increasing values while others wait: each receiver sees a non-decreasing
/// sequence and ends with the last value.
#[test]
fn threads_racing_see_the_last_value() {
    const LAST: u64 = 5_000;
    let (tx, rx) = watch::channel(0u64);
    let receivers: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = rx.clone();
            thread::spawn(move || {
                let mut last = 0;
                while block_on(rx.changed()).is_ok() {
                    let v = *rx.borrow_and_update();
                    assert!(v > last, "{v} after {last}");
                    last = v;
                }
                last
            })
        })
        .collect();
    for v in 1..=LAST {
        tx.send(v).unwrap();
    }
    drop(tx);
    for r in receivers {
        assert_eq!(r.join().unwrap(), LAST);
    }
}

#[test]
fn receiver_is_closed_once_every_sender_is_gone() {
    let (tx, rx) = watch::channel(1);
    let tx2 = tx.clone();
    assert!(!rx.is_closed());
    drop(tx);
    assert!(!rx.is_closed());
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(*rx.borrow(), 1, "the last value stays readable");
}

#[test]
fn a_default_sender_holds_the_default_value_and_no_receiver() {
    let tx = watch::Sender::<Vec<u8>>::default();
    assert!(tx.borrow().is_empty());
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.send(vec![1]), Err(SendError(vec![1])));
    let rx = tx.subscribe();
    tx.send(vec![2]).unwrap();
    assert_eq!(*rx.borrow(), [2]);
}

#[test]
fn wait_for_a_condition_that_holds_spends_the_budget() {
    let (_tx, mut rx) = watch::channel(1);
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    coop::budget(|| {
        let mut ready = 0;
        for _ in 0..200 {
            let mut fut = pin!(rx.wait_for(|v| *v == 1));
            if fut.as_mut().poll(&mut cx).is_ready() {
                ready += 1;
            }
        }
        assert_eq!(ready, coop::BUDGET as usize);
    });
}
