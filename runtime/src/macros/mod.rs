//! The concurrency macros: [`select!`](crate::select), [`join!`](crate::join),
//! [`try_join!`](crate::try_join) and [`pin!`](crate::pin).
//!
//! `select!`, `join!` and `try_join!` are procedural macros in `runtime-macros`; the
//! `macro_rules!` wrappers here pass them the path to this crate (`$crate`), so the expansion
//! works however the user named the dependency. What the expansion calls lives in
//! [`support`].

mod join;
mod maybe_done;
mod pin;
mod select;

#[doc(hidden)]
pub mod support;
