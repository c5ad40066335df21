//! `runtime_sync::SetOnce` through its public API, with a minimal thread-parking executor.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use runtime_sync::{SetOnce, SetOnceError};

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
fn set_once_then_errors() {
    let cell = SetOnce::new();
    assert_eq!(cell.get(), None);
    assert!(!cell.initialized());
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.get(), Some(&1));
    let err = cell.set(2).unwrap_err();
    assert_eq!(err, SetOnceError(2));
    assert_eq!(err.to_string(), "SetOnceError");
    assert_eq!(cell.get(), Some(&1));
}

#[test]
fn wait_completes_on_set_and_wakes_every_waiter() {
    let cell = SetOnce::new();
    let (w, u) = waker();
    let mut a = Box::pin(cell.wait());
    let mut b = Box::pin(cell.wait());
    assert!(poll_once(a.as_mut(), &w).is_pending());
    assert!(poll_once(b.as_mut(), &w).is_pending());
    let mut never_polled = Box::pin(cell.wait());
    cell.set("v").unwrap();
    assert_eq!(u.1.load(SeqCst), 2);
    assert_eq!(poll_once(a.as_mut(), &w), Poll::Ready(&"v"));
    assert_eq!(poll_once(b.as_mut(), &w), Poll::Ready(&"v"));
    assert_eq!(poll_once(never_polled.as_mut(), &w), Poll::Ready(&"v"));
    assert_eq!(*block_on(cell.wait()), "v");
}

#[test]
fn a_dropped_wait_loses_nothing() {
    let cell = SetOnce::new();
    let (w, _) = waker();
    let mut a = Box::pin(cell.wait());
    let mut b = Box::pin(cell.wait());
    assert!(poll_once(a.as_mut(), &w).is_pending());
    assert!(poll_once(b.as_mut(), &w).is_pending());
    drop(a);
    cell.set(3).unwrap();
    assert_eq!(poll_once(b.as_mut(), &w), Poll::Ready(&3));
}

#[test]
fn threads_racing_to_set_one_wins_and_waiters_see_it() {
    let cell = Arc::new(SetOnce::new());
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let cell = cell.clone();
            thread::spawn(move || *block_on(cell.wait()))
        })
        .collect();
    let setters: Vec<_> = (0..4)
        .map(|i| {
            let cell = cell.clone();
            thread::spawn(move || cell.set(i).is_ok())
        })
        .collect();
    let wins = setters
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(wins, 1);
    let value = *cell.get().unwrap();
    for w in waiters {
        assert_eq!(w.join().unwrap(), value);
    }
}

#[test]
fn drops_into_inner_statics_and_traits() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let cell = SetOnce::new();
    assert!(cell.set(D(drops.clone())).is_ok());
    // The rejected value is handed back, then dropped by us.
    let rejected = cell.set(D(drops.clone())).unwrap_err();
    drop(rejected);
    assert_eq!(drops.load(SeqCst), 1);
    drop(cell);
    assert_eq!(drops.load(SeqCst), 2);
    let inner = SetOnce::from(D(drops.clone())).into_inner().unwrap();
    assert_eq!(drops.load(SeqCst), 2);
    drop(inner);
    assert_eq!(drops.load(SeqCst), 3);
    assert!(SetOnce::<u8>::new_with(None).into_inner().is_none());

    static CELL: SetOnce<u32> = SetOnce::const_new();
    CELL.set(5).unwrap();
    assert_eq!(*block_on(CELL.wait()), 5);
    let a = SetOnce::from(1);
    assert_eq!(a.clone(), a);
    assert_ne!(SetOnce::<i32>::default(), a);
    assert_eq!(format!("{a:?}"), "SetOnce { value: Some(1) }");
}
