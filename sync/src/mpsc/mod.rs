//! Multi-producer, single-consumer channels: many senders, one receiver, values delivered in
//! order.
//!
//! [`channel`] makes a bounded channel: at most `buffer` values are queued (or reserved) at
//! once, and [`Sender::send`] waits for room. [`unbounded_channel`] makes one whose
//! [`UnboundedSender::send`] never waits. Each sender can be cloned; the receiver cannot.
//!
//! # Contract
//!
//! - **Order.** Values sent by one sender are received in the order it sent them. Values of
//!   different senders interleave in the order their sends took effect.
//! - **Delivery.** A value whose send returned `Ok` (or that went through a [`Permit`]) is
//!   received unless the receiver is dropped first; then it is dropped with the channel. Every
//!   value is dropped exactly once: by whoever received it, by the receiver's drop, or by the
//!   channel's when the last handle goes.
//! - **End.** `recv` returns `None` once every sender is gone and every value was received,
//!   or once the receiver [closed](Receiver::close) the channel, every value was received and
//!   no [`Permit`] is outstanding. Dropping the receiver closes the channel: sends fail with
//!   [`SendError`](error::SendError), handing the value back, and [`Sender::closed`] completes.
//! - **Fairness (bounded).** Senders waiting for room are served first come, first served;
//!   `try_send` does not overtake them.
//! - **Cancellation safety.** Dropping a pending `recv` / `recv_many` loses no value. Dropping
//!   a pending `send` / `reserve` gives up its place in the queue; room it had already been
//!   handed goes to the next waiting sender (the value of a dropped `send` is dropped: use
//!   `reserve` to keep it).
//! - **Cooperative budget.** `recv`, `recv_many`, `send`, `reserve*` and `closed` spend one
//!   unit of the task's budget (see [`crate::coop`]) whenever they complete, so a task whose
//!   channel is always ready still yields to its runtime.
//! - **Memory.** Values are stored in blocks of 32 slots (16 on 32-bit targets) that senders
//!   append to without locks. Once the receiver has caught up, a channel keeps the block it
//!   reads from and at most one spare block; every other block is freed. A burst does not
//!   leave a lasting footprint (tokio issue 7355: tokio keeps several blocks per channel).
//!   Slot indices wrap around (after 2³² messages on a 32-bit target), which is harmless as
//!   long as fewer than 2³¹ − 64 messages are queued at once; only an unbounded channel on a
//!   32-bit target can queue that many, and it must not.
//! - **No runtime needed.** The channels work under any executor and between plain threads
//!   (`blocking_send`, `blocking_recv`); those blocking methods panic inside an async runtime.
//!
//! [`Sender::send_timeout`] needs a timer, which this crate does not own: it uses the one the
//! runtime installs on its threads (see [`crate::coop`]), and panics outside a runtime with
//! the time driver.
//!
//! # Examples
//!
//! ```
//! use runtime_sync::mpsc;
//!
//! let (tx, mut rx) = mpsc::channel::<u32>(16);
//! let producers: Vec<_> = (0..4)
//!     .map(|p| {
//!         let tx = tx.clone();
//!         std::thread::spawn(move || {
//!             for i in 0..100 {
//!                 tx.blocking_send(p * 1000 + i).unwrap();
//!             }
//!         })
//!     })
//!     .collect();
//! drop(tx);
//!
//! let mut count = 0;
//! while let Some(_) = rx.blocking_recv() {
//!     count += 1;
//! }
//! assert_eq!(count, 400);
//! for p in producers {
//!     p.join().unwrap();
//! }
//! ```

mod block;
mod bounded;
mod chan;
mod closed;
pub mod error;
mod list;
mod unbounded;

pub use self::bounded::{
    channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender,
};
pub use self::unbounded::{
    unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender,
};

#[cfg(all(test, loom))]
mod loom_tests;
