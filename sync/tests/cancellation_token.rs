//! `runtime_sync::CancellationToken` through its public API: trees, waiting, guards,
//! `run_until_cancelled`, deep trees and threads, with a minimal thread-parking executor.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use runtime_sync::CancellationToken;

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

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn cancel_reaches_clones_and_every_descendant_but_not_the_parent() {
    let root = CancellationToken::new();
    let clone = root.clone();
    let child = root.child_token();
    let grandchild = child.child_token();
    let sibling = root.child_token();
    assert!(!grandchild.is_cancelled());
    child.cancel();
    assert!(child.is_cancelled() && grandchild.is_cancelled());
    assert!(!root.is_cancelled() && !sibling.is_cancelled());
    clone.cancel();
    assert!(root.is_cancelled() && sibling.is_cancelled());
    // Cancelling twice is harmless.
    root.cancel();
}

#[test]
fn a_child_of_a_cancelled_token_is_born_cancelled() {
    let root = CancellationToken::new();
    root.cancel();
    let child = root.child_token();
    assert!(child.is_cancelled());
    assert!(child.child_token().is_cancelled());
    block_on(child.cancelled());
}

#[test]
fn cancelled_waits_then_completes_and_wakes_every_waiter() {
    let token = CancellationToken::new();
    let child = token.child_token();
    let (w, u) = waker();
    let mut a = Box::pin(token.cancelled());
    let mut b = Box::pin(child.clone().cancelled_owned());
    let mut c = Box::pin(child.cancelled());
    assert!(poll_once(a.as_mut(), &w).is_pending());
    assert!(poll_once(b.as_mut(), &w).is_pending());
    // `c` is never polled before the cancel: it completes anyway.
    token.cancel();
    assert_eq!(u.1.load(SeqCst), 2);
    assert!(poll_once(a.as_mut(), &w).is_ready());
    assert!(poll_once(b.as_mut(), &w).is_ready());
    assert!(poll_once(c.as_mut(), &w).is_ready());
}

#[test]
fn a_dropped_cancelled_future_loses_nothing_for_others() {
    let token = CancellationToken::new();
    let (w, _) = waker();
    let mut a = Box::pin(token.cancelled());
    let mut b = Box::pin(token.cancelled());
    assert!(poll_once(a.as_mut(), &w).is_pending());
    assert!(poll_once(b.as_mut(), &w).is_pending());
    drop(a);
    token.cancel();
    assert!(poll_once(b.as_mut(), &w).is_ready());
}

#[test]
fn cancelled_across_threads() {
    let token = CancellationToken::new();
    let child = token.child_token();
    let canceller = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        token.cancel();
    });
    block_on(child.cancelled());
    assert!(child.is_cancelled());
    canceller.join().unwrap();
}

#[test]
fn drop_guards_cancel_unless_disarmed() {
    let token = CancellationToken::new();
    let guard = token.clone().drop_guard();
    let token2 = guard.disarm();
    assert!(!token.is_cancelled());
    drop(token2.drop_guard());
    assert!(token.is_cancelled());

    let token = CancellationToken::new();
    let guard = token.drop_guard_ref();
    let back: &CancellationToken = guard.disarm();
    assert!(!back.is_cancelled());
    {
        let _guard = token.drop_guard_ref();
    }
    assert!(token.is_cancelled());
}

#[test]
fn run_until_cancelled_polls_the_future_first() {
    let token = CancellationToken::new();
    assert_eq!(block_on(token.run_until_cancelled(async { 1 })), Some(1));
    token.cancel();
    // Both ready: the future wins.
    assert_eq!(block_on(token.run_until_cancelled(async { 2 })), Some(2));
    // Cancelled, future pending: None, and the future is dropped.
    let dropped = Arc::new(AtomicUsize::new(0));
    struct OnDrop(Arc<AtomicUsize>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let guard = OnDrop(dropped.clone());
    let out = block_on(token.run_until_cancelled(async move {
        let _guard = guard;
        std::future::pending::<u8>().await
    }));
    assert_eq!(out, None);
    assert_eq!(dropped.load(SeqCst), 1);
    assert_eq!(
        block_on(
            token
                .clone()
                .run_until_cancelled_owned(std::future::pending::<u8>())
        ),
        None
    );
}

#[test]
fn run_until_cancelled_ends_when_cancelled_later() {
    let token = CancellationToken::new();
    let t2 = token.clone();
    let canceller = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        t2.cancel();
    });
    assert_eq!(
        block_on(token.run_until_cancelled(std::future::pending::<()>())),
        None
    );
    canceller.join().unwrap();
}

#[test]
fn a_deep_chain_cancels_and_drops_without_overflowing_the_stack() {
    // Run on a small stack: any recursion over the depth would overflow it.
    thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let root = CancellationToken::new();
            let mut chain = Vec::with_capacity(100_000);
            let mut last = root.clone();
            for _ in 0..100_000 {
                let next = last.child_token();
                chain.push(last);
                last = next;
            }
            root.cancel();
            assert!(last.is_cancelled());
            drop(chain);
            // And an uncancelled deep chain dropped from the root down, then from the leaf.
            let root = CancellationToken::new();
            let mut chain = vec![root.child_token()];
            for _ in 0..100_000 {
                let next = chain.last().unwrap().child_token();
                chain.push(next);
            }
            let leaf = chain.pop().unwrap();
            drop(chain);
            root.cancel();
            assert!(leaf.is_cancelled());
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn threads_race_child_creation_drops_and_cancel() {
    let root = CancellationToken::new();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let root = root.clone();
            thread::spawn(move || {
                let mut kept = Vec::new();
                for i in 0..2_000 {
                    let child = root.child_token();
                    let grandchild = child.child_token();
                    if i % 10 == 0 {
                        kept.push(grandchild);
                    }
                }
                kept
            })
        })
        .collect();
    let kept: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(kept.iter().all(|t| !t.is_cancelled()));
    root.cancel();
    assert!(kept.iter().all(CancellationToken::is_cancelled));
}

#[test]
fn defaults_and_debug() {
    let token = CancellationToken::default();
    assert!(format!("{token:?}").contains("is_cancelled: false"));
    token.cancel();
    assert!(format!("{token:?}").contains("is_cancelled: true"));
    let fut = token.cancelled();
    assert!(format!("{fut:?}").contains("WaitForCancellationFuture"));
}
