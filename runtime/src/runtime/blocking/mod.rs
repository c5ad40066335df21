//! The blocking pool: threads for `spawn_blocking` closures.

mod pool;
mod shutdown;
mod task;

pub(crate) use pool::{BlockingPool, Config, Spawner};
