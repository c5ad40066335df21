//! `Semaphore`: counting, FIFO fairness with partial assignment, cancellation refunds, close,
//! permits' forget / merge / split, the budget. Driven by a minimal executor (no runtime).

mod support;

use std::panic::catch_unwind;
use std::sync::Arc;

use runtime_sync::{coop, AcquireError, Semaphore, TryAcquireError};
use support::{block_on, Task};

#[test]
fn acquire_and_release_count_permits() {
    let sem = Semaphore::new(3);
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire_many(2).unwrap();
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    drop(b);
    assert_eq!(sem.available_permits(), 3);
    sem.add_permits(2);
    assert_eq!(sem.available_permits(), 5);
    assert_eq!(sem.forget_permits(4), 4);
    assert_eq!(sem.forget_permits(4), 1);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn a_waiter_is_woken_when_a_permit_comes_back() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiter = Task::new(sem.acquire());
    waiter.pending();
    assert!(!waiter.was_woken());
    drop(held);
    assert!(waiter.was_woken());
    let permit = waiter.ready().unwrap();
    assert_eq!(permit.num_permits(), 1);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn a_big_waiter_holds_back_later_small_ones_and_gets_partial_permits() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire_many(2).unwrap();
    let mut big = Task::new(sem.acquire_many(2));
    let mut small = Task::new(sem.acquire());
    big.pending();
    small.pending();
    let mut held = held;
    let one = held.split(1).unwrap();
    drop(one);
    // The returned permit went to the oldest waiter, which still needs one more.
    assert_eq!(sem.available_permits(), 0);
    assert!(!big.was_woken());
    small.pending();
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    drop(held);
    let big_permit = big.ready().unwrap();
    assert_eq!(big_permit.num_permits(), 2);
    small.pending();
    drop(big_permit);
    assert!(small.was_woken());
    drop(small.ready().unwrap());
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_cancelled_waiter_gives_its_partial_permits_to_the_next() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut big = Task::new(sem.acquire_many(3));
    let mut next = Task::new(sem.acquire());
    big.pending();
    next.pending();
    drop(held);
    // `big` holds one permit of the three it needs.
    assert_eq!(sem.available_permits(), 0);
    drop(big);
    assert!(next.was_woken());
    let permit = next.ready().unwrap();
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_satisfied_but_unpolled_waiter_dropped_returns_everything() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire_many(2).unwrap();
    let mut waiter = Task::new(sem.acquire_many(2));
    waiter.pending();
    drop(held);
    assert!(waiter.was_woken());
    drop(waiter);
    assert_eq!(sem.available_permits(), 2);
    // The fast path is open again.
    assert!(sem.try_acquire_many(2).is_ok());
}

#[test]
fn waiters_are_served_in_arrival_order() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiters: Vec<_> = (0..50).map(|_| Task::new(sem.acquire())).collect();
    for w in &mut waiters {
        w.pending();
    }
    drop(held);
    for i in 0..50 {
        for (j, w) in waiters.iter_mut().enumerate().skip(i + 1) {
            assert!(
                !w.was_woken(),
                "waiter {j} woken before waiter {i} was done"
            );
        }
        let permit = waiters[i].ready().unwrap();
        drop(permit);
    }
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn close_fails_pending_and_later_acquires_but_permits_still_count() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiter = Task::new(sem.acquire());
    waiter.pending();
    sem.close();
    assert!(sem.is_closed());
    assert!(waiter.was_woken());
    let err: AcquireError = waiter.ready().unwrap_err();
    assert_eq!(err.to_string(), "semaphore closed");
    assert!(block_on(sem.acquire()).is_err());
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    drop(held);
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert_eq!(sem.forget_permits(1), 1);
    assert!(
        sem.is_closed(),
        "forgetting permits keeps the semaphore closed"
    );
}

#[test]
fn permits_merge_split_and_forget() {
    let sem = Arc::new(Semaphore::new(5));
    let mut a = sem.try_acquire_many(2).unwrap();
    let b = sem.try_acquire().unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 3);
    let c = a.split(2).unwrap();
    assert!(a.split(5).is_none());
    assert_eq!((a.num_permits(), c.num_permits()), (1, 2));
    c.forget();
    drop(a);
    assert_eq!(sem.available_permits(), 3);

    let mut owned = sem.clone().try_acquire_owned().unwrap();
    let more = sem.clone().try_acquire_many_owned(2).unwrap();
    owned.merge(more);
    assert_eq!(owned.num_permits(), 3);
    assert!(Arc::ptr_eq(owned.semaphore(), &sem));
    let split = owned.split(1).unwrap();
    drop(owned);
    assert_eq!(sem.available_permits(), 2);
    split.forget();
    assert_eq!(sem.available_permits(), 2);

    let other = Semaphore::new(1);
    let result = catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut x = sem.try_acquire().unwrap();
        x.merge(other.try_acquire().unwrap());
    }));
    assert!(result.is_err());
}

#[test]
fn owned_acquires_wait_like_borrowed_ones() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.clone().try_acquire_owned().unwrap();
    let mut waiter = Task::new(sem.clone().acquire_many_owned(1));
    waiter.pending();
    drop(held);
    let permit = waiter.ready().unwrap();
    assert_eq!(permit.num_permits(), 1);
    let thread_sem = sem.clone();
    // An owned permit moves to another thread.
    std::thread::spawn(move || drop((permit, thread_sem)))
        .join()
        .unwrap();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn too_many_permits_panic_with_a_message() {
    let err = catch_unwind(|| Semaphore::new(Semaphore::MAX_PERMITS + 1)).unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(message.contains("may not have more than"), "{message}");
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    let err = catch_unwind(std::panic::AssertUnwindSafe(|| sem.add_permits(1))).unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(message.contains("would exceed"), "{message}");
}

#[test]
fn acquire_spends_the_budget() {
    let sem = Semaphore::new(usize::MAX >> 4);
    coop::budget(|| {
        let mut ready = 0;
        loop {
            let mut task = Task::new(sem.acquire());
            match task.poll() {
                std::task::Poll::Ready(permit) => {
                    permit.unwrap().forget();
                    ready += 1;
                }
                std::task::Poll::Pending => {
                    assert!(task.was_woken(), "a spent budget wakes the task");
                    break;
                }
            }
        }
        assert_eq!(ready, coop::BUDGET as usize);
    });
}

#[test]
fn a_static_semaphore() {
    static LIMIT: Semaphore = Semaphore::const_new(2);
    let a = LIMIT.try_acquire().unwrap();
    assert_eq!(LIMIT.available_permits(), 1);
    drop(a);
    assert_eq!(LIMIT.available_permits(), 2);
}

#[test]
fn many_threads_acquiring_and_releasing_never_exceed_the_limit() {
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (sem, inside) = (sem.clone(), inside.clone());
            std::thread::spawn(move || {
                for _ in 0..2_000 {
                    let permit = block_on(sem.acquire()).unwrap();
                    let now = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    assert!(now <= 3, "{now} holders of 3 permits");
                    inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    drop(permit);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn blocking_acquires_from_plain_threads() {
    let sem = Arc::new(Semaphore::new(2));
    let one = sem.blocking_acquire().unwrap();
    assert!(std::ptr::eq(one.semaphore(), &*sem));
    let many = sem.blocking_acquire_many(1).unwrap();
    assert_eq!(sem.available_permits(), 0);
    let waiter = std::thread::spawn({
        let sem = sem.clone();
        move || {
            let owned = sem.clone().blocking_acquire_owned().unwrap();
            let more = sem.clone().blocking_acquire_many_owned(1).unwrap();
            (owned.num_permits(), more.num_permits())
        }
    });
    drop(one);
    drop(many);
    assert_eq!(waiter.join().unwrap(), (1, 1));
    assert_eq!(sem.available_permits(), 2);

    sem.close();
    assert!(sem.blocking_acquire().is_err());
    assert!(sem.blocking_acquire_many(1).is_err());
    assert!(sem.clone().blocking_acquire_owned().is_err());
    assert!(sem.clone().blocking_acquire_many_owned(1).is_err());
}

#[test]
fn blocking_acquire_inside_a_runtime_panics_with_tokios_words() {
    let sem = Semaphore::new(1);
    let _runtime = coop::enter_runtime(false).unwrap();
    let err = catch_unwind(std::panic::AssertUnwindSafe(|| sem.blocking_acquire())).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.starts_with("Cannot block the current thread from within a runtime"),
        "{msg}"
    );
    assert!(msg.contains("Semaphore::blocking_acquire"), "{msg}");
}

#[test]
#[cfg(target_pointer_width = "64")]
fn permits_beyond_u32_merge_and_split() {
    let sem = Arc::new(Semaphore::new(6_000_000_000));
    let mut a = sem.try_acquire_many(3_000_000_000).unwrap();
    let b = sem.try_acquire_many(3_000_000_000).unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 6_000_000_000);
    let c = a.split(5_000_000_000).unwrap();
    assert_eq!(
        (a.num_permits(), c.num_permits()),
        (1_000_000_000, 5_000_000_000)
    );
    drop((a, c));
    assert_eq!(sem.available_permits(), 6_000_000_000);

    let mut a = sem.clone().try_acquire_many_owned(3_000_000_000).unwrap();
    let b = sem.clone().try_acquire_many_owned(3_000_000_000).unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 6_000_000_000);
    drop(a);
    assert_eq!(sem.available_permits(), 6_000_000_000);
}

#[test]
fn close_fails_a_waiter_that_was_already_handed_its_permits() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiter = Task::new(sem.acquire());
    waiter.pending();
    drop(held);
    assert!(waiter.was_woken());
    // Handed the permit, but the semaphore closes before the waiter looks: it fails (as
    // with tokio), and the permit goes back to the count.
    sem.close();
    let err: AcquireError = waiter.ready().unwrap_err();
    assert_eq!(err.to_string(), "semaphore closed");
    assert_eq!(sem.available_permits(), 1);
}
