//! loom models of the races between the two halves. Each one is two threads and a handful of
//! atomic operations, so loom explores every interleaving in a few seconds.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-sync --lib --release`.

use super::error::{RecvError, TryRecvError};
use super::*;

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize as LoomAtomicUsize;
use loom::thread;
use std::task::Wake;

/// A waker that counts its wakes in a loom atomic, so the model checks every access to it.
/// (It is never used to block: the models that wait use `block_on`.)
struct CountingWaker {
    wakes: LoomAtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<CountingWaker>, Waker) {
    let counter = std::sync::Arc::new(CountingWaker {
        wakes: LoomAtomicUsize::new(0),
    });
    let waker = Waker::from(counter.clone());
    (counter, waker)
}

/// A value that counts its drops.
struct Counted(Arc<LoomAtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn send_races_recv() {
    loom::model(|| {
        let (tx, rx) = channel::<u32>();
        let sender = thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(block_on(rx), Ok(1));
        sender.join().unwrap();
    });
}

#[test]
fn sender_drop_races_recv() {
    loom::model(|| {
        let (tx, rx) = channel::<u32>();
        let sender = thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx), Err(RecvError(())));
        sender.join().unwrap();
    });
}

#[test]
fn close_races_send() {
    loom::model(|| {
        let drops = Arc::new(LoomAtomicUsize::new(0));
        let (tx, mut rx) = channel::<Counted>();
        let value = Counted(drops.clone());
        // A refused value is dropped on the sender's thread, racing the receiver.
        let sender = thread::spawn(move || tx.send(value).is_ok());

        rx.close();
        let received = rx.try_recv();
        let sent = sender.join().unwrap();

        match received {
            // A send that succeeded came before the close, so the receiver must see it.
            Ok(value) => {
                assert!(sent);
                drop(value);
            }
            Err(TryRecvError::Closed) => assert!(!sent),
            Err(TryRecvError::Empty) => panic!("a closed channel reported Empty"),
        }
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn receiver_drop_races_send() {
    loom::model(|| {
        let drops = Arc::new(LoomAtomicUsize::new(0));
        let (tx, rx) = channel::<Counted>();
        let value = Counted(drops.clone());
        let sender = thread::spawn(move || {
            let _ = tx.send(value);
        });
        // An unreceived value is dropped by the receiver, a refused one by the sender: once
        // either way.
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn receiver_drop_races_closed() {
    loom::model(|| {
        let (mut tx, rx) = channel::<u32>();
        let receiver = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        receiver.join().unwrap();
    });
}

#[test]
fn receiver_close_races_closed() {
    loom::model(|| {
        let (mut tx, mut rx) = channel::<u32>();
        let receiver = thread::spawn(move || {
            rx.close();
            rx
        });
        block_on(tx.closed());
        let mut rx = receiver.join().unwrap();
        assert_eq!(tx.send(1), Err(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// The receiver polls with waker A, again with A (the `will_wake` path), then with B, while
/// the sender sends. Whatever poll is last to return `Pending` must have its waker woken, and
/// a waker that was replaced before the send must not be.
#[test]
fn repoll_with_new_waker_races_send() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>();
        let sender = thread::spawn(move || tx.send(7).unwrap());

        let (a_count, a) = counting_waker();
        let (b_count, b) = counting_waker();
        let mut last_pending = None;
        for (name, waker) in [("a", &a), ("a", &a), ("b", &b)] {
            match Pin::new(&mut rx).poll(&mut Context::from_waker(waker)) {
                Poll::Ready(output) => {
                    assert_eq!(output, Ok(7));
                    last_pending = None;
                    break;
                }
                Poll::Pending => last_pending = Some(name),
            }
        }
        sender.join().unwrap();

        let a_wakes = a_count.wakes.load(Ordering::SeqCst);
        let b_wakes = b_count.wakes.load(Ordering::SeqCst);
        match last_pending {
            // Received during the polls; a waker registered before the send may have been
            // woken, but at most once.
            None => assert!(a_wakes <= 1 && b_wakes == 0 && rx.is_terminated()),
            Some(name) => {
                // The send came after the last registration, so exactly B was woken.
                assert_eq!(name, "b");
                assert_eq!((a_wakes, b_wakes), (0, 1));
                let output = Pin::new(&mut rx).poll(&mut Context::from_waker(&b));
                assert_eq!(output, Poll::Ready(Ok(7)));
            }
        }
    });
}

/// The mirror image for the sender: `poll_closed` with A, then with B, racing the receiver's
/// drop.
#[test]
fn poll_closed_repoll_with_new_waker_races_receiver_drop() {
    loom::model(|| {
        let (mut tx, rx) = channel::<u32>();
        let receiver = thread::spawn(move || drop(rx));

        let (a_count, a) = counting_waker();
        let (b_count, b) = counting_waker();
        let mut pending = false;
        for waker in [&a, &b] {
            pending = tx.poll_closed(&mut Context::from_waker(waker)).is_pending();
            if !pending {
                break;
            }
        }
        receiver.join().unwrap();

        let a_wakes = a_count.wakes.load(Ordering::SeqCst);
        let b_wakes = b_count.wakes.load(Ordering::SeqCst);
        if pending {
            assert_eq!((a_wakes, b_wakes), (0, 1));
            assert!(tx.poll_closed(&mut Context::from_waker(&b)).is_ready());
        } else {
            assert!(a_wakes <= 1 && b_wakes == 0);
        }
    });
}

#[test]
fn blocking_recv_races_send() {
    loom::model(|| {
        let (tx, rx) = channel::<u32>();
        let sender = thread::spawn(move || tx.send(3).unwrap());
        assert_eq!(rx.blocking_recv(), Ok(3));
        sender.join().unwrap();
    });
}

/// Both waker slots in use at once: the sender waits in `closed()` and then tries to send,
/// while the receiver registers its own waker and then goes away.
#[test]
fn both_slots_race() {
    loom::model(|| {
        let (mut tx, mut rx) = channel::<u32>();
        let sender = thread::spawn(move || {
            block_on(tx.closed());
            tx.send(1)
        });

        let (count, waker) = counting_waker();
        let first = Pin::new(&mut rx).poll(&mut Context::from_waker(&waker));
        assert!(first.is_pending(), "nothing was sent before the close");
        drop(rx);

        assert_eq!(sender.join().unwrap(), Err(1));
        assert_eq!(count.wakes.load(Ordering::SeqCst), 0);
    });
}

/// A registered receiver dropped while the sender sends: whichever comes first, the receiver
/// empties its own slot only when the sender will not read it (loom checks the slot's
/// accesses), and its waker is released exactly once.
#[test]
fn registered_receiver_drop_races_send() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>();
        let (count, waker) = counting_waker();
        let first = Pin::new(&mut rx).poll(&mut Context::from_waker(&waker));
        assert!(first.is_pending());
        let sender = thread::spawn(move || {
            let _ = tx.send(1);
        });
        drop(rx);
        sender.join().unwrap();
        assert!(count.wakes.load(Ordering::SeqCst) <= 1);
        drop(waker);
        assert_eq!(std::sync::Arc::strong_count(&count), 1, "the waker leaked");
    });
}

/// The mirror image: a sender registered in `poll_closed` sends while the receiver is
/// dropped.
#[test]
fn registered_sender_send_races_receiver_drop() {
    loom::model(|| {
        let (mut tx, rx) = channel::<u32>();
        let (count, waker) = counting_waker();
        assert!(tx
            .poll_closed(&mut Context::from_waker(&waker))
            .is_pending());
        let receiver = thread::spawn(move || drop(rx));
        let _ = tx.send(1);
        receiver.join().unwrap();
        assert!(count.wakes.load(Ordering::SeqCst) <= 1);
        drop(waker);
        assert_eq!(std::sync::Arc::strong_count(&count), 1, "the waker leaked");
    });
}
