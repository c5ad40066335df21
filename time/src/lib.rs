//! Timers for `runtime`: the hierarchical timer wheel, `Sleep`, `Interval`, `Timeout` and the
//! time driver that the scheduler turns.
//!
//! This crate is a placeholder in the workspace graph (`runtime-sync` ← `runtime-time` ←
//! `runtime`). It exports nothing yet: the timer wheel lands with the timers issue, and until
//! then `runtime::time` does not exist, so code that needs timers fails to compile rather than
//! misbehaving at run time.
