//! loom models of `OnceCell` (its lock-free `get` racing initialisation) and `Barrier` (its
//! generation counter racing the last arrival).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-sync --lib --release`.

use std::sync::Arc;

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::SeqCst;
use loom::thread;

use crate::barrier::Barrier;
use crate::once_cell::OnceCell;

/// Two threads race `get_or_init`: exactly one initializer runs, both see its value; a
/// reader's lock-free `get` sees nothing or the whole value (loom checks the cell access).
#[test]
fn once_cell_initializes_once_and_get_never_sees_half_a_value() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::<Box<usize>>::new());
        let inits = Arc::new(AtomicUsize::new(0));
        let racer = {
            let (cell, inits) = (cell.clone(), inits.clone());
            thread::spawn(move || {
                let v = block_on(cell.get_or_init(|| async {
                    inits.fetch_add(1, SeqCst);
                    Box::new(1)
                }));
                **v
            })
        };
        let reader = {
            let cell = cell.clone();
            thread::spawn(move || cell.get().map(|v| **v))
        };
        let mine = **block_on(cell.get_or_init(|| async {
            inits.fetch_add(1, SeqCst);
            Box::new(2)
        }));
        let theirs = racer.join().unwrap();
        let seen = reader.join().unwrap();
        assert_eq!(inits.load(SeqCst), 1, "two initializers ran");
        assert_eq!(mine, theirs);
        assert!(seen.is_none() || seen == Some(mine));
        assert_eq!(cell.get().map(|v| **v), Some(mine));
    });
}

/// `set` racing `get_or_init`: one wins, the other sees the winner's value.
#[test]
fn once_cell_set_racing_init() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::<usize>::new());
        let setter = {
            let cell = cell.clone();
            thread::spawn(move || cell.set(7).is_ok())
        };
        let got = *block_on(cell.get_or_init(|| async { 9 }));
        let set_won = setter.join().unwrap();
        assert_eq!(got, if set_won { 7 } else { 9 });
        assert_eq!(cell.get(), Some(&got));
    });
}

/// Two parties meet at a barrier of two, twice (two generations): everyone leaves each
/// round, and each round has exactly one leader.
#[test]
fn barrier_releases_everyone_with_one_leader_per_generation() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let leaders = Arc::new(AtomicUsize::new(0));
        let other = {
            let (barrier, leaders) = (barrier.clone(), leaders.clone());
            thread::spawn(move || {
                if block_on(barrier.wait()).is_leader() {
                    leaders.fetch_add(1, SeqCst);
                }
            })
        };
        if block_on(barrier.wait()).is_leader() {
            leaders.fetch_add(1, SeqCst);
        }
        other.join().unwrap();
        assert_eq!(leaders.load(SeqCst), 1);
    });
}
