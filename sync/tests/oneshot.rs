//! Integration tests for `runtime_sync::oneshot` through its public API only, across real
//! threads, with a minimal thread-parking executor (the crate needs no runtime).

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use runtime_sync::oneshot::{self, error::RecvError, error::TryRecvError};

/// Wakes a parked thread.
struct Unparker(thread::Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the current thread, parking while it is pending.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = fut.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

#[test]
fn await_value_from_another_thread() {
    let (tx, rx) = oneshot::channel();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        tx.send(vec![1, 2, 3]).unwrap();
    });
    assert_eq!(block_on(rx), Ok(vec![1, 2, 3]));
    sender.join().unwrap();
}

#[test]
fn await_error_when_sender_dropped_on_another_thread() {
    let (tx, rx) = oneshot::channel::<u8>();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        drop(tx);
    });
    let err: RecvError = block_on(rx).unwrap_err();
    assert_eq!(err.to_string(), "channel closed");
    sender.join().unwrap();
}

#[test]
fn closed_completes_when_receiver_dropped_on_another_thread() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let receiver = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        drop(rx);
    });
    block_on(tx.closed());
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1));
    receiver.join().unwrap();
}

/// A request/response round trip, the way oneshot is typically used: the request carries the
/// sender for the reply.
#[test]
fn request_response() {
    let (requests_tx, requests_rx) = std::sync::mpsc::channel::<(u32, oneshot::Sender<u32>)>();
    let server = thread::spawn(move || {
        for (n, reply) in requests_rx {
            let _ = reply.send(n * n);
        }
    });
    for n in 0..100 {
        let (reply_tx, reply_rx) = oneshot::channel();
        requests_tx.send((n, reply_tx)).unwrap();
        assert_eq!(reply_rx.blocking_recv(), Ok(n * n));
    }
    drop(requests_tx);
    server.join().unwrap();
}

/// Polling `&mut rx` repeatedly, as a `select!` loop does, until it completes.
#[test]
fn poll_by_reference_until_terminated() {
    let (tx, mut rx) = oneshot::channel();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        tx.send("hi").unwrap();
    });
    let mut rounds = 0;
    let got = block_on(std::future::poll_fn(|cx| {
        rounds += 1;
        std::pin::Pin::new(&mut rx).poll(cx)
    }));
    assert_eq!(got, Ok("hi"));
    assert!(rounds >= 1);
    assert!(rx.is_terminated());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    sender.join().unwrap();
}

/// Send, close and drop racing on real threads: every value is dropped exactly once, and a
/// send that succeeded is always the one received.
#[test]
fn racing_halves_drop_every_value_once() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    let drops = Arc::new(AtomicUsize::new(0));
    const ROUNDS: usize = 2_000;
    for round in 0..ROUNDS {
        let (tx, mut rx) = oneshot::channel();
        let value = Counted(drops.clone());
        let sender = thread::spawn(move || tx.send(value).is_ok());
        match round % 3 {
            0 => drop(rx),
            1 => {
                rx.close();
                let received = rx.try_recv().is_ok();
                let sent = sender.join().unwrap();
                assert_eq!(received, sent, "round {round}");
                assert_eq!(drops.load(SeqCst), round + 1);
                continue;
            }
            _ => {
                assert!(block_on(rx).is_ok());
            }
        }
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), round + 1, "round {round}");
    }
}

#[test]
fn blocking_recv_many_threads() {
    let receivers: Vec<_> = (0..16)
        .map(|i| {
            let (tx, rx) = oneshot::channel();
            let receiver = thread::spawn(move || rx.blocking_recv());
            (i, tx, receiver)
        })
        .collect();
    for (i, tx, receiver) in receivers {
        if i % 2 == 0 {
            tx.send(i).unwrap();
            assert_eq!(receiver.join().unwrap(), Ok(i));
        } else {
            drop(tx);
            assert!(receiver.join().unwrap().is_err());
        }
    }
}
