//! The foundation every crate of the workspace builds on: not part of the public API.
//!
//! It sits here because `runtime-sync` is the bottom of the crate graph, so `runtime-time`,
//! `runtime-net` and `runtime` can all use it without any import pointing up.
//!
//! * [`loom`]: the one place that picks between `std` / `parking_lot` and `loom` primitives.
//!   Every crate reaches its atomics, cells, locks and condvars through it, so that
//!   `RUSTFLAGS="--cfg loom"` model-checks the very code that ships, in every crate.
//! * [`linked_list`]: the intrusive doubly linked list (owned tasks, timer wheel slots).
//! * [`current`]: the "current handle" thread-local with its enter guard (the time handle,
//!   the reactor handle with the blocking hook).

pub mod current;
pub mod linked_list;
pub mod loom;
