//! Cooperative scheduling: the per-poll budget that makes busy tasks yield.
//!
//! Every poll of a task gets a budget of 128 units. Each budgeted operation (a `JoinHandle`,
//! a channel receive, a timer, a socket operation) spends one; when the budget
//! is spent, the operation returns `Pending` and the task is queued behind the others, so a
//! task whose resources are always ready cannot starve the rest of the runtime.
//!
//! Outside a runtime everything runs unconstrained. The budget lives in `runtime-sync` (the
//! bottom of the crate graph) so the primitives there can spend it without knowing the
//! scheduler.
//!
//! # Examples
//!
//! ```
//! use runtime::task::coop;
//!
//! # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut total = 0u64;
//! for i in 0..10_000u64 {
//!     total += i;
//!     // Lets other tasks run every 128 iterations.
//!     coop::consume_budget().await;
//! }
//! assert_eq!(total, 49_995_000);
//! # });
//! ```

pub use runtime_sync::coop::{
    consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained, Coop,
    RestoreOnPending, Unconstrained,
};
