//! loom models of the block list and the channel around it. Under loom a block has two slots,
//! so a handful of messages crosses block boundaries, grows the list, moves the tail, and
//! reclaims and reuses blocks.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-sync --lib --release mpsc`.

use super::block::BLOCK_CAP;
use super::error::{TryRecvError, TrySendError};
use super::*;

use crate::loom::{Arc, AtomicUsize, Ordering};
use loom::future::block_on;
use loom::thread;

/// Explores every interleaving with at most `bound` preemptions (the bigger models would
/// take hours unbounded; bugs in this kind of protocol show up with two or three).
fn model(bound: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(bound);
    builder.check(f);
}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn block_cap_is_small_under_loom() {
    assert_eq!(BLOCK_CAP, 2);
}

/// One sender crosses a block boundary while the receiver waits for each value: the values
/// arrive in order, the receiver's waker is never lost, and the end is seen after them.
#[test]
fn push_pop_across_a_block_boundary() {
    model(3, || {
        let (tx, mut rx) = unbounded_channel::<u32>();
        let sender = thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

/// A send racing the receiver's registration, unbounded by preemptions: the send's
/// lock-free check of the waker (a load after its `SeqCst` fence, see
/// `AtomicWaker::wake_if_registered`) either finds the registration or the receiver's second
/// look (after its own fence) finds the value. Removing the fence from
/// `register_by_ref_for_fenced_wakes` fails this model.
#[test]
fn send_racing_the_receivers_registration_is_not_lost() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel::<u32>();
        let tx2 = tx.clone();
        let sender = thread::spawn(move || {
            tx2.send(1).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        sender.join().unwrap();
        drop(tx);
    });
}

/// Two senders race to claim slots and grow the list while the receiver reclaims blocks a
/// sender may still be walking through (it loaded the old tail before it was moved). Each
/// sender's values arrive in its order, all arrive, nothing is read from a reclaimed block
/// (loom checks every access to the slots and block fields), and afterwards the list holds no
/// more than the live block and one spare.
#[test]
fn reclamation_races_senders_walking_the_list() {
    model(2, || {
        let (tx, mut rx) = unbounded_channel::<u32>();
        // Fill the first block, so the racing sends start at a full tail block.
        tx.send(0).unwrap();
        tx.send(1).unwrap();
        let tx2 = tx.clone();
        let a = thread::spawn(move || {
            tx2.send(10).unwrap();
            tx2.send(11).unwrap();
        });
        tx.send(20).unwrap();
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = block_on(rx.recv()) {
            got.push(v);
        }
        a.join().unwrap();
        assert_eq!(got[..2], [0, 1]);
        let from_a: Vec<_> = got.iter().copied().filter(|v| v / 10 == 1).collect();
        assert_eq!(from_a, [10, 11]);
        assert_eq!(got.len(), 5);
        assert!(got.contains(&20));
        assert!(rx.allocated_blocks() <= 2, "{}", rx.allocated_blocks());
    });
}

/// The receiver drains with `try_recv` (never a spurious `Empty` once the send returned) while
/// a sender keeps crossing blocks; reclaimed blocks are reused.
#[test]
fn try_recv_while_a_sender_crosses_blocks() {
    model(3, || {
        let (tx, mut rx) = unbounded_channel::<u32>();
        let sent = Arc::new(AtomicUsize::new(0));
        let sent2 = sent.clone();
        let sender = thread::spawn(move || {
            for i in 0..4 {
                tx.send(i).unwrap();
                sent2.store(i as usize + 1, Ordering::SeqCst);
            }
        });
        let mut next = 0;
        loop {
            let visible = sent.load(Ordering::SeqCst);
            match rx.try_recv() {
                Ok(v) => {
                    assert_eq!(v, next);
                    next += 1;
                }
                Err(TryRecvError::Empty) => {
                    assert!(visible <= next as usize, "spurious Empty");
                    thread::yield_now();
                }
                Err(TryRecvError::Disconnected) => break,
            }
        }
        assert_eq!(next, 4);
        sender.join().unwrap();
        assert!(rx.allocated_blocks() <= 2, "{}", rx.allocated_blocks());
    });
}

/// The receiver closes while a sender sends: the value is either refused (and handed back) or
/// received (or dropped with the channel); never lost or dropped twice.
#[test]
fn close_races_push() {
    model(3, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = unbounded_channel::<Counted>();
        let value = Counted(drops.clone());
        let sender = thread::spawn(move || match tx.send(value) {
            Ok(()) => true,
            Err(err) => {
                drop(err);
                false
            }
        });
        rx.close();
        let received = block_on(rx.recv());
        let sent = sender.join().unwrap();
        assert_eq!(received.is_some(), sent);
        drop(received);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(block_on(rx.recv()).map(|_| ()), None);
    });
}

/// The last sender's close marker races the receiver waiting: the receiver sees every value,
/// then the end, and is woken for it.
#[test]
fn last_sender_drop_races_recv() {
    model(3, || {
        let (tx, mut rx) = unbounded_channel::<u32>();
        let tx2 = tx.clone();
        let a = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        let b = thread::spawn(move || drop(tx2));
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        a.join().unwrap();
        b.join().unwrap();
    });
}

/// Dropping the receiver while a sender sends across a block boundary: every value is dropped
/// exactly once and every block is freed (loom reports leaked or double-freed cells).
#[test]
fn receiver_drop_races_sends() {
    model(3, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = unbounded_channel::<Counted>();
        let d = drops.clone();
        let sender = thread::spawn(move || {
            let mut refused = 0;
            for _ in 0..3 {
                if tx.send(Counted(d.clone())).is_err() {
                    refused += 1;
                }
            }
            refused
        });
        drop(rx);
        let _ = sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    });
}

/// A bounded channel of one slot: the sender waits for the receiver to free it, across a block
/// boundary, and is woken each time.
#[test]
fn bounded_sender_waits_for_room() {
    model(2, || {
        let (tx, mut rx) = channel::<u32>(1);
        let sender = thread::spawn(move || {
            for i in 0..3 {
                block_on(tx.send(i)).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

/// A permit dropped unused after the receiver closed: `recv` waits for it while it is
/// outstanding, and ends once it is given back.
#[test]
fn outstanding_permit_keeps_closed_channel_open() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(1);
        let permit_holder = thread::spawn(move || {
            let permit = tx.try_reserve();
            match permit {
                Ok(permit) => drop(permit),
                Err(TrySendError::Closed(())) => {}
                Err(TrySendError::Full(())) => panic!("the channel had room"),
            }
        });
        rx.close();
        assert_eq!(block_on(rx.recv()), None);
        permit_holder.join().unwrap();
    });
}
