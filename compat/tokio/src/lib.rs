//! tokio's public API, served by `runtime`.
//!
//! This package is named `tokio` so that an application can substitute it for the real one
//! with a single entry in its `Cargo.toml`:
//!
//! ```toml
//! [patch.crates-io]
//! tokio = { path = "../runtime/compat/tokio" }
//! ```
//!
//! Every crate in the dependency graph that names `tokio` (axum, reqwest, tonic, tower,
//! hyper-util, tokio-util, tokio-stream) then builds against `runtime`, unmodified.
//!
//! It holds no logic: each module is `runtime`'s, at tokio's path. `#[tokio::main]` and
//! `#[tokio::test]` expand to `::tokio` paths, and the declarative macros (`select!`,
//! `join!`, `try_join!`, `pin!`, `task_local!`) resolve their paths through `$crate`, so a
//! crate that depends on `tokio` alone compiles. What still differs from tokio is listed in
//! `docs/migrating-from-tokio.md` and `docs/compatibility.md`.

#![warn(missing_docs)]

pub use ::runtime::{fs, io, net, process, runtime, signal, spawn, sync, task, time};

pub use ::runtime::{join, pin, select, task_local, try_join};

pub use ::runtime::compat::tokio::{main, test};

// What tokio's declarative macros reach at `tokio::macros::support` (hidden in tokio too); some
// code, tokio's own tests among it, names it directly.
#[doc(hidden)]
pub use ::runtime::macros;
