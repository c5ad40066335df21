//! Async synchronisation primitives for `runtime`, and the cooperative budget.
//!
//! Nothing here needs a runtime: every primitive works under any executor. Inside `runtime`
//! they are re-exported as `runtime::sync`, and [`coop`] as `runtime::task::coop`.
//!
//! The crate sits at the bottom of the workspace's dependency graph, so it also holds the one
//! thread-local context every crate above shares: the cooperative budget and the "inside a
//! runtime" flag (see [`coop`]).

#![warn(missing_docs)]

mod loom;

pub mod coop;
pub mod oneshot;
