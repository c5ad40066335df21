//! `runtime_sync::broadcast` through its public API: every method's contract and error case,
//! lag accounting, drop counts, cancellation, the budget, and threads racing, with a minimal
//! thread-parking executor (the crate needs no runtime).

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use runtime_sync::broadcast::{
    self,
    error::{RecvError, SendError, TryRecvError},
};
use runtime_sync::coop;

/// Wakes a parked thread, counting wakes.
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

/// Runs a future to completion on the current thread, parking while it is pending.
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

fn poll_once<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    std::pin::Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// A value that counts its clones and drops.
#[derive(Debug)]
struct Counted {
    id: u32,
    clones: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Clone for Counted {
    fn clone(&self) -> Counted {
        self.clones.fetch_add(1, SeqCst);
        Counted {
            id: self.id,
            clones: self.clones.clone(),
            drops: self.drops.clone(),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

struct Counters {
    clones: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Counters {
    fn new() -> Counters {
        Counters {
            clones: Arc::default(),
            drops: Arc::default(),
        }
    }

    fn value(&self, id: u32) -> Counted {
        Counted {
            id,
            clones: self.clones.clone(),
            drops: self.drops.clone(),
        }
    }

    fn clones(&self) -> usize {
        self.clones.load(SeqCst)
    }

    fn drops(&self) -> usize {
        self.drops.load(SeqCst)
    }
}

#[test]
fn every_receiver_sees_every_value_in_order() {
    let (tx, mut rx1) = broadcast::channel(8);
    let mut rx2 = tx.subscribe();
    for v in 0..5 {
        assert_eq!(tx.send(v), Ok(2));
    }
    for v in 0..5 {
        assert_eq!(rx1.try_recv(), Ok(v));
    }
    assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
    for v in 0..5 {
        assert_eq!(block_on(rx2.recv()), Ok(v));
    }
}

#[test]
fn capacity_is_rounded_up_to_a_power_of_two() {
    let (tx, mut rx) = broadcast::channel(3);
    for v in 0..4 {
        tx.send(v).unwrap();
    }
    // Four fit: nothing lagged.
    assert_eq!(rx.len(), 4);
    for v in 0..4 {
        assert_eq!(rx.try_recv(), Ok(v));
    }
    for v in 4..9 {
        tx.send(v).unwrap();
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn zero_capacity_panics_naming_the_fix() {
    let err = std::panic::catch_unwind(|| broadcast::channel::<u8>(0)).unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("capacity cannot be zero"), "{msg}");
    let err = std::panic::catch_unwind(|| broadcast::channel::<u8>(usize::MAX)).unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("usize::MAX / 2"), "{msg}");
}

#[test]
fn send_without_receivers_returns_the_value() {
    let (tx, rx) = broadcast::channel::<String>(2);
    drop(rx);
    let err = tx.send("lost".to_string()).unwrap_err();
    assert_eq!(err, SendError("lost".to_string()));
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    // A new subscriber reopens the channel.
    let mut rx = tx.subscribe();
    assert_eq!(tx.send("kept".to_string()), Ok(1));
    assert_eq!(rx.try_recv().unwrap(), "kept");
    let tx = broadcast::Sender::<u8>::new(1);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.send(1), Err(SendError(1)));
}

#[test]
fn new_receivers_see_only_later_values() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut late = tx.subscribe();
    let mut re = rx.resubscribe();
    tx.send(2).unwrap();
    assert_eq!(late.try_recv(), Ok(2));
    assert_eq!(re.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.receiver_count(), 3);
    assert!(rx.same_channel(&late));
    let (_tx2, rx2) = broadcast::channel::<i32>(4);
    assert!(!rx.same_channel(&rx2));
}

#[test]
fn lagging_reports_missed_count_then_resumes_at_oldest() {
    let (tx, mut rx) = broadcast::channel(4);
    for v in 0..10u32 {
        tx.send(v).unwrap();
    }
    assert_eq!(rx.len(), 10);
    assert_eq!(block_on(rx.recv()), Err(RecvError::Lagged(6)));
    assert_eq!(RecvError::Lagged(6).to_string(), "channel lagged by 6");
    for v in 6..10 {
        assert_eq!(rx.try_recv(), Ok(v));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // Lag again, then the stream is exact: sent == received + missed.
    for v in 10..100u32 {
        tx.send(v).unwrap();
    }
    let (mut got, mut missed) = (0, 0);
    loop {
        match rx.try_recv() {
            Ok(_) => got += 1,
            Err(TryRecvError::Lagged(n)) => missed += n,
            Err(TryRecvError::Empty) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((got, missed), (4, 86));
}

#[test]
fn closed_only_after_draining() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(block_on(rx.recv()), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
    assert_eq!(rx.blocking_recv(), Err(RecvError::Closed));
}

#[test]
fn closed_after_a_lag_reports_the_lag_first() {
    let (tx, mut rx) = broadcast::channel(2);
    for v in 0..5 {
        tx.send(v).unwrap();
    }
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn every_receiver_gets_a_clone_and_the_last_read_drops_the_original() {
    let c = Counters::new();
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    tx.send(c.value(1)).unwrap();
    let a = rx1.try_recv().unwrap();
    assert_eq!((c.clones(), c.drops()), (1, 0));
    let b = rx2.try_recv().unwrap();
    // The last reader gets a clone too (as with tokio), and the channel's copy goes.
    assert_eq!((c.clones(), c.drops()), (2, 1));
    assert_eq!((a.id, b.id), (1, 1));
    drop((a, b));
    assert_eq!(c.drops(), 3);
}

#[test]
fn a_panicking_clone_consumes_the_value_and_leaves_the_channel_usable() {
    #[derive(Debug, PartialEq)]
    struct Fragile(u32);
    impl Clone for Fragile {
        fn clone(&self) -> Fragile {
            assert_ne!(self.0, 0, "cloned the fragile value");
            Fragile(self.0)
        }
    }
    for receivers in [1, 2] {
        let (tx, mut rx) = broadcast::channel(4);
        let mut others: Vec<_> = (1..receivers).map(|_| tx.subscribe()).collect();
        tx.send(Fragile(0)).unwrap();
        tx.send(Fragile(1)).unwrap();
        let panicked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.try_recv())).is_err();
        assert!(panicked);
        // The panicking value counts as read; the next one comes, and the locks are free.
        assert_eq!(rx.try_recv(), Ok(Fragile(1)));
        assert_eq!(tx.send(Fragile(2)).unwrap(), receivers);
        assert_eq!(rx.try_recv(), Ok(Fragile(2)));
        for other in &mut others {
            assert!(
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| other.try_recv()))
                    .is_err()
            );
            assert_eq!(other.try_recv(), Ok(Fragile(1)));
        }
    }
}

#[test]
fn overwritten_and_unread_values_are_dropped_exactly_once() {
    let c = Counters::new();
    let (tx, rx) = broadcast::channel(2);
    for id in 0..5 {
        tx.send(c.value(id)).unwrap();
    }
    // Three overwritten.
    assert_eq!(c.drops(), 3);
    assert_eq!(tx.len(), 2);
    // Dropping the only receiver releases the two it had not read.
    drop(rx);
    assert_eq!(c.drops(), 5);
    assert_eq!(tx.len(), 0);
    assert!(tx.is_empty());
    assert_eq!(c.clones(), 0);
    // With two receivers, the value stays until the slower one read it or left.
    let mut fast = tx.subscribe();
    let slow = tx.subscribe();
    tx.send(c.value(9)).unwrap();
    drop(fast.try_recv().unwrap());
    assert_eq!(c.drops(), 6); // the clone
    assert_eq!(tx.len(), 1);
    drop(slow);
    assert_eq!(c.drops(), 7);
    assert_eq!(tx.len(), 0);
    // Values left in the channel when everything goes are dropped too.
    let mut rx = tx.subscribe();
    tx.send(c.value(10)).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv().unwrap().id, 10);
    assert_eq!(c.drops(), 8);
}

#[test]
fn lens_count_unread_values() {
    let (tx, mut rx1) = broadcast::channel(8);
    let mut rx2 = tx.subscribe();
    assert!(tx.is_empty() && rx1.is_empty());
    for v in 0..3 {
        tx.send(v).unwrap();
    }
    assert_eq!((tx.len(), rx1.len(), rx2.len()), (3, 3, 3));
    rx1.try_recv().unwrap();
    rx1.try_recv().unwrap();
    assert_eq!((tx.len(), rx1.len(), rx2.len()), (3, 1, 3));
    rx2.try_recv().unwrap();
    assert_eq!(tx.len(), 2);
    let rx3 = tx.subscribe();
    assert!(rx3.is_empty());
    tx.send(3).unwrap();
    assert_eq!((tx.len(), rx3.len()), (3, 1));
}

#[test]
fn sender_counts_and_weak_senders() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let tx2 = tx.clone();
    let weak2 = weak.clone();
    assert_eq!((weak.strong_count(), weak.weak_count()), (2, 2));
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 2));
    assert!(tx.same_channel(&tx2));
    drop(weak2);
    let up = weak.upgrade().unwrap();
    up.send(5).unwrap();
    assert_eq!(tx.strong_count(), 3);
    drop((tx, tx2, up));
    assert!(weak.upgrade().is_none());
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn recv_waits_for_a_value_from_another_thread() {
    let (tx, mut rx) = broadcast::channel(4);
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        tx.send("hello").unwrap();
    });
    assert_eq!(block_on(rx.recv()), Ok("hello"));
    assert_eq!(rx.blocking_recv(), Err(RecvError::Closed));
    sender.join().unwrap();
}

#[test]
fn blocking_recv_waits_on_a_plain_thread() {
    let (tx, mut rx) = broadcast::channel(4);
    let receiver = thread::spawn(move || rx.blocking_recv());
    thread::sleep(Duration::from_millis(20));
    tx.send(3).unwrap();
    assert_eq!(receiver.join().unwrap(), Ok(3));
}

#[test]
fn a_send_wakes_every_waiting_receiver_and_a_close_wakes_them_too() {
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    let (w1, u1) = waker();
    let (w2, u2) = waker();
    let mut f1 = Box::pin(rx1.recv());
    let mut f2 = Box::pin(rx2.recv());
    assert!(f1.as_mut().poll(&mut Context::from_waker(&w1)).is_pending());
    assert!(f2.as_mut().poll(&mut Context::from_waker(&w2)).is_pending());
    tx.send(1).unwrap();
    assert_eq!((u1.1.load(SeqCst), u2.1.load(SeqCst)), (1, 1));
    assert_eq!(poll_once(&mut f1, &w1), Poll::Ready(Ok(1)));
    assert_eq!(poll_once(&mut f2, &w2), Poll::Ready(Ok(1)));
    drop((f1, f2));
    let mut f1 = Box::pin(rx1.recv());
    assert!(poll_once(&mut f1, &w1).is_pending());
    drop(tx);
    assert_eq!(u1.1.load(SeqCst), 2);
    assert_eq!(poll_once(&mut f1, &w1), Poll::Ready(Err(RecvError::Closed)));
}

#[test]
fn dropping_a_pending_recv_loses_nothing() {
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    let (w, _) = waker();
    {
        let mut f = Box::pin(rx1.recv());
        assert!(poll_once(&mut f, &w).is_pending());
        let mut g = Box::pin(rx2.recv());
        assert!(poll_once(&mut g, &w).is_pending());
        drop(f);
        tx.send(7).unwrap();
        // The other receiver still gets its wake and value.
        assert_eq!(poll_once(&mut g, &w), Poll::Ready(Ok(7)));
    }
    // And the cancelled receiver did not lose its value either.
    assert_eq!(rx1.try_recv(), Ok(7));
    // Woken but dropped before polling: still nothing lost.
    let mut f = Box::pin(rx1.recv());
    assert!(poll_once(&mut f, &w).is_pending());
    tx.send(8).unwrap();
    drop(f);
    assert_eq!(rx1.try_recv(), Ok(8));
}

#[test]
fn a_waiter_repolled_with_a_new_waker_is_woken_through_it() {
    let (tx, mut rx) = broadcast::channel(4);
    let (w1, u1) = waker();
    let (w2, u2) = waker();
    let mut f = Box::pin(rx.recv());
    assert!(poll_once(&mut f, &w1).is_pending());
    assert!(poll_once(&mut f, &w2).is_pending());
    tx.send(1).unwrap();
    assert_eq!((u1.1.load(SeqCst), u2.1.load(SeqCst)), (0, 1));
    assert_eq!(poll_once(&mut f, &w2), Poll::Ready(Ok(1)));
}

#[test]
fn recv_spends_the_budget() {
    let (tx, mut rx) = broadcast::channel(1024);
    for v in 0..1000 {
        tx.send(v).unwrap();
    }
    let (w, _) = waker();
    let ready = coop::budget(|| {
        let mut ready = 0;
        loop {
            let mut f = Box::pin(rx.recv());
            match poll_once(&mut f, &w) {
                Poll::Ready(r) => {
                    assert_eq!(r, Ok(ready));
                    ready += 1;
                }
                Poll::Pending => break ready,
            }
        }
    });
    assert!(ready > 0 && ready < 1000, "{ready}");
    // The values were not consumed by the refused polls.
    assert_eq!(rx.try_recv(), Ok(ready));
}

#[test]
fn sender_closed_completes_when_the_last_receiver_goes() {
    let (tx, rx1) = broadcast::channel::<u8>(2);
    let rx2 = rx1.resubscribe();
    let (w, u) = waker();
    let mut closed = Box::pin(tx.closed());
    assert!(poll_once(&mut closed, &w).is_pending());
    drop(rx1);
    assert_eq!(u.1.load(SeqCst), 0);
    assert!(poll_once(&mut closed, &w).is_pending());
    drop(rx2);
    assert_eq!(u.1.load(SeqCst), 1);
    assert_eq!(poll_once(&mut closed, &w), Poll::Ready(()));
    drop(closed);
    // Already closed: completes at once; reopened: waits again.
    block_on(tx.closed());
    let rx = tx.subscribe();
    let mut closed = Box::pin(tx.closed());
    assert!(poll_once(&mut closed, &w).is_pending());
    let waiter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        drop(rx);
    });
    block_on(closed);
    waiter.join().unwrap();
}

#[test]
fn debug_output_names_the_types() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    assert!(format!("{tx:?}").contains("broadcast::Sender"));
    assert!(format!("{rx:?}").contains("broadcast::Receiver"));
    assert!(format!("{:?}", tx.downgrade()).contains("WeakSender"));
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
}

/// Four receiving threads, one sending thread, a small buffer: every receiver sees values
/// in increasing order, and received + missed == sent, exactly.
#[test]
fn threads_racing_account_for_every_value() {
    const VALUES: u64 = 20_000;
    let c = Counters::new();
    let (tx, rx) = broadcast::channel::<(u64, Counted)>(16);
    let receivers: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = rx.resubscribe();
            thread::spawn(move || {
                let (mut got, mut missed, mut last) = (0u64, 0u64, None);
                loop {
                    match rx.blocking_recv() {
                        Ok((v, _)) => {
                            assert!(last < Some(v), "{last:?} then {v}");
                            last = Some(v);
                            got += 1;
                        }
                        Err(RecvError::Lagged(n)) => missed += n,
                        Err(RecvError::Closed) => break,
                    }
                }
                (got, missed)
            })
        })
        .collect();
    drop(rx);
    for v in 0..VALUES {
        tx.send((v, c.value(0))).unwrap();
        if v % 64 == 0 {
            thread::yield_now();
        }
    }
    drop(tx);
    for r in receivers {
        let (got, missed) = r.join().unwrap();
        assert_eq!(got + missed, VALUES);
    }
    // Every original and every clone dropped.
    assert_eq!(c.drops(), VALUES as usize + c.clones());
}
