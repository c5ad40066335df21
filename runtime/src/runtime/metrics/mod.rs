//! Runtime metrics: [`RuntimeMetrics`], and the per-worker counters behind it.
//!
//! Each worker's counters (`WorkerMetrics`) are written only by the thread that holds that
//! worker's core, with a plain load and store (no read-modify-write), and sit on a cache
//! line of their own; they are updated when a worker parks and unparks, never per poll. A
//! reader sees a recent value, not necessarily the latest.

mod runtime;
mod worker;

pub use runtime::RuntimeMetrics;
pub(crate) use worker::{BusyTimer, WorkerMetrics};
