//! `runtime_sync::Barrier` through its public API: generations, one leader each, `n = 0`,
//! reuse, and threads, with a minimal thread-parking executor.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use runtime_sync::Barrier;

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
fn the_nth_arrival_releases_everyone_and_leads() {
    let barrier = Barrier::new(3);
    let (w, u) = waker();
    let mut a = Box::pin(barrier.wait());
    let mut b = Box::pin(barrier.wait());
    assert!(poll_once(a.as_mut(), &w).is_pending());
    assert!(poll_once(b.as_mut(), &w).is_pending());
    assert_eq!(u.1.load(SeqCst), 0);
    let c = block_on(barrier.wait());
    assert!(c.is_leader());
    assert_eq!(u.1.load(SeqCst), 2);
    let Poll::Ready(a) = poll_once(a.as_mut(), &w) else {
        panic!("not released")
    };
    let Poll::Ready(b) = poll_once(b.as_mut(), &w) else {
        panic!("not released")
    };
    assert!(!a.is_leader() && !b.is_leader());
}

#[test]
fn zero_and_one_make_every_call_a_leader() {
    for n in [0, 1] {
        let barrier = Barrier::new(n);
        for _ in 0..3 {
            assert!(block_on(barrier.wait()).is_leader());
        }
    }
}

#[test]
fn the_barrier_is_reusable_and_generations_do_not_mix() {
    let barrier = Barrier::new(2);
    let (w, _) = waker();
    for _ in 0..5 {
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(a.as_mut(), &w).is_pending());
        assert!(block_on(barrier.wait()).is_leader());
        assert!(matches!(poll_once(a.as_mut(), &w), Poll::Ready(r) if !r.is_leader()));
    }
    // A new waiter is not released by the previous generation.
    let mut a = Box::pin(barrier.wait());
    assert!(poll_once(a.as_mut(), &w).is_pending());
    assert!(poll_once(a.as_mut(), &w).is_pending());
}

#[test]
fn threads_get_exactly_one_leader_per_generation() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 200;
    let barrier = Arc::new(Barrier::new(THREADS));
    let leaders = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let barrier = barrier.clone();
            let leaders = leaders.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    if block_on(barrier.wait()).is_leader() {
                        leaders.fetch_add(1, SeqCst);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(leaders.load(SeqCst), ROUNDS);
    assert!(format!("{barrier:?}").contains("n: 8"));
}
