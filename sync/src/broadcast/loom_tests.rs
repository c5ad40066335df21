//! loom models of a send racing a waiting receiver and a receiver's drop.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-sync --lib --release broadcast`.

use super::error::RecvError;
use super::*;

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize as LoomAtomicUsize;
use loom::thread;

use crate::loom::{Arc, Ordering};

/// A send racing `recv`: the receiver wakes and gets the value, then sees the close.
#[test]
fn send_races_recv() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(2);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Ok(1));
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
        sender.join().unwrap();
    });
}

struct Counted(Arc<LoomAtomicUsize>);

impl Clone for Counted {
    fn clone(&self) -> Counted {
        Counted(self.0.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Two sends racing the drop of one of two receivers: every value (and clone) is dropped
/// exactly once, and the remaining receiver gets both.
#[test]
fn receiver_drop_races_send() {
    loom::model(|| {
        let drops = Arc::new(LoomAtomicUsize::new(0));
        let (tx, mut rx1) = channel::<Counted>(2);
        let rx2 = tx.subscribe();
        let dropper = thread::spawn(move || drop(rx2));
        tx.send(Counted(drops.clone())).unwrap();
        tx.send(Counted(drops.clone())).unwrap();
        dropper.join().unwrap();
        drop(rx1.try_recv().unwrap());
        drop(rx1.try_recv().unwrap());
        drop((tx, rx1));
        // Two originals; a clone only for a value read while rx2 still counted in it.
        let dropped = drops.load(Ordering::SeqCst);
        assert!(dropped >= 2 && dropped <= 4, "{dropped}");
        assert_eq!(Arc::strong_count(&drops), 1, "a value leaked");
    });
}
