//! The configuration types shared by the `Builder` and the parts it configures.
//!
//! They live below both: `builder.rs` is the top of the module graph (it assembles the
//! schedulers, the blocking pool and the driver), so the schedulers and the pool take these
//! from here rather than importing upwards from it.

use std::sync::Arc;

/// A hook the runtime calls on its threads.
pub(crate) type Callback = Arc<dyn Fn() + Send + Sync>;

/// Produces the name of each new thread.
pub(crate) type ThreadNameFn = Arc<dyn Fn() -> String + Send + Sync + 'static>;
