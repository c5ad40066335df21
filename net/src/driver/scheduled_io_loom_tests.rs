//! loom models of `ScheduledIo`: the readiness word with its tick, and the handshake between
//! a task registering its waker and the reactor waking it.
//!
//! The socket is modelled by a counter of bytes available: the reactor makes data available
//! and then sets readiness, as the OS reports an edge after the data arrived; the task reads
//! (takes the counter) and, on "WouldBlock" (nothing there), clears the readiness it saw,
//! exactly as `poll_io` does. A lost wake-up is a task that never finishes: loom reports it
//! as a deadlock.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p runtime-net --lib --release scheduled_io`.

use std::future::poll_fn;
use std::task::Poll;

use loom::thread;

use super::{Direction, ScheduledIo};
use crate::driver::ready::Ready;
use crate::loom::{Arc, AtomicUsize, Ordering::SeqCst};

/// Waits, as `poll_io` does, until a read finds data: wait ready, try, clear on WouldBlock.
fn read_until_data(io: &ScheduledIo, available: &AtomicUsize) {
    loom::future::block_on(poll_fn(|cx| loop {
        let event = match io.poll_ready(cx, Direction::Read) {
            Poll::Ready(event) => event,
            Poll::Pending => return Poll::Pending,
        };
        if available.swap(0, SeqCst) > 0 {
            return Poll::Ready(());
        }
        io.clear_readiness(event);
    }));
}

#[test]
fn an_edge_racing_a_registration_wakes_the_task() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let available = Arc::new(AtomicUsize::new(0));

        let (r_io, r_available) = (io.clone(), available.clone());
        let reactor = thread::spawn(move || {
            r_available.fetch_add(1, SeqCst);
            r_io.set_readiness(1, Ready::READABLE);
        });
        read_until_data(&io, &available);
        reactor.join().unwrap();
    });
}

#[test]
fn a_stale_clear_never_erases_a_newer_edge() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let available = Arc::new(AtomicUsize::new(0));

        let (r_io, r_available) = (io.clone(), available.clone());
        let reactor = thread::spawn(move || {
            // Turn 1: an edge with nothing to read (the task's read finds WouldBlock and
            // clears tick 1). Turn 2: data, and a new edge with the next tick, which that
            // stale clear must not erase.
            r_io.set_readiness(1, Ready::READABLE);
            r_available.fetch_add(1, SeqCst);
            r_io.set_readiness(2, Ready::READABLE);
        });
        read_until_data(&io, &available);
        reactor.join().unwrap();
    });
}

#[test]
fn shutdown_racing_a_registration_wakes_the_task() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());

        let r_io = io.clone();
        let reactor = thread::spawn(move || r_io.shutdown());
        let event = loom::future::block_on(poll_fn(|cx| io.poll_ready(cx, Direction::Read)));
        assert!(event.is_shutdown);
        reactor.join().unwrap();
    });
}
