//! Timers for `runtime`: [`sleep`], [`timeout`], [`interval`], and the hierarchical timer
//! wheel and time driver behind them. Users reach this crate as `runtime::time`.
//!
//! # The contract
//!
//! * **Never early.** A timer fires at or after its deadline, never before: deadlines are
//!   rounded up to the wheel's 1 ms granularity. On an idle runtime it fires within about a
//!   millisecond of the deadline; on a busy one, when a worker next turns the driver (every
//!   `event_interval` ticks, or the multi-thread runtime's monitor thread within a
//!   millisecond if every worker is stuck in a long poll).
//! * **Cancellation is dropping.** Dropping a [`Sleep`], [`Timeout`] or [`Interval`] cancels
//!   its timer in O(1): nothing leaks, nothing wakes later.
//! * **Lazy registration.** Creating a timer captures the runtime's time handle and takes no
//!   lock; the first poll files it in the wheel (in the shard of the polling thread).
//!   Resetting a pending timer to a later deadline takes no lock either.
//! * **Budget.** Every poll of a `Sleep` (and so of a `Timeout` or `Interval`) spends one
//!   unit of the task's cooperative budget.
//! * **Deadlines** up to about 2.2 years (2^36 ms) are filed directly; later ones wait in the
//!   wheel's top level and are re-filed as time approaches (they still fire on time).
//! * **Misuse** (a timer created outside a runtime, or on one built without
//!   `enable_time()`) panics at creation with a message that names the fix.
//!
//! With the `test-util` feature, the clock can be paused and advanced: `pause`, `resume`,
//! `advance`, and `Builder::start_paused(true)`.

#![deny(unsafe_op_in_unsafe_fn)]

mod clock;
mod entry;
pub mod error;
mod handle;
mod instant;
mod interval;
// The workspace's one loom facade (atomics, cells, locks): `crate::loom::..` everywhere.
use runtime_sync::foundation::loom;
mod sleep;
#[cfg(feature = "test-util")]
mod test_util;
mod timeout;
mod wheel;

#[doc(hidden)]
pub mod driver;

#[cfg(all(test, loom))]
mod loom_tests;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;
#[cfg(feature = "test-util")]
pub use test_util::{advance, pause, resume};
pub use timeout::{timeout, timeout_at, Timeout};
