//! `mpsc`: every method's contract, errors, FIFO per sender, cancellation safety, blocking use
//! between plain threads, the memory bound, drop counts, the budget. Driven by a minimal
//! executor (no runtime).

mod support;

use std::panic::catch_unwind;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;

use runtime_sync::coop;
use runtime_sync::mpsc::error::{SendError, TryRecvError, TrySendError};
use runtime_sync::mpsc::{self, Receiver, UnboundedReceiver};
use support::{block_on, Task};

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn drain<T>(rx: &mut Receiver<T>) -> Vec<T> {
    let mut out = Vec::new();
    while let Ok(v) = rx.try_recv() {
        out.push(v);
    }
    out
}

fn drain_unbounded<T>(rx: &mut UnboundedReceiver<T>) -> Vec<T> {
    let mut out = Vec::new();
    while let Ok(v) = rx.try_recv() {
        out.push(v);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Basics and errors.
// ---------------------------------------------------------------------------------------------

#[test]
fn unbounded_delivers_in_order_then_ends() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 100);
    assert!(!rx.is_empty());
    drop(tx);
    assert!(rx.is_closed());
    let got: Vec<i32> = (0..100).map(|_| block_on(rx.recv()).unwrap()).collect();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    assert_eq!(block_on(rx.recv()), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(rx.is_empty());
    assert_eq!(rx.len(), 0);
}

#[test]
fn bounded_capacity_tracks_queued_values() {
    let (tx, mut rx) = mpsc::channel(3);
    assert_eq!(tx.max_capacity(), 3);
    assert_eq!(rx.max_capacity(), 3);
    assert_eq!(tx.capacity(), 3);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.capacity(), 1);
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 2);
    assert_eq!(block_on(rx.recv()), Some(2));
    assert_eq!(tx.capacity(), 3);
    assert!(rx.is_empty());
}

#[test]
fn zero_buffer_panics_with_the_documented_message() {
    let err = catch_unwind(|| mpsc::channel::<u32>(0)).unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        msg.contains("mpsc bounded channel requires buffer > 0"),
        "{msg}"
    );
}

#[test]
fn try_send_reports_full_and_closed_with_the_value() {
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let err = tx.try_send(2).unwrap_err();
    assert_eq!(err, TrySendError::Full(2));
    assert_eq!(err.to_string(), "no available capacity");
    assert_eq!(err.into_inner(), 2);
    drop(rx);
    let err = tx.try_send(3).unwrap_err();
    assert_eq!(err, TrySendError::Closed(3));
    assert_eq!(err.to_string(), "channel closed");
    assert!(tx.is_closed());
    assert_eq!(
        TrySendError::from(SendError(4)),
        TrySendError::Closed(4),
        "a SendError converts to Closed"
    );
}

#[test]
fn send_after_receiver_drop_returns_the_value() {
    let (tx, rx) = mpsc::channel(4);
    drop(rx);
    let err = block_on(tx.send(5)).unwrap_err();
    assert_eq!(err.0, 5);
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(tx.blocking_send(6), Err(SendError(6)));

    let (utx, urx) = mpsc::unbounded_channel();
    drop(urx);
    assert_eq!(utx.send(7), Err(SendError(7)));
    assert!(utx.is_closed());
}

#[test]
fn try_recv_error_texts() {
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    assert_eq!(
        TryRecvError::Disconnected.to_string(),
        "receiving on a closed channel"
    );
}

#[test]
fn close_keeps_queued_values_and_refuses_new_ones() {
    let (tx, mut rx) = mpsc::channel(4);
    tx.try_send(1).unwrap();
    rx.close();
    assert!(rx.is_closed());
    assert!(tx.is_closed());
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(block_on(rx.recv()), None);
    // Closing twice is harmless.
    rx.close();

    let (utx, mut urx) = mpsc::unbounded_channel();
    utx.send(1).unwrap();
    urx.close();
    assert_eq!(utx.send(2), Err(SendError(2)));
    assert_eq!(block_on(urx.recv()), Some(1));
    assert_eq!(block_on(urx.recv()), None);
}

#[test]
fn an_outstanding_permit_keeps_a_closed_channel_open() {
    let (tx, mut rx) = mpsc::channel::<u32>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    // Not Disconnected: the permit may still send.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let mut recv = Task::new(async move {
        let first = rx.recv().await;
        let second = rx.recv().await;
        (first, second)
    });
    recv.pending();
    permit.send(9);
    assert!(recv.was_woken());
    assert_eq!(recv.ready(), (Some(9), None));
}

#[test]
fn dropping_an_unused_permit_after_close_ends_the_channel() {
    let (tx, mut rx) = mpsc::channel::<u32>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let mut recv = Task::new(async move { rx.recv().await });
    recv.pending();
    drop(permit);
    assert!(recv.was_woken());
    assert_eq!(recv.ready(), None);
}

// ---------------------------------------------------------------------------------------------
// Waiting, wake-ups, fairness, cancellation.
// ---------------------------------------------------------------------------------------------

#[test]
fn recv_waits_and_is_woken_by_a_send() {
    let (tx, mut rx) = mpsc::channel(1);
    let mut recv = Task::new(async move { (rx.recv().await, rx) });
    recv.pending();
    tx.try_send(3).unwrap();
    assert!(recv.was_woken());
    let (value, mut rx) = recv.ready();
    assert_eq!(value, Some(3));
    drop(tx);
    assert_eq!(block_on(rx.recv()), None);
}

#[test]
fn recv_is_woken_when_the_last_sender_goes() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    let tx2 = tx.clone();
    let mut recv = Task::new(async move { rx.recv().await });
    recv.pending();
    drop(tx);
    assert!(!recv.was_woken());
    drop(tx2);
    assert!(recv.was_woken());
    assert_eq!(recv.ready(), None);
}

#[test]
fn full_channel_makes_send_wait_until_the_receiver_takes_one() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut send = Task::new(async { tx.send(2).await });
    send.pending();
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(send.was_woken());
    send.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn waiting_senders_are_served_first_come_first_served() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut a = Task::new(tx.send(1));
    let mut b = Task::new(tx.send(2));
    a.pending();
    b.pending();
    // A try_send does not overtake the queue.
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
    assert!(a.was_woken());
    assert!(!b.was_woken());
    b.pending();
    a.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    b.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn dropping_a_pending_send_passes_its_place_on() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut a = Task::new(tx.send(1));
    let mut b = Task::new(tx.send(2));
    a.pending();
    b.pending();
    assert_eq!(rx.try_recv(), Ok(0));
    // `a` was handed the room but never polled again: dropping it passes the room to `b`.
    drop(a);
    assert!(b.was_woken());
    b.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn dropping_a_pending_reserve_many_returns_what_it_was_handed() {
    let (tx, mut rx) = mpsc::channel(3);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut many = Task::new(tx.reserve_many(3));
    many.pending();
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Ok(1));
    many.pending();
    drop(many);
    assert_eq!(tx.capacity(), 2);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.capacity(), 3);
}

#[test]
fn dropping_a_pending_recv_loses_no_value() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    {
        let mut recv = Task::new(rx.recv());
        recv.pending();
        tx.send(1).unwrap();
        // Dropped after the value arrived but before it was polled again.
    }
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn receiver_close_wakes_waiting_senders_with_an_error() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut send = Task::new(tx.send(2));
    let mut reserve = Task::new(tx.reserve());
    send.pending();
    reserve.pending();
    rx.close();
    assert!(send.was_woken());
    assert!(reserve.was_woken());
    assert_eq!(send.ready(), Err(SendError(2)));
    assert!(reserve.ready().is_err());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn closed_completes_when_the_receiver_goes() {
    let (tx, rx) = mpsc::channel::<u32>(1);
    let tx2 = tx.clone();
    let mut a = Task::new(tx.closed());
    let mut b = Task::new(tx2.closed());
    a.pending();
    b.pending();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(a.was_woken() && b.was_woken());
    a.ready();
    b.ready();
    assert!(tx.is_closed());
    // Already closed: ready at once.
    block_on(tx.closed());

    let (utx, mut urx) = mpsc::unbounded_channel::<u32>();
    let mut c = Task::new(utx.closed());
    c.pending();
    urx.close();
    assert!(c.was_woken());
    c.ready();
    // A dropped pending `closed` leaves nothing behind.
    let (tx, rx) = mpsc::channel::<u32>(1);
    let mut d = Task::new(tx.closed());
    d.pending();
    drop(d);
    drop(rx);
    block_on(tx.closed());
}

// ---------------------------------------------------------------------------------------------
// Reservations.
// ---------------------------------------------------------------------------------------------

#[test]
fn permit_send_and_drop() {
    let (tx, mut rx) = mpsc::channel(2);
    let permit = block_on(tx.reserve()).unwrap();
    assert_eq!(tx.capacity(), 1);
    drop(permit);
    assert_eq!(tx.capacity(), 2);
    let permit = tx.try_reserve().unwrap();
    permit.send(1);
    // The room stays taken until the value is received.
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 2);
    let _a = tx.try_reserve().unwrap();
    let _b = tx.try_reserve().unwrap();
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    rx.close();
    drop((_a, _b));
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
    assert!(block_on(tx.reserve()).is_err());
}

#[test]
fn reserve_many_and_the_permit_iterator() {
    let (tx, mut rx) = mpsc::channel(4);
    assert_eq!(block_on(tx.reserve_many(5)).unwrap_err(), SendError(()));
    let mut permits = block_on(tx.reserve_many(3)).unwrap();
    assert_eq!(permits.len(), 3);
    assert_eq!(tx.capacity(), 1);
    permits.next().unwrap().send(1);
    permits.next().unwrap().send(2);
    assert_eq!(permits.len(), 1);
    drop(permits);
    assert_eq!(tx.capacity(), 2);
    assert_eq!(drain(&mut rx), [1, 2]);

    let mut it = tx.try_reserve_many(4).unwrap();
    assert_eq!(tx.try_reserve_many(1).unwrap_err(), TrySendError::Full(()));
    for (i, permit) in it.by_ref().enumerate() {
        permit.send(i);
    }
    assert!(it.next().is_none(), "fused");
    drop(it);
    assert_eq!(drain(&mut rx), [0, 1, 2, 3]);

    assert_eq!(tx.try_reserve_many(5).unwrap_err(), TrySendError::Full(()));
    assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
    rx.close();
    assert_eq!(
        tx.try_reserve_many(0).unwrap_err(),
        TrySendError::Closed(())
    );
    assert!(block_on(tx.reserve_many(1)).is_err());
}

#[test]
fn owned_permits() {
    let (tx, mut rx) = mpsc::channel(1);
    let permit = block_on(tx.clone().reserve_owned()).unwrap();
    let tx2 = permit.send(1);
    assert!(tx2.same_channel(&tx));
    let err = tx2.try_reserve_owned().unwrap_err();
    let TrySendError::Full(tx2) = err else {
        panic!("expected Full")
    };
    assert_eq!(rx.try_recv(), Ok(1));
    let permit = tx2.try_reserve_owned().unwrap();
    assert_eq!(tx.capacity(), 0);
    let tx3 = permit.release();
    assert_eq!(tx.capacity(), 1);
    let permit = tx3.try_reserve_owned().unwrap();
    drop(permit);
    assert_eq!(tx.capacity(), 1);
    assert_eq!(tx.strong_count(), 1);
    drop(rx);
    assert!(block_on(tx.clone().reserve_owned()).is_err());
    assert!(matches!(
        tx.try_reserve_owned(),
        Err(TrySendError::Closed(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Handles and counts.
// ---------------------------------------------------------------------------------------------

#[test]
fn sender_counts_weak_senders_and_same_channel() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let (other, _other_rx) = mpsc::channel::<u32>(1);
    assert!(tx.same_channel(&tx.clone()));
    assert!(!tx.same_channel(&other));
    let tx2 = tx.clone();
    assert_eq!(tx.strong_count(), 2);
    assert_eq!(rx.sender_strong_count(), 2);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!(tx.weak_count(), 2);
    assert_eq!(rx.sender_weak_count(), 2);
    assert_eq!(weak.strong_count(), 2);
    assert_eq!(weak.weak_count(), 2);
    let up = weak.upgrade().unwrap();
    assert_eq!(rx.sender_strong_count(), 3);
    up.try_send(1).unwrap();
    drop((tx, tx2, up));
    // A weak sender does not keep the channel open.
    assert!(weak2.upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(block_on(rx.recv()), None);
    drop(weak);
    assert_eq!(rx.sender_weak_count(), 1);
}

#[test]
fn unbounded_handles_and_counts() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    let weak = tx.downgrade();
    assert_eq!(tx.weak_count(), 1);
    assert_eq!(weak.weak_count(), 1);
    assert_eq!(weak.clone().strong_count(), 1);
    let tx2 = weak.upgrade().unwrap();
    assert!(tx2.same_channel(&tx));
    assert_eq!(rx.sender_strong_count(), 2);
    assert_eq!(rx.sender_weak_count(), 1);
    drop(tx);
    tx2.send(5).unwrap();
    drop(tx2);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

// ---------------------------------------------------------------------------------------------
// recv_many.
// ---------------------------------------------------------------------------------------------

#[test]
fn recv_many_takes_up_to_the_limit() {
    let (tx, mut rx) = mpsc::channel(10);
    let mut buf = vec![100];
    assert_eq!(block_on(rx.recv_many(&mut buf, 0)), 0);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(block_on(rx.recv_many(&mut buf, 3)), 3);
    assert_eq!(buf, [100, 0, 1, 2]);
    assert_eq!(tx.capacity(), 8);
    assert_eq!(block_on(rx.recv_many(&mut buf, 10)), 2);
    assert_eq!(tx.capacity(), 10);
    let mut wait = Task::new(async move {
        let mut buf = Vec::new();
        let n = rx.recv_many(&mut buf, 4).await;
        (n, buf, rx)
    });
    wait.pending();
    tx.try_send(7).unwrap();
    assert!(wait.was_woken());
    let (n, buf, mut rx) = wait.ready();
    assert_eq!((n, buf), (1, vec![7]));
    drop(tx);
    let mut buf = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut buf, 4)), 0);
    assert!(buf.is_empty());

    let (utx, mut urx) = mpsc::unbounded_channel();
    for i in 0..40 {
        utx.send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(block_on(urx.recv_many(&mut buf, 100)), 40);
    assert_eq!(buf, (0..40).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Threads.
// ---------------------------------------------------------------------------------------------

#[test]
fn blocking_send_and_recv_between_threads() {
    let (tx, mut rx) = mpsc::channel(2);
    let producer = thread::spawn(move || {
        for i in 0..1000 {
            tx.blocking_send(i).unwrap();
        }
    });
    let got: Vec<u32> = std::iter::from_fn(|| rx.blocking_recv()).collect();
    producer.join().unwrap();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());

    let (utx, mut urx) = mpsc::unbounded_channel();
    let producer = thread::spawn(move || {
        for i in 0..1000 {
            utx.send(i).unwrap();
        }
    });
    let mut all = Vec::new();
    let mut buf = Vec::new();
    while urx.blocking_recv_many(&mut buf, 64) > 0 {
        all.append(&mut buf);
    }
    producer.join().unwrap();
    assert_eq!(all, (0..1000).collect::<Vec<u32>>());
}

#[test]
fn many_producers_keep_their_own_order() {
    const PRODUCERS: usize = 4;
    const PER: usize = 20_000;
    for bounded in [true, false] {
        let (tx, mut rx) = mpsc::channel::<(usize, usize)>(64);
        let (utx, mut urx) = mpsc::unbounded_channel::<(usize, usize)>();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                let utx = utx.clone();
                thread::spawn(move || {
                    for i in 0..PER {
                        if bounded {
                            tx.blocking_send((p, i)).unwrap();
                        } else {
                            utx.send((p, i)).unwrap();
                        }
                    }
                })
            })
            .collect();
        drop((tx, utx));
        let mut next = [0; PRODUCERS];
        loop {
            let item = if bounded {
                rx.blocking_recv()
            } else {
                urx.blocking_recv()
            };
            let Some((p, i)) = item else { break };
            assert_eq!(i, next[p], "producer {p} out of order");
            next[p] += 1;
        }
        assert_eq!(next, [PER; PRODUCERS]);
        for p in producers {
            p.join().unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Memory and drops.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_drained_burst_leaves_at_most_one_spare_block() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    assert_eq!(rx.allocated_blocks(), 1);
    for round in 0..3 {
        for i in 0..10_000 {
            tx.send(i).unwrap();
        }
        assert!(rx.allocated_blocks() >= 10_000 / 32, "round {round}");
        assert_eq!(drain_unbounded(&mut rx).len(), 10_000);
        let blocks = rx.allocated_blocks();
        assert!(
            blocks <= 2,
            "round {round}: {blocks} blocks after the drain"
        );
    }

    let (tx, mut rx) = mpsc::channel(20_000);
    for i in 0..10_000 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(drain(&mut rx).len(), 10_000);
    assert!(rx.allocated_blocks() <= 2, "{}", rx.allocated_blocks());
}

#[test]
fn a_drained_burst_from_many_threads_leaves_at_most_one_spare_block() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let producers: Vec<_> = (0..4)
        .map(|_| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..5_000 {
                    tx.send(i).unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!(drain_unbounded(&mut rx).len(), 20_000);
    assert!(rx.allocated_blocks() <= 2, "{}", rx.allocated_blocks());
}

#[test]
fn receiver_drop_drops_each_queued_value_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::unbounded_channel();
    for _ in 0..100 {
        tx.send(Counted(drops.clone())).unwrap();
    }
    drop(rx);
    assert_eq!(drops.load(SeqCst), 100);
    // A refused value comes back and is dropped by the caller.
    let err = tx.send(Counted(drops.clone())).unwrap_err();
    assert_eq!(drops.load(SeqCst), 100);
    drop(err);
    assert_eq!(drops.load(SeqCst), 101);
    drop(tx);
    assert_eq!(drops.load(SeqCst), 101);
}

#[test]
fn values_sent_through_permits_after_the_receiver_went_are_dropped_with_the_channel() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::channel(4);
    tx.try_send(Counted(drops.clone())).unwrap();
    let permit = tx.try_reserve().unwrap();
    // Received values are dropped by the receiver's caller.
    drop(rx.try_recv().unwrap());
    assert_eq!(drops.load(SeqCst), 1);
    drop(rx);
    permit.send(Counted(drops.clone()));
    assert_eq!(drops.load(SeqCst), 1);
    drop(tx);
    assert_eq!(drops.load(SeqCst), 2);
}

#[test]
fn senders_dropped_last_free_everything() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::unbounded_channel();
    for _ in 0..70 {
        tx.send(Counted(drops.clone())).unwrap();
    }
    let tx2 = tx.clone();
    drop(tx);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 70);
    drop(tx2);
}

// ---------------------------------------------------------------------------------------------
// Budget.
// ---------------------------------------------------------------------------------------------

#[test]
fn recv_spends_the_budget() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..1000 {
        tx.send(i).unwrap();
    }
    let mut ready = 0;
    let mut task = Task::new(async {});
    task.ready();
    let waker = futures_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    coop::budget(|| {
        while rx.poll_recv(&mut cx).is_ready() {
            ready += 1;
        }
    });
    assert_eq!(ready, coop::BUDGET as usize);
    // Outside a budget it does not stop.
    let mut rest = 0;
    while let std::task::Poll::Ready(Some(_)) = rx.poll_recv(&mut cx) {
        rest += 1;
    }
    assert_eq!(ready + rest, 1000);
}

#[test]
fn send_spends_the_budget() {
    let (tx, _rx) = mpsc::channel(1000);
    let waker = futures_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut ready = 0;
    coop::budget(|| loop {
        let mut fut = std::pin::pin!(tx.send(1));
        if fut.as_mut().poll(&mut cx).is_pending() {
            break;
        }
        ready += 1;
    });
    assert_eq!(ready, coop::BUDGET as usize);
}

fn futures_waker() -> std::task::Waker {
    std::task::Waker::noop().clone()
}

use std::future::Future;

#[test]
fn large_values_do_not_overflow_the_stack() {
    // A block holds 32 values: 2 MiB of them here, more than a test thread's stack. Blocks are
    // built on the heap, so only one value at a time passes through the stack.
    const SIZE: usize = 64 * 1024;
    let handle = thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(|| {
            let (tx, mut rx) = mpsc::unbounded_channel::<Box<[u8; SIZE]>>();
            let (big_tx, mut big_rx) = mpsc::unbounded_channel::<[u8; SIZE]>();
            tx.send(Box::new([1; SIZE])).unwrap();
            big_tx.send([7; SIZE]).unwrap();
            assert_eq!(rx.try_recv().unwrap()[SIZE - 1], 1);
            assert_eq!(big_rx.try_recv().unwrap()[SIZE - 1], 7);
        })
        .unwrap();
    handle.join().unwrap();
}

/// A timer hook for the tests: every sleep completes once `FIRE` is set.
mod test_timer {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    thread_local! {
        pub static FIRE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// The duration the last sleep was made for.
    pub static LAST: std::sync::Mutex<Option<Duration>> = std::sync::Mutex::new(None);

    struct Sleep;

    impl Future for Sleep {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            if FIRE.with(|f| f.get()) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    pub fn hook(duration: Duration) -> runtime_sync::coop::TimerSleep {
        *LAST.lock().unwrap() = Some(duration);
        Box::pin(Sleep)
    }
}

#[test]
fn send_timeout_sends_times_out_or_reports_closed() {
    use runtime_sync::mpsc::error::SendTimeoutError;
    use std::time::Duration;

    let _timer = coop::enter_timer(test_timer::hook);
    let (tx, mut rx) = mpsc::channel(1);
    block_on(tx.send_timeout(1, Duration::from_secs(3))).unwrap();
    assert_eq!(
        *test_timer::LAST.lock().unwrap(),
        Some(Duration::from_secs(3))
    );
    // Full: waits until the sleep fires, then hands the value back.
    let mut send = Task::new(tx.send_timeout(2, Duration::from_secs(1)));
    send.pending();
    test_timer::FIRE.with(|f| f.set(true));
    assert_eq!(send.ready(), Err(SendTimeoutError::Timeout(2)));
    // Room now: ready at once, even though the sleep would fire.
    assert_eq!(rx.try_recv(), Ok(1));
    block_on(tx.send_timeout(3, Duration::ZERO)).unwrap();
    test_timer::FIRE.with(|f| f.set(false));
    // Closed, waiting or not.
    let mut send = Task::new(tx.send_timeout(4, Duration::from_secs(1)));
    send.pending();
    rx.close();
    assert!(send.was_woken());
    let err = send.ready().unwrap_err();
    assert_eq!(err, SendTimeoutError::Closed(4));
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(format!("{err:?}"), "Closed(..)");
    assert_eq!(err.into_inner(), 4);
    assert_eq!(
        block_on(tx.send_timeout(5, Duration::from_secs(1))),
        Err(SendTimeoutError::Closed(5))
    );
}

#[test]
fn send_timeout_without_a_runtime_panics_naming_the_fix() {
    let (tx, _rx) = mpsc::channel::<u8>(1);
    let err = catch_unwind(std::panic::AssertUnwindSafe(|| {
        block_on(tx.send_timeout(1, std::time::Duration::from_secs(1)))
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("`Sender::send_timeout` needs a timer"),
        "{msg}"
    );
    assert!(msg.contains("Handle::enter()"), "{msg}");
}

#[test]
fn a_failed_or_cancelled_reserve_wakes_the_closed_receiver_once_idle() {
    for cancel in [false, true] {
        let (tx, mut rx) = mpsc::channel::<()>(2);
        let permit = tx.try_reserve().unwrap();
        // Takes the one free slot and queues for the second.
        let mut reserve = Task::new(tx.reserve_many(2));
        reserve.pending();
        rx.close();
        let mut recv = Task::new(rx.recv());
        recv.pending();
        drop(permit);
        assert!(!recv.was_woken(), "the reservation still holds a slot");
        if cancel {
            drop(reserve);
        } else {
            assert!(reserve.ready().is_err());
        }
        assert!(recv.was_woken(), "the channel is idle now");
        assert_eq!(recv.ready(), None);
    }
}

#[test]
fn a_panicking_receiver_waker_keeps_the_sent_value_and_its_capacity() {
    struct Panics;
    impl std::task::Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("waker panicked");
        }
    }
    let (tx, mut rx) = mpsc::channel(1);
    let waker = std::task::Waker::from(Arc::new(Panics));
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    let permit = tx.try_reserve().unwrap();
    // The receiver's panic is its own: the send that woke it does not unwind.
    let sent = catch_unwind(std::panic::AssertUnwindSafe(|| permit.send(7)));
    assert!(
        sent.is_ok(),
        "the receiver's waker panic reached the sender"
    );
    assert_eq!(tx.capacity(), 0, "the queued value holds its slot");
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn dropping_the_receiver_releases_its_waker_and_every_value_even_if_one_panics() {
    struct Counted(#[allow(dead_code)] Arc<()>);
    impl std::task::Wake for Counted {
        fn wake(self: Arc<Self>) {}
    }
    let token = Arc::new(());
    let waker = std::task::Waker::from(Arc::new(Counted(token.clone())));
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    drop(waker);
    assert_eq!(Arc::strong_count(&token), 2, "the receiver holds the waker");
    drop(rx);
    assert_eq!(
        Arc::strong_count(&token),
        1,
        "dropping the receiver let it go"
    );
    drop(tx);

    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
            if self.0 {
                panic!("bomb");
            }
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(Bomb(true)).unwrap();
    tx.send(Bomb(false)).unwrap();
    tx.send(Bomb(false)).unwrap();
    assert!(catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx))).is_err());
    assert_eq!(
        DROPS.load(SeqCst),
        3,
        "the values after the panicking one were dropped too"
    );
    drop(tx);
}

#[test]
fn owned_permits_know_their_channel() {
    let (tx, _rx) = mpsc::channel::<u8>(4);
    let (other, _other_rx) = mpsc::channel::<u8>(4);
    let a = tx.clone().try_reserve_owned().unwrap();
    let b = tx.clone().try_reserve_owned().unwrap();
    let c = other.clone().try_reserve_owned().unwrap();
    assert!(a.same_channel(&b));
    assert!(!a.same_channel(&c));
    assert!(a.same_channel_as_sender(&tx));
    assert!(!a.same_channel_as_sender(&other));
}

#[test]
fn every_handle_is_unwind_safe_whatever_the_value() {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    fn check<T: UnwindSafe + RefUnwindSafe>() {}
    // Neither `UnwindSafe` nor `RefUnwindSafe`.
    type Bad = std::cell::Cell<&'static mut u8>;
    check::<mpsc::Sender<Bad>>();
    check::<mpsc::Receiver<Bad>>();
    check::<mpsc::WeakSender<Bad>>();
    check::<mpsc::UnboundedSender<Bad>>();
    check::<mpsc::UnboundedReceiver<Bad>>();
    check::<mpsc::WeakUnboundedSender<Bad>>();
    check::<mpsc::Permit<'static, Bad>>();
    check::<mpsc::PermitIterator<'static, Bad>>();
    check::<mpsc::OwnedPermit<Bad>>();
    check::<runtime_sync::AtomicWaker>();
}
