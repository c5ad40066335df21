//! `Notify`: the stored permit, FIFO / LIFO picking, `notify_waiters` reaching unpolled
//! futures, notifications passed on by dropped futures, `enable`, the budget. Driven by a
//! minimal executor (no runtime).

mod support;

use std::pin::pin;
use std::sync::Arc;

use runtime_sync::{coop, Notify};
use support::{block_on, Task};

#[test]
fn notify_one_without_waiters_stores_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    let mut first = Task::new(notify.notified());
    first.ready();
    // Two calls stored one permit.
    let mut second = Task::new(notify.notified());
    second.pending();
    notify.notify_one();
    assert!(second.was_woken());
    second.ready();
}

#[test]
fn notify_one_wakes_the_oldest_and_notify_last_the_newest() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    let mut b = Task::new(notify.notified());
    let mut c = Task::new(notify.notified());
    a.pending();
    b.pending();
    c.pending();
    notify.notify_one();
    assert!(a.was_woken() && !b.was_woken() && !c.was_woken());
    a.ready();
    notify.notify_last();
    assert!(c.was_woken() && !b.was_woken());
    c.ready();
    b.pending();
    notify.notify_one();
    b.ready();
    // Nobody waits now: the next notify_one is stored.
    notify.notify_one();
    block_on(notify.notified());
}

#[test]
fn notify_waiters_reaches_every_existing_future_even_unpolled_and_stores_nothing() {
    let notify = Notify::new();
    let mut polled = Task::new(notify.notified());
    polled.pending();
    let mut unpolled = Task::new(notify.notified());
    notify.notify_waiters();
    assert!(polled.was_woken());
    polled.ready();
    unpolled.ready();
    // Created after the call: not reached, and no permit was stored.
    let mut later = Task::new(notify.notified());
    later.pending();
    notify.notify_waiters();
    later.ready();
}

#[test]
fn a_dropped_future_passes_its_notification_on() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    let mut b = Task::new(notify.notified());
    a.pending();
    b.pending();
    notify.notify_one();
    assert!(a.was_woken());
    // `a` received the notification but is dropped before it completes.
    drop(a);
    assert!(b.was_woken());
    b.ready();

    // With nobody else waiting, the notification becomes the stored permit.
    let mut c = Task::new(notify.notified());
    c.pending();
    notify.notify_one();
    drop(c);
    Task::new(notify.notified()).ready();
}

#[test]
fn a_dropped_waiter_that_was_not_notified_changes_nothing() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    drop(a);
    // The state went back to empty: notify_one stores a permit rather than looking for a
    // waiter.
    notify.notify_one();
    Task::new(notify.notified()).ready();
}

#[test]
fn enable_queues_a_future_before_it_is_polled() {
    let notify = Notify::new();
    let mut first = pin!(notify.notified());
    let mut second = pin!(notify.notified());
    assert!(!second.as_mut().enable());
    assert!(!first.as_mut().enable());
    notify.notify_one();
    // `second` enabled first, so it is the oldest waiter.
    assert!(second.as_mut().enable());
    assert!(!first.as_mut().enable());
    block_on(second);
    notify.notify_one();
    block_on(first);
}

#[test]
fn owned_notified_is_static_and_works_across_threads() {
    let notify = Arc::new(Notify::new());
    let waiter = notify.clone().notified_owned();
    let t = {
        let notify = notify.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            notify.notify_waiters();
        })
    };
    block_on(waiter);
    t.join().unwrap();
}

#[test]
fn ping_pong_between_threads_loses_no_wake_up() {
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let t = {
        let (ping, pong) = (ping.clone(), pong.clone());
        std::thread::spawn(move || {
            for _ in 0..10_000 {
                block_on(ping.notified());
                pong.notify_one();
            }
        })
    };
    for _ in 0..10_000 {
        ping.notify_one();
        block_on(pong.notified());
    }
    t.join().unwrap();
}

#[test]
fn notified_spends_the_budget() {
    let notify = Notify::new();
    coop::budget(|| {
        let mut ready = 0;
        loop {
            notify.notify_one();
            let mut task = Task::new(notify.notified());
            if task.poll().is_ready() {
                ready += 1;
            } else {
                assert!(task.was_woken());
                break;
            }
        }
        assert_eq!(ready, coop::BUDGET as usize);
    });
}

#[test]
fn a_static_notify() {
    static READY: Notify = Notify::const_new();
    READY.notify_one();
    block_on(READY.notified());
}

#[test]
fn a_dropped_notify_last_pick_goes_to_the_newest_waiter() {
    let notify = Notify::new();
    let mut first = Task::new(notify.notified());
    let mut second = Task::new(notify.notified());
    let mut third = Task::new(notify.notified());
    first.pending();
    second.pending();
    third.pending();
    notify.notify_last();
    assert!(third.was_woken());
    drop(third);
    // Passed on the way it came: to the newest remaining waiter, not the oldest.
    assert!(second.was_woken());
    assert!(!first.was_woken());
    second.ready();
    first.pending();

    // A `notify_one` pick still goes to the oldest.
    let mut fourth = Task::new(notify.notified());
    fourth.pending();
    notify.notify_one();
    assert!(first.was_woken());
    drop(first);
    assert!(fourth.was_woken());
    fourth.ready();
}

#[test]
fn the_futures_are_named_at_tokios_path() {
    let notify = Arc::new(Notify::new());
    let borrowed: runtime_sync::futures::Notified<'_> = notify.notified();
    let owned: runtime_sync::futures::OwnedNotified = notify.clone().notified_owned();
    notify.notify_waiters();
    block_on(borrowed);
    block_on(owned);
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<Notify>();
}
