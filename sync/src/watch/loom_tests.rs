//! loom models of a send racing a waiting receiver: no lost update, no spurious change.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-sync --lib --release watch`.

use super::*;

use loom::future::block_on;
use loom::thread;

/// A send racing `changed`: the receiver always wakes, and then sees the new value.
#[test]
fn send_races_changed() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u32);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow_and_update(), 1);
        let tx = sender.join().unwrap();
        // Nothing new since: no second change.
        assert!(!rx.has_changed().unwrap());
        drop(tx);
        assert!(block_on(rx.changed()).is_err());
    });
}

/// Two sends racing a receiver that waits twice: it sees the last value, and it is never told
/// of a change it has already seen (a `changed` after seeing 2 must end only by the close).
#[test]
fn two_sends_race_changed_no_spurious_change() {
    // Two sends and up to three waits: bound the preemptions to keep the model small.
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(|| {
        let (tx, mut rx) = channel(0u32);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        let mut last = 0;
        while block_on(rx.changed()).is_ok() {
            let value = *rx.borrow_and_update();
            // Every change reported is a new value.
            assert!(value > last, "spurious change: {value} after {last}");
            last = value;
        }
        assert_eq!(last, 2);
        sender.join().unwrap();
    });
}

/// The last sender's drop racing `changed`: the receiver learns of the close.
#[test]
fn close_races_changed() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u32);
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(rx.changed()).is_err());
        sender.join().unwrap();
    });
}

/// The last receiver's drop racing `Sender::closed`.
#[test]
fn receiver_drop_races_sender_closed() {
    loom::model(|| {
        let (tx, rx) = channel(0u32);
        let receiver = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        receiver.join().unwrap();
    });
}
