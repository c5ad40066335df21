//! loom models: a cancel racing a waiter and a child's creation.

use super::*;
use loom::future::block_on;
use loom::thread;

/// A cancel racing `cancelled`: the waiter always wakes.
#[test]
fn cancel_races_cancelled() {
    loom::model(|| {
        let token = CancellationToken::new();
        let child = token.child_token();
        let canceller = thread::spawn(move || token.cancel());
        block_on(child.cancelled());
        assert!(child.is_cancelled());
        canceller.join().unwrap();
    });
}

/// A cancel racing `child_token`: the child is cancelled either way.
#[test]
fn cancel_races_child_creation() {
    loom::model(|| {
        let token = CancellationToken::new();
        let t2 = token.clone();
        let canceller = thread::spawn(move || t2.cancel());
        let child = token.child_token();
        canceller.join().unwrap();
        assert!(child.is_cancelled());
    });
}
