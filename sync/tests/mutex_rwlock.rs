//! `Mutex` and `RwLock`: exclusion, FIFO fairness (a waiting writer holds back later
//! readers), guards (map, downgrade, owned), cancellation, blocking use from plain threads.
//! Driven by a minimal executor (no runtime).

mod support;

use std::sync::Arc;

use runtime_sync::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard,
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
use support::{block_on, Task};

#[test]
fn mutex_excludes_and_hands_over_in_order() {
    let m = Mutex::new(0);
    let guard = m.try_lock().unwrap();
    assert!(m.try_lock().is_err());
    assert_eq!(
        m.try_lock().unwrap_err().to_string(),
        "operation would block"
    );
    let mut first = Task::new(m.lock());
    let mut second = Task::new(m.lock());
    first.pending();
    second.pending();
    drop(guard);
    assert!(first.was_woken());
    assert!(!second.was_woken());
    // Nobody barges past the queue.
    assert!(m.try_lock().is_err());
    let mut g = first.ready();
    *g += 1;
    drop(g);
    assert!(second.was_woken());
    assert_eq!(*second.ready(), 1);
}

#[test]
fn a_dropped_lock_future_passes_the_lock_on() {
    let m = Mutex::new(());
    let guard = m.try_lock().unwrap();
    let mut first = Task::new(m.lock());
    let mut second = Task::new(m.lock());
    first.pending();
    second.pending();
    drop(guard);
    // `first` was handed the lock but is cancelled before it saw it.
    drop(first);
    assert!(second.was_woken());
    drop(second.ready());
    assert!(m.try_lock().is_ok());
}

#[test]
fn mapped_and_owned_guards() {
    let m = Mutex::new((1, String::from("a")));
    {
        let guard = m.try_lock().unwrap();
        let mut s = MutexGuard::map(guard, |pair| &mut pair.1);
        s.push('b');
        assert!(m.try_lock().is_err(), "the mapped guard keeps the lock");
    }
    assert_eq!(m.try_lock().unwrap().1, "ab");

    let shared = Arc::new(Mutex::new(vec![1]));
    let mut owned = block_on(shared.clone().lock_owned());
    owned.push(2);
    assert!(shared.clone().try_lock_owned().is_err());
    let t = std::thread::spawn(move || {
        owned.push(3);
    });
    t.join().unwrap();
    assert_eq!(*shared.try_lock().unwrap(), [1, 2, 3]);
    let mut m = Arc::try_unwrap(shared).unwrap();
    m.get_mut().push(4);
    assert_eq!(m.into_inner(), [1, 2, 3, 4]);
}

#[test]
fn blocking_lock_from_plain_threads_counts_exactly() {
    let m = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..5_000 {
                    *m.blocking_lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.blocking_lock(), 20_000);
    let owned = m.clone().blocking_lock_owned();
    assert_eq!(*owned, 20_000);
}

#[test]
fn mutex_debug_shows_data_or_locked() {
    let m = Mutex::new(5);
    assert_eq!(format!("{m:?}"), "Mutex { data: 5 }");
    let _g = m.try_lock().unwrap();
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
}

#[test]
fn a_static_mutex() {
    static COUNT: Mutex<u32> = Mutex::const_new(0);
    *COUNT.try_lock().unwrap() += 1;
    assert_eq!(*COUNT.try_lock().unwrap(), 1);
}

#[test]
fn readers_share_and_writers_exclude() {
    let lock = RwLock::new(1);
    let r1 = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    assert!(lock.try_write().is_err());
    let mut writer = Task::new(lock.write());
    writer.pending();
    drop(r1);
    assert!(!writer.was_woken());
    drop(r2);
    assert!(writer.was_woken());
    let mut w = writer.ready();
    *w = 2;
    assert!(lock.try_read().is_err());
    drop(w);
    assert_eq!(*lock.try_read().unwrap(), 2);
}

#[test]
fn a_waiting_writer_holds_back_later_readers() {
    let lock = RwLock::new(());
    let reader = lock.try_read().unwrap();
    let mut writer = Task::new(lock.write());
    writer.pending();
    // A reader arriving after the waiting writer waits too: no writer starvation.
    assert!(lock.try_read().is_err());
    let mut late_reader = Task::new(lock.read());
    late_reader.pending();
    drop(reader);
    let w = writer.ready();
    late_reader.pending();
    drop(w);
    assert!(late_reader.was_woken());
    drop(late_reader.ready());
}

#[test]
fn downgrade_keeps_readers_in_and_writers_out() {
    let lock = RwLock::new(1);
    let mut w = lock.try_write().unwrap();
    let mut reader = Task::new(lock.read());
    reader.pending();
    *w = 7;
    let r = RwLockWriteGuard::downgrade(w);
    assert!(reader.was_woken());
    assert_eq!(*reader.ready(), 7);
    assert_eq!(*r, 7);
    assert!(lock.try_write().is_err());
    let mapped = RwLockReadGuard::map(r, |v| v);
    assert_eq!(*mapped, 7);
    drop(mapped);

    let shared = Arc::new(RwLock::new(String::from("x")));
    let mut w = shared.clone().try_write_owned().unwrap();
    w.push('y');
    let r = runtime_sync::OwnedRwLockWriteGuard::downgrade(w);
    assert_eq!(&*r, "xy");
    assert!(shared.clone().try_read_owned().is_ok());
    drop(r);
    assert!(shared.clone().try_write_owned().is_ok());
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "no guard leaked its reference"
    );
}

#[test]
fn max_readers_is_enforced() {
    let lock = RwLock::with_max_readers(0, 2);
    let a = lock.try_read().unwrap();
    let b = lock.try_read().unwrap();
    assert!(lock.try_read().is_err());
    drop((a, b));
    let mut w = lock.try_write().unwrap();
    let mut mapped = RwLockWriteGuard::map(w, |v| v);
    *mapped += 1;
    drop(mapped);
    w = lock.try_write().unwrap();
    assert_eq!(*w, 1);
    drop(w);
    assert!(std::panic::catch_unwind(|| RwLock::with_max_readers(0, 0)).is_err());
}

#[test]
fn blocking_read_and_write_from_plain_threads() {
    let lock = Arc::new(RwLock::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let lock = lock.clone();
            std::thread::spawn(move || {
                for _ in 0..2_000 {
                    if i % 2 == 0 {
                        *lock.blocking_write() += 1;
                    } else {
                        let v = *lock.blocking_read();
                        assert!(v <= 4_000);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*lock.blocking_read(), 4_000);
}

#[test]
fn a_cancelled_write_lets_the_readers_behind_it_in() {
    let lock = RwLock::new(());
    let reader = lock.try_read().unwrap();
    let mut writer = Task::new(lock.write());
    writer.pending();
    let mut late = Task::new(lock.read());
    late.pending();
    drop(writer);
    assert!(late.was_woken());
    drop(late.ready());
    drop(reader);
    assert!(lock.try_write().is_ok());
}

/// Runs `f`, which must panic, with the panic message silenced.
fn must_panic<R>(f: impl FnOnce() -> R) {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    assert!(caught.is_err(), "expected a panic");
}

#[test]
fn a_panicking_map_closure_releases_the_mutex() {
    let m = Arc::new(Mutex::new((1u32, 2u32)));
    // Each `map`/`try_map` runs its closure while the guard still holds the lock, so a panic
    // drops the guard and unlocks (it used to forget the guard first and leak the lock).
    must_panic(|| MutexGuard::map(m.try_lock().unwrap(), |_| -> &mut u32 { panic!("map") }));
    assert!(m.try_lock().is_ok());
    must_panic(|| {
        MutexGuard::try_map(m.try_lock().unwrap(), |_| -> Option<&mut u32> {
            panic!("try_map")
        })
    });
    assert!(m.try_lock().is_ok());
    must_panic(|| {
        let mapped = MutexGuard::map(m.try_lock().unwrap(), |p| p);
        MappedMutexGuard::map(mapped, |_| -> &mut u32 { panic!("mapped map") })
    });
    assert!(m.try_lock().is_ok());
    must_panic(|| {
        let mapped = MutexGuard::map(m.try_lock().unwrap(), |p| p);
        MappedMutexGuard::try_map(mapped, |_| -> Option<&mut u32> { panic!("mapped try_map") })
    });
    assert!(m.try_lock().is_ok());
    must_panic(|| {
        OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |_| -> &mut u32 {
            panic!("owned map")
        })
    });
    assert!(m.try_lock().is_ok());
    must_panic(|| {
        OwnedMutexGuard::try_map(
            m.clone().try_lock_owned().unwrap(),
            |_| -> Option<&mut u32> { panic!("owned try_map") },
        )
    });
    assert!(m.try_lock().is_ok());
    must_panic(|| {
        let mapped = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| p);
        OwnedMappedMutexGuard::map(mapped, |_| -> &mut u32 { panic!("owned mapped map") })
    });
    assert!(m.try_lock().is_ok());
    must_panic(|| {
        let mapped = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| p);
        OwnedMappedMutexGuard::try_map(mapped, |_| -> Option<&mut u32> { panic!("try_map") })
    });
    assert!(m.try_lock().is_ok());
    assert_eq!(Arc::strong_count(&m), 1, "no guard leaked its reference");
}

#[test]
fn a_panicking_map_closure_releases_the_rwlock() {
    let lock = Arc::new(RwLock::new((1u32, 2u32)));
    let free = |lock: &RwLock<(u32, u32)>| lock.try_write().is_ok();
    must_panic(|| RwLockReadGuard::map(lock.try_read().unwrap(), |_| -> &u32 { panic!() }));
    assert!(free(&lock));
    must_panic(|| {
        RwLockReadGuard::try_map(lock.try_read().unwrap(), |_| -> Option<&u32> { panic!() })
    });
    assert!(free(&lock));
    must_panic(|| RwLockWriteGuard::map(lock.try_write().unwrap(), |_| -> &mut u32 { panic!() }));
    assert!(free(&lock));
    must_panic(|| {
        RwLockWriteGuard::try_map(lock.try_write().unwrap(), |_| -> Option<&mut u32> {
            panic!()
        })
    });
    assert!(free(&lock));
    must_panic(|| {
        RwLockWriteGuard::downgrade_map(lock.try_write().unwrap(), |_| -> &u32 { panic!() })
    });
    assert!(free(&lock));
    must_panic(|| {
        RwLockWriteGuard::try_downgrade_map(lock.try_write().unwrap(), |_| -> Option<&u32> {
            panic!()
        })
    });
    assert!(free(&lock));
    must_panic(|| {
        let mapped = RwLockWriteGuard::into_mapped(lock.try_write().unwrap());
        RwLockMappedWriteGuard::map(mapped, |_| -> &mut u32 { panic!() })
    });
    assert!(free(&lock));
    must_panic(|| {
        let mapped = RwLockWriteGuard::into_mapped(lock.try_write().unwrap());
        RwLockMappedWriteGuard::try_map(mapped, |_| -> Option<&mut u32> { panic!() })
    });
    assert!(free(&lock));
    must_panic(|| {
        OwnedRwLockReadGuard::map(lock.clone().try_read_owned().unwrap(), |_| -> &u32 {
            panic!()
        })
    });
    assert!(free(&lock));
    must_panic(|| {
        OwnedRwLockReadGuard::try_map(
            lock.clone().try_read_owned().unwrap(),
            |_| -> Option<&u32> { panic!() },
        )
    });
    assert!(free(&lock));
    must_panic(|| {
        OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |_| -> &mut u32 {
            panic!()
        })
    });
    assert!(free(&lock));
    must_panic(|| {
        OwnedRwLockWriteGuard::try_map(
            lock.clone().try_write_owned().unwrap(),
            |_| -> Option<&mut u32> { panic!() },
        )
    });
    assert!(free(&lock));
    must_panic(|| {
        OwnedRwLockWriteGuard::downgrade_map(lock.clone().try_write_owned().unwrap(), |_| -> &u32 {
            panic!()
        })
    });
    assert!(free(&lock));
    must_panic(|| {
        OwnedRwLockWriteGuard::try_downgrade_map(
            lock.clone().try_write_owned().unwrap(),
            |_| -> Option<&u32> { panic!() },
        )
    });
    assert!(free(&lock));
    must_panic(|| {
        let mapped = OwnedRwLockWriteGuard::into_mapped(lock.clone().try_write_owned().unwrap());
        OwnedRwLockMappedWriteGuard::map(mapped, |_| -> &mut u32 { panic!() })
    });
    assert!(free(&lock));
    must_panic(|| {
        let mapped = OwnedRwLockWriteGuard::into_mapped(lock.clone().try_write_owned().unwrap());
        OwnedRwLockMappedWriteGuard::try_map(mapped, |_| -> Option<&mut u32> { panic!() })
    });
    assert!(free(&lock));
    assert_eq!(Arc::strong_count(&lock), 1, "no guard leaked its reference");
}

#[test]
fn try_map_gives_the_guard_back_still_locked() {
    let m = Arc::new(Mutex::new(vec![1, 2]));
    let guard = MutexGuard::try_map(m.try_lock().unwrap(), |v| v.get_mut(9)).unwrap_err();
    assert!(m.try_lock().is_err());
    let mut second = MutexGuard::try_map(guard, |v| v.get_mut(1)).unwrap();
    *second = 20;
    let mut second = MappedMutexGuard::try_map(second, |_| None::<&mut u8>).unwrap_err();
    *second += 1;
    drop(second);

    let owned = OwnedMutexGuard::try_map(m.clone().try_lock_owned().unwrap(), |v| v.get_mut(9))
        .unwrap_err();
    assert!(std::ptr::eq(&**OwnedMutexGuard::mutex(&owned), &*m));
    let mut first = OwnedMutexGuard::try_map(owned, |v| v.first_mut()).unwrap();
    assert!(
        m.try_lock().is_err(),
        "the owned mapped guard keeps the lock"
    );
    *first = 10;
    let first = OwnedMappedMutexGuard::map(first, |x| x);
    assert_eq!(format!("{first:?} {first}"), "10 10");
    assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&first), &m));
    drop(first);
    assert_eq!(*m.try_lock().unwrap(), [10, 21]);
    assert_eq!(Arc::strong_count(&m), 1);

    let lock = Arc::new(RwLock::new(vec![1, 2]));
    let w = RwLockWriteGuard::try_map(lock.try_write().unwrap(), |v| v.get_mut(9)).unwrap_err();
    let w = RwLockWriteGuard::try_downgrade_map(w, |v| v.get(9)).unwrap_err();
    assert!(
        lock.try_read().is_err(),
        "a failed try_downgrade_map stays exclusive"
    );
    let r = RwLockWriteGuard::try_downgrade_map(w, |v| v.get(1)).unwrap();
    assert_eq!(*r, 2);
    assert!(lock.try_read().is_ok());
    assert!(lock.try_write().is_err());
    let r = RwLockReadGuard::try_map(r, |_| None::<&u8>).unwrap_err();
    drop(r);

    let r = lock.clone().try_read_owned().unwrap();
    let r = OwnedRwLockReadGuard::try_map(r, |v| v.get(9)).unwrap_err();
    let second = OwnedRwLockReadGuard::try_map(r, |v| v.get(1)).unwrap();
    assert_eq!(format!("{second:?} {second}"), "2 2");
    assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&second), &lock));
    drop(second);

    let w = lock.clone().try_write_owned().unwrap();
    let w = OwnedRwLockWriteGuard::try_map(w, |v| v.get_mut(9)).unwrap_err();
    let mut mapped = OwnedRwLockWriteGuard::try_map(w, |v| v.get_mut(0)).unwrap();
    *mapped = 100;
    assert!(Arc::ptr_eq(
        OwnedRwLockMappedWriteGuard::rwlock(&mapped),
        &lock
    ));
    assert!(lock.try_read().is_err());
    drop(mapped);
    assert_eq!(*lock.try_read().unwrap(), [100, 2]);
    assert_eq!(Arc::strong_count(&lock), 1);
}

#[test]
fn downgrade_map_lets_readers_in_only_after_the_closure() {
    let lock = RwLock::new((5u32, 6u32));
    let w = lock.try_write().unwrap();
    let mut reader = Task::new(lock.read());
    reader.pending();
    let r = RwLockWriteGuard::downgrade_map(w, |pair| {
        assert!(
            !reader.was_woken(),
            "a reader got in before the closure returned"
        );
        &pair.1
    });
    assert!(reader.was_woken());
    let other = reader.ready();
    assert_eq!((*r, other.0), (6, 5));
    assert!(lock.try_write().is_err());
    drop((r, other));

    let shared = Arc::new(RwLock::new((5u32, 6u32)));
    let w = shared.clone().try_write_owned().unwrap();
    let r = OwnedRwLockWriteGuard::downgrade_map(w, |pair| &pair.0);
    assert_eq!(*r, 5);
    assert!(shared.try_read().is_ok());
    assert!(shared.try_write().is_err());
    let w2 = shared.clone().try_write_owned();
    assert!(w2.is_err());
    drop(r);
    let w = shared.clone().try_write_owned().unwrap();
    let r = OwnedRwLockWriteGuard::try_downgrade_map(w, |pair| Some(&pair.1)).unwrap();
    assert_eq!(*r, 6);
    drop(r);
    // `downgrade` is a method, as in tokio.
    let r = shared.clone().try_write_owned().unwrap().downgrade();
    assert_eq!(r.0, 5);
    drop(r);
    assert_eq!(Arc::strong_count(&shared), 1);
}

#[test]
fn const_with_max_readers_and_the_zero_readers_message() {
    static LOCK: RwLock<u32> = RwLock::const_with_max_readers(3, 2);
    let a = LOCK.try_read().unwrap();
    let b = LOCK.try_read().unwrap();
    assert!(LOCK.try_read().is_err());
    drop((a, b));
    *LOCK.try_write().unwrap() += 1;
    assert_eq!(*LOCK.try_read().unwrap(), 4);
    for make in [(|| drop(RwLock::with_max_readers(0, 0))) as fn(), || {
        drop(RwLock::const_with_max_readers(0, 0))
    }] {
        let err = std::panic::catch_unwind(make).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_else(|| {
            err.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .unwrap_or_default()
        });
        assert!(
            msg.contains("a RwLock may not be created with 0 readers"),
            "{msg}"
        );
    }
}

#[test]
fn a_lock_whose_budget_is_spent_keeps_its_turn() {
    use runtime_sync::coop;
    let m = Mutex::new(());
    let g0 = m.try_lock().unwrap();
    let mut a = Task::new(m.lock());
    let mut b = Task::new(m.lock());
    // `a` is first polled by a task whose budget is spent: it still queues before `b`.
    coop::budget(|| {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        while let std::task::Poll::Ready(r) = coop::poll_proceed(&mut cx) {
            r.made_progress();
        }
        a.pending();
    });
    b.pending();
    drop(g0);
    assert!(a.was_woken());
    assert!(!b.was_woken());
    drop(a.ready());
    assert!(b.was_woken());
    drop(b.ready());

    // A free lock taken with a spent budget is held, and reported on the next poll.
    let mut c = Task::new(m.lock());
    coop::budget(|| {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        while let std::task::Poll::Ready(r) = coop::poll_proceed(&mut cx) {
            r.made_progress();
        }
        c.pending();
    });
    assert!(c.was_woken(), "the spent budget asks for another poll");
    assert!(m.try_lock().is_err(), "the lock is held for `c`");
    let mut d = Task::new(m.lock());
    d.pending();
    drop(c);
    assert!(d.was_woken(), "a dropped holder passes the lock on");
    drop(d.ready());
    assert!(m.try_lock().is_ok());

    // An RwLock differs (as its docs say): with the budget spent it yields without taking
    // or queueing, so a waiter that queues meanwhile goes first; it comes back with a fresh
    // budget, queues, and gets its turn.
    let lock = RwLock::new(());
    let w = lock.try_write().unwrap();
    let mut a = Task::new(lock.write());
    let mut b = Task::new(lock.read());
    coop::budget(|| {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        while let std::task::Poll::Ready(r) = coop::poll_proceed(&mut cx) {
            r.made_progress();
        }
        a.pending();
    });
    assert!(a.was_woken(), "the spent budget asks for another poll");
    b.pending();
    drop(w);
    assert!(b.was_woken(), "the queued reader is first");
    a.pending();
    let read = b.ready();
    drop(read);
    assert!(
        a.was_woken(),
        "the writer, queued on its next poll, is next"
    );
    drop(a.ready());
    assert!(lock.try_write().is_ok());
}
