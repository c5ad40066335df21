//! `runtime_sync::OnceCell` through its public API: set, get_or_init and get_or_try_init
//! (FIFO hand-over after a failing, panicking or cancelled initialiser), take, drops, with a
//! minimal thread-parking executor.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use runtime_sync::{OnceCell, SetError};

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
fn set_get_and_errors() {
    let cell = OnceCell::new();
    assert_eq!(cell.get(), None);
    assert!(!cell.initialized());
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.get(), Some(&1));
    assert!(cell.initialized());
    let err = cell.set(2).unwrap_err();
    assert_eq!(err, SetError::AlreadyInitializedError(2));
    assert!(err.is_already_init_err() && !err.is_initializing_err());
    assert_eq!(err.to_string(), "AlreadyInitializedError");
    // get_or_init does not run its initialiser on a full cell.
    assert_eq!(
        *block_on(cell.get_or_init(|| async { panic!("not run") })),
        1
    );
}

#[test]
fn set_during_initialisation_is_an_initializing_error() {
    let cell = OnceCell::<u32>::new();
    let (w, _) = waker();
    let mut init = Box::pin(cell.get_or_init(std::future::pending));
    assert!(poll_once(init.as_mut(), &w).is_pending());
    let err = cell.set(5).unwrap_err();
    assert_eq!(err, SetError::InitializingError(5));
    assert!(err.is_initializing_err());
    assert_eq!(err.to_string(), "InitializingError");
    // Cancelling the initialiser frees the cell for `set`.
    drop(init);
    assert_eq!(cell.set(5), Ok(()));
}

#[test]
fn one_initialiser_runs_and_waiters_get_its_value() {
    let cell = OnceCell::new();
    let (w, u) = waker();
    let runs = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rx = std::sync::Mutex::new(rx);
    let mut first = Box::pin(cell.get_or_init(|| async {
        runs.fetch_add(1, SeqCst);
        // Pending until told to finish.
        std::future::poll_fn(|cx| {
            if rx.lock().unwrap().try_recv().is_ok() {
                Poll::Ready(10)
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }));
    let mut second = Box::pin(cell.get_or_init(|| async {
        runs.fetch_add(1, SeqCst);
        20
    }));
    assert!(poll_once(first.as_mut(), &w).is_pending());
    assert!(poll_once(second.as_mut(), &w).is_pending());
    tx.send(()).unwrap();
    assert_eq!(poll_once(first.as_mut(), &w), Poll::Ready(&10));
    assert!(u.1.load(SeqCst) >= 1);
    assert_eq!(poll_once(second.as_mut(), &w), Poll::Ready(&10));
    assert_eq!(runs.load(SeqCst), 1);
}

#[test]
fn a_failing_initialiser_hands_over_to_the_next_waiter_in_order() {
    let cell = OnceCell::<u32>::new();
    let (w, _) = waker();
    let order = std::sync::Mutex::new(Vec::new());
    let mut a = Box::pin(cell.get_or_try_init(|| async {
        order.lock().unwrap().push('a');
        std::future::ready(()).await;
        Err::<u32, &str>("a failed")
    }));
    // `a` holds the permit once polled; b and c queue in that order.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rx = std::sync::Mutex::new(rx);
    let mut gate = Box::pin(cell.get_or_try_init(|| async {
        order.lock().unwrap().push('g');
        std::future::poll_fn(|_| {
            if rx.lock().unwrap().try_recv().is_ok() {
                Poll::Ready(Err::<u32, &str>("g failed"))
            } else {
                Poll::Pending
            }
        })
        .await
    }));
    let mut b = Box::pin(cell.get_or_try_init(|| async {
        order.lock().unwrap().push('b');
        Ok::<u32, &str>(2)
    }));
    let mut c = Box::pin(cell.get_or_try_init(|| async {
        order.lock().unwrap().push('c');
        Ok::<u32, &str>(3)
    }));
    assert!(poll_once(gate.as_mut(), &w).is_pending());
    assert!(poll_once(a.as_mut(), &w).is_pending());
    assert!(poll_once(b.as_mut(), &w).is_pending());
    assert!(poll_once(c.as_mut(), &w).is_pending());
    tx.send(()).unwrap();
    assert_eq!(poll_once(gate.as_mut(), &w), Poll::Ready(Err("g failed")));
    // Next in line: a (fails), then b (succeeds); c never runs.
    assert!(poll_once(c.as_mut(), &w).is_pending());
    assert_eq!(poll_once(a.as_mut(), &w), Poll::Ready(Err("a failed")));
    assert!(poll_once(c.as_mut(), &w).is_pending());
    assert_eq!(poll_once(b.as_mut(), &w), Poll::Ready(Ok(&2)));
    assert_eq!(poll_once(c.as_mut(), &w), Poll::Ready(Ok(&2)));
    assert_eq!(*order.lock().unwrap(), ['g', 'a', 'b']);
}

#[test]
fn a_panicking_initialiser_lets_the_next_one_run() {
    let cell = Arc::new(OnceCell::<u32>::new());
    let c2 = cell.clone();
    let panicked = thread::spawn(move || {
        block_on(c2.get_or_init(|| async { panic!("init failed") }));
    })
    .join();
    assert!(panicked.is_err());
    assert!(!cell.initialized());
    assert_eq!(*block_on(cell.get_or_init(|| async { 7 })), 7);
}

#[test]
fn threads_race_to_initialise_once() {
    let cell = Arc::new(OnceCell::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let cell = cell.clone();
            let runs = runs.clone();
            thread::spawn(move || {
                *block_on(cell.get_or_init(|| async move {
                    runs.fetch_add(1, SeqCst);
                    thread::yield_now();
                    i
                }))
            })
        })
        .collect();
    let values: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(runs.load(SeqCst), 1);
    assert!(values.iter().all(|v| *v == values[0]));
}

#[test]
fn take_get_mut_into_inner_and_drops() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let mut cell = OnceCell::new_with(Some(D(drops.clone())));
    assert!(cell.get_mut().is_some());
    let taken = cell.take().unwrap();
    assert!(!cell.initialized() && cell.get_mut().is_none());
    drop(taken);
    assert_eq!(drops.load(SeqCst), 1);
    // Empty again: settable again.
    assert!(cell.set(D(drops.clone())).is_ok());
    drop(cell);
    assert_eq!(drops.load(SeqCst), 2);
    let cell = OnceCell::from(D(drops.clone()));
    let inner = cell.into_inner().unwrap();
    assert_eq!(drops.load(SeqCst), 2);
    drop(inner);
    assert_eq!(drops.load(SeqCst), 3);
    assert!(OnceCell::<u8>::new_with(None).into_inner().is_none());
}

#[test]
fn statics_clone_eq_debug() {
    static CELL: OnceCell<&str> = OnceCell::const_new();
    assert_eq!(*block_on(CELL.get_or_init(|| async { "static" })), "static");
    let a = OnceCell::from(1);
    assert_eq!(a.clone(), a);
    assert_ne!(OnceCell::<i32>::default(), a);
    assert_eq!(format!("{a:?}"), "OnceCell { value: Some(1) }");
}

#[test]
fn const_new_with_holds_the_value_and_can_be_taken_and_refilled() {
    static FULL: OnceCell<u32> = OnceCell::const_new_with(4);
    assert_eq!(FULL.get(), Some(&4));
    assert_eq!(FULL.set(5), Err(SetError::AlreadyInitializedError(5)));
    assert_eq!(*block_on(FULL.get_or_init(|| async { 6 })), 4);
    let mut cell = OnceCell::const_new_with(String::from("a"));
    assert_eq!(cell.take().as_deref(), Some("a"));
    assert_eq!(
        *block_on(cell.get_or_init(|| async { String::from("b") })),
        "b"
    );
}
