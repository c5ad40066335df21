//! `Mutex` and `RwLock`: exclusion, FIFO fairness (a waiting writer holds back later
//! readers), guards (map, downgrade, owned), cancellation, blocking use from plain threads.
//! Driven by a minimal executor (no runtime).

mod support;

use std::sync::Arc;

use runtime_sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
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
